"""Grading on a Ray cluster, behind the same interface as the local pool.

spec.py      what a node needs to open a grader (a name and where it comes from; never a pickled object)
actor.py     the node side: one grading actor per CPU, per-item limits by the local pool's hard kill
executor.py  the driver side: batches, a bounded number in flight, the watchdog, lost nodes

Ray is imported only by actor.py and executor.py, when a Ray executor is opened
(`proctor.executors.open_executor("ray", ...)`); see docs/scale.md.
"""
