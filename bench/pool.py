"""End-to-end grading throughput for arith.integer: generate -> grade -> store.

Compares, in one run on the same items:
  plain loop   a single-process `for` loop calling the grader (no pool, no store)
  pool only    proctor's GradingPool (workers, per-item kill), no store
  proctor      ingest into SQLite + pool + verdicts committed to the store
and prints items/s, the ratios, and the pool's overhead per item.

    .venv/bin/python bench/pool.py [N]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

from proctor import graders
from proctor import tasks
from proctor.grading import grade_pending, ingest
from proctor.pool import GradingPool, Job, default_workers
from proctor.store import RunStore


def main(n: int = 100_000) -> None:
    started = time.perf_counter()
    problems = tasks.get("arith.integer").generate(n, 0, difficulty=3)
    generation = time.perf_counter() - started
    completions = [f"The result is \\boxed{{{p.reference + (i % 4 == 0)}}}." for i, p in enumerate(problems)]
    grader = graders.get("numeric")

    started = time.perf_counter()
    plain = [grader.grade(p, c) for p, c in zip(problems, completions)]
    plain_s = time.perf_counter() - started

    jobs = [Job(i, "numeric", p, c) for i, (p, c) in enumerate(zip(problems, completions))]
    workers = default_workers()
    started = time.perf_counter()
    with GradingPool(workers=workers) as pool:
        pooled = dict(pool.grade(jobs))
    pool_s = time.perf_counter() - started
    assert sum(v.passed for v in pooled.values()) == sum(v.passed for v in plain)

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with RunStore(os.path.join(folder, "bench.db")) as store:
            ingest(store, "bench", enumerate(problems, 1),
                   ((i, p.id, 0, c) for i, (p, c) in enumerate(zip(problems, completions), 1)))
            ingested = time.perf_counter()
            graded = grade_pending(store, "bench", workers=workers)
        store_s = time.perf_counter() - started
        grade_store_s = time.perf_counter() - ingested
    assert graded == n

    cpu_per_item = plain_s / n
    # Overhead per item of the pool: worker-seconds spent beyond the grading itself.
    overhead_ms = max(0.0, (pool_s * workers - plain_s) / n * 1000)
    print(f"arith.integer, {n:,} items, {workers} workers, generation {n / generation:,.0f} problems/s")
    print(f"plain loop (1 process, no store): {n / plain_s:10,.0f} items/s  ({cpu_per_item * 1e6:.1f} us/item)")
    print(f"pool only ({workers} workers):          {n / pool_s:10,.0f} items/s  ratio {plain_s / pool_s:.2f}x")
    print(f"proctor: ingest+grade+store:      {n / store_s:10,.0f} items/s  ratio {plain_s / store_s:.2f}x")
    print(f"proctor: grade+store after ingest:{n / grade_store_s:10,.0f} verdicts/s")
    print(f"pool overhead per item: {overhead_ms:.3f} ms (worker time beyond the grader's own)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
