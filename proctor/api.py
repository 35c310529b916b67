"""The Python API the CLI is a thin layer over.

    import proctor
    problems = proctor.generate("arith.integer", n=100, seed=0, difficulty=3)
    for v in proctor.grade(problems, [{"id": p.id, "completion": "\\\\boxed{7}"} for p in problems]):
        print(v.id, v.verdict.status)
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from proctor import tasks
from proctor.graders.problem import Problem
from proctor.errors import BadInput
from proctor.options import SQLITE_MAX, int_problem
from proctor.grading import GraderResolver, grade_pending, ingest, new_run_name
from proctor.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, GradingPool, Job
from proctor.store import RunStore, StoredVerdict


def generate(task: str, n: int, seed: int, **params) -> list[Problem]:
    """`n` distinct problems of `task`; the same arguments give the same problems everywhere."""
    return tasks.get(task).generate(n, seed, **params)


def _as_problem(item: Problem | Mapping) -> Problem:
    return item if isinstance(item, Problem) else Problem.from_dict(dict(item))


def _as_completion(item: Mapping | tuple) -> tuple[str, int, str]:
    if isinstance(item, Mapping):
        problem_id, sample, text = item["id"], item.get("sample", 0), item["completion"]
    elif len(item) == 2:
        (problem_id, text), sample = item, 0
    else:
        problem_id, sample, text = item
    problem = int_problem(sample, 0, SQLITE_MAX, "a non-negative integer")
    if problem:
        raise BadInput(f"completion {problem_id!r}: 'sample' {problem}")
    return str(problem_id), sample, text


def grade(problems: Iterable[Problem | Mapping], completions: Iterable[Mapping | tuple], *,
          workers: int | None = None, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
          grader: str | None = None, run: str | None = None, db: str | None = None,
          store: bool = False) -> Iterator[StoredVerdict]:
    """Grades completions (`{"id", "completion", "sample"?}` or `(id, completion)`) against problems.

    Yields a StoredVerdict per completion as soon as it is graded. With `run`,
    `db` or `store=True` everything is also kept in the run store (and a run of
    that name resumes); otherwise nothing touches the disk.
    """
    problems = [_as_problem(p) for p in problems]
    if run is not None or db is not None or store:
        yield from _grade_stored(problems, completions, workers=workers, timeout=timeout, memory_mb=memory_mb,
                                 grader=grader, run=run or new_run_name("api"), db=db)
        return
    by_id = {p.id: p for p in problems}
    resolver = GraderResolver(grader)
    jobs = []
    for index, item in enumerate(completions, 1):
        pid, sample, text = _as_completion(item)
        if pid not in by_id:
            raise BadInput(f"completion {index}: no problem with id {pid!r}")
        problem = by_id[pid]
        jobs.append(Job((pid, sample), resolver.grader_for(problem.task, "problems", index), problem, text))
    grader_of = {job.key: job.grader for job in jobs}
    with GradingPool(workers=workers, timeout=timeout, memory_mb=memory_mb) as pool:
        for (pid, sample), verdict in pool.grade(jobs):
            yield StoredVerdict(pid, sample, by_id[pid].task, grader_of[(pid, sample)], verdict)


def _grade_stored(problems, completions, *, workers, timeout, memory_mb, grader, run, db):
    with RunStore(db) as store:
        ingest(store, run, enumerate(problems, 1),
               ((i, *_as_completion(c)) for i, c in enumerate(completions, 1)), grader=grader,
               config={"source": "python api"})
        grade_pending(store, run, workers=workers, timeout=timeout, memory_mb=memory_mb)
        yield from store.verdicts(run)
