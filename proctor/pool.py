"""Grades (problem, completion) pairs in worker processes with a hard per-item kill.

pebble's ProcessPool is the pool: unlike concurrent.futures it kills a worker
whose task passes its timeout (SIGTERM, then SIGKILL) and starts a fresh one,
which is the only thing that stops a grader stuck in C code (a huge integer
power ignores signals and SIGALRM-based timeouts).

Items travel in chunks so the per-item cost of the pool stays tiny. A chunk that
times out or loses its worker is re-graded one item at a time, so the item that
hung gets its own `timeout` verdict and its neighbours get real ones.
"""
from __future__ import annotations

import os
import resource
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Iterator, NamedTuple

from proctor import graders
from proctor.graders.problem import Problem, Verdict
from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

# Chunks are sized so one takes about this long; small enough that a re-grade
# after a timeout costs little, large enough to amortise the pool's overhead.
TARGET_CHUNK_SECONDS = 0.05
MAX_CHUNK = 512


@dataclass(frozen=True)
class Job:
    key: Hashable  # whatever the caller uses to match the verdict back, e.g. (id, sample)
    grader: str
    problem: Problem
    completion: str
    finish_reason: str | None = None  # as the backend said ("length": cut by the token limit); None unknown


def grade_one(grader_name: str, problem: Problem, completion: str, finish_reason: str | None = None) -> Verdict:
    """Grades in the current process; a grader exception becomes an `error` verdict. (Grader.grade
    hands the finish reason on to graders that declare `uses_finish_reason`.)"""
    started = time.perf_counter()
    try:
        verdict = graders.get(grader_name).grade(problem, completion, finish_reason=finish_reason)
        if not isinstance(verdict, Verdict):
            verdict = Verdict.error(reason=f"grader {grader_name} returned {type(verdict).__name__}, not a Verdict")
    except MemoryError:
        verdict = Verdict.error(reason="grader ran out of memory")
    except RecursionError:
        verdict = Verdict.error(reason="grader hit the recursion limit")
    except Exception as exc:  # the grader's fault, never the model's: counted as unscored
        verdict = Verdict.error(reason=f"grader {grader_name} raised {type(exc).__name__}: {exc}"[:500])
    return verdict.with_elapsed((time.perf_counter() - started) * 1000)


class VerdictFields(NamedTuple):
    """A Verdict's fields as they come back from a worker.

    Problems and verdicts cross the process boundary as tuples: pickling frozen
    dataclasses cost about 20 us per item in the parent, the pool's bottleneck."""
    status: str
    score: float
    extracted: object
    reason: str
    details: dict
    elapsed_ms: float

    @classmethod
    def of(cls, v: Verdict) -> "VerdictFields":
        return cls(v.status, v.score, v.extracted, v.reason, v.details, v.elapsed_ms)


def job_fields(job: Job) -> tuple:
    """A job as plain tuples, the form it crosses a process boundary in (its key stays behind)."""
    p = job.problem
    return job.grader, (p.id, p.task, p.prompt, p.reference, p.metadata), job.completion, job.finish_reason


def job_from_fields(key: Hashable, fields: tuple) -> Job:
    grader, problem_fields, completion, finish_reason = fields
    return Job(key, grader, Problem(*problem_fields), completion, finish_reason)


def _grade_chunk(items: list[tuple]) -> list[VerdictFields]:
    out = []
    for fields in items:
        job = job_from_fields(None, fields)
        out.append(VerdictFields.of(grade_one(job.grader, job.problem, job.completion, job.finish_reason)))
    return out


def _start_worker(memory_mb: int, setup: Callable[[], None] | None = None) -> None:
    if setup is not None:
        setup()
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def time_budget(grader_name: str, timeout: float) -> float:
    """How long one item of this grader may take before the hard kill.

    A grader may declare that one item legitimately needs longer (the code
    grader runs the reference once, then the candidate's tests under their own
    limits); its items then get that long."""
    try:
        declared = float(getattr(graders.get(grader_name), "time_budget_seconds", 0) or 0)
    except Exception:  # an unloadable grader fails in the worker, with its own verdict
        declared = 0.0
    return max(timeout, declared)


