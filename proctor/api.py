"""The Python API the CLI is a thin layer over.

    import proctor
    problems = proctor.generate("arith.integer", n=100, seed=0, difficulty=3)
    for v in proctor.grade(problems, [{"id": p.id, "completion": "\\\\boxed{7}"} for p in problems]):
        print(v.id, v.verdict.status)
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from proctor import tasks
from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.errors import BadInput
from proctor.graders.problem import Problem
from proctor.jsonl import finish_reason_field
from proctor.options import SQLITE_MAX, int_problem
from proctor.grading import GraderResolver, check_grading_options, grade_pending, ingest, new_run_name
from proctor.executors import open_executor
from proctor.pool import Job
from proctor.store import CompletionUsage, RunStore, StoredVerdict


def generate(task: str, n: int, seed: int, **params) -> list[Problem]:
    """`n` distinct problems of `task`; the same arguments give the same problems everywhere."""
    return tasks.get(task).generate(n, seed, **params)


def _as_problem(item: Problem | Mapping) -> Problem:
    return item if isinstance(item, Problem) else Problem.from_dict(dict(item))


def _as_completion(index: int, item: Mapping | tuple) -> tuple[str, int, str, CompletionUsage | None]:
    where = f"completion {index}"
    finish_reason = None
    try:
        if isinstance(item, Mapping):
            pid, sample, text = item["id"], item.get("sample", 0), item["completion"]
            finish_reason = finish_reason_field(dict(item), where, None)
        elif len(item) == 2:
            (pid, text), sample = item, 0
        else:
            pid, sample, text = item
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"{where}: give a mapping with 'id', 'completion' and optional 'sample', or a tuple "
                       f"(id, completion) or (id, sample, completion); got {type(item).__name__} ({exc})") from None
    problem = int_problem(sample, 0, SQLITE_MAX, "a non-negative integer")  # the same check as a JSONL line's
    if problem:
        raise BadInput(f"{where}: field 'sample' {problem}")
    if not isinstance(text, str):
        raise BadInput(f"{where}: field 'completion' must be text, got {type(text).__name__}")
    return str(pid), sample, text, CompletionUsage(finish_reason=finish_reason) if finish_reason else None


def grade(problems: Iterable[Problem | Mapping], completions: Iterable[Mapping | tuple], *,
          workers: int | None = None, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
          grader: str | None = None, run: str | None = None, db: str | None = None,
          store: bool = False, executor: str = "local", ray_address: str | None = None) -> Iterator[StoredVerdict]:
    """Grades completions (`{"id", "completion", "sample"?}` or `(id, completion)`) against problems.

    Everything is checked, and with a store ingested, before this returns: bad
    input raises BadInput here, at the call. The verdicts then stream from the
    returned iterator, each as soon as it is graded. With `run`, `db` or
    `store=True` everything is also kept in the run store (and a run of that
    name resumes); otherwise nothing touches the disk. `executor="ray"` grades
    on a Ray cluster (`ray_address`, see proctor.executors), with the same verdicts.
    """
    check_grading_options(timeout, workers, executor, ray_address)
    options = dict(workers=workers, timeout=timeout, memory_mb=memory_mb, executor=executor, ray_address=ray_address)
    problems = [_as_problem(p) for p in problems]
    if run is not None or db is not None or store:
        run = run or new_run_name("api")
        with RunStore(db) as run_store:
            ingest(run_store, run, enumerate(problems, 1),
                   ((i, *_as_completion(i, c)) for i, c in enumerate(completions, 1)), grader=grader,
                   config={"source": "python api"})
            path = run_store.path
        return _stream_stored(path, run, **options)
    by_id = {p.id: p for p in problems}
    resolver = GraderResolver(grader)
    jobs = []
    for index, item in enumerate(completions, 1):
        pid, sample, text, usage = _as_completion(index, item)
        if pid not in by_id:
            raise BadInput(f"completion {index}: field 'id': no problem with id {pid!r}")
        problem = by_id[pid]
        jobs.append(Job((pid, sample), resolver.grader_for(problem.task, f"completion {index}", None), problem,
                        text, usage.finish_reason if usage else None))
    return _stream(jobs, by_id, **options)


def _stream(jobs: list[Job], by_id: dict[str, Problem], *, executor: str, ray_address: str | None,
            **pool_options) -> Iterator[StoredVerdict]:
    grader_of = {job.key: job.grader for job in jobs}
    with open_executor(executor, ray_address=ray_address, **pool_options) as pool:
        for (pid, sample), verdict in pool.grade(jobs):
            yield StoredVerdict(pid, sample, by_id[pid].task, grader_of[(pid, sample)], verdict)


def _stream_stored(path: str, run: str, **pool_options) -> Iterator[StoredVerdict]:
    with RunStore(path) as store:
        grade_pending(store, run, **pool_options)
        yield from store.verdicts(run)