class GradingPool:
    """`with GradingPool(workers=2, timeout=10) as pool: for key, verdict in pool.grade(jobs): ...`

    workers=0 grades in the calling process: no kill, no memory cap; for
    debugging and for measuring the pool's own overhead. `context` is the
    multiprocessing context workers start from (default: fork, so they see the
    graders this process registered); `setup`, a picklable callable each worker
    runs first (a Ray actor's workers import the grader modules there).
    """

    def __init__(self, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, *, context=None, setup: Callable[[], None] | None = None):
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if workers is not None and workers < 0:
            raise ValueError(f"workers must be 0 (grade in-process) or more, got {workers}")
        self.workers = default_workers() if workers is None else workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.context = context
        self.setup = setup
        self._pool = None
        self._budgets: dict[str, float] = {}

    def __enter__(self) -> "GradingPool":
        if self.workers > 0:
            import pebble

            options = {"context": self.context} if self.context is not None else {}
            self._pool = pebble.ProcessPool(max_workers=self.workers, initializer=_start_worker,
                                            initargs=(self.memory_mb, self.setup), **options)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join()
            self._pool = None
            # Stopped workers never ran their own clean-up: their sandboxes died
            # with them, the cgroup directories of those sandboxes are left.
            from proctor.sandbox.cgroups import sweep_orphans
            sweep_orphans()

    def grade(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, Verdict]]:
        """Verdicts in completion order. Memory stays bounded: jobs are pulled lazily."""
        if self.workers == 0:
            for job in jobs:
                yield job.key, grade_one(job.grader, job.problem, job.completion, job.finish_reason)
            return
        if self._pool is None:
            with self:
                yield from self.grade(jobs)
            return
        yield from self._grade_pooled(iter(jobs))

    def _budget(self, grader_name: str) -> float:
        if grader_name not in self._budgets:
            self._budgets[grader_name] = time_budget(grader_name, self.timeout)
        return self._budgets[grader_name]

    def _grade_pooled(self, jobs: Iterator[Job]) -> Iterator[tuple[Hashable, Verdict]]:
        chunk_size = 4
        in_flight: dict = {}  # future -> (chunk, single)
        retry: deque[Job] = deque()  # items of failed chunks, graded one at a time
        max_in_flight = self.workers * 4
        exhausted = False
        seconds_per_item = None
        while True:
            while len(in_flight) < max_in_flight and (retry or not exhausted):
                if retry:
                    chunk, single = [retry.popleft()], True
                else:
                    chunk, single = take(jobs, chunk_size), False
                    if not chunk:
                        exhausted = True
                        break
                budget = max(self._budget(j.grader) for j in chunk)
                future = self._pool.schedule(_grade_chunk, args=([job_fields(j) for j in chunk],), timeout=budget)
                in_flight[future] = (chunk, single, budget)
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                chunk, single, budget = in_flight.pop(future)
                try:
                    verdicts = future.result()
                except FutureTimeout:
                    if single:
                        yield chunk[0].key, Verdict.timeout(
                            reason=f"grading took longer than {budget:g} s; the worker was killed"
                        ).with_elapsed(budget * 1000)
                    else:
                        retry.extend(chunk)
                        chunk_size = 1
                    continue
                except Exception as exc:  # the worker died (signal, memory cap) or a pickling failure
                    if single:
                        yield chunk[0].key, Verdict.error(
                            reason=f"grading process failed: {type(exc).__name__}: {exc}"[:500])
                    else:
                        retry.extend(chunk)
                    continue
                for job, fields in zip(chunk, verdicts):
                    yield job.key, Verdict(*fields)
                if not single:
                    spent = sum(v.elapsed_ms for v in verdicts) / 1000 / max(1, len(verdicts))
                    seconds_per_item = spent if seconds_per_item is None else 0.8 * seconds_per_item + 0.2 * spent
                    chunk_size = max(1, min(MAX_CHUNK, int(TARGET_CHUNK_SECONDS / max(seconds_per_item, 1e-6))))


def take(iterator: Iterator[Job], count: int) -> list[Job]:
    chunk = []
    for job in iterator:
        chunk.append(job)
        if len(chunk) >= count:
            break
    return chunk
