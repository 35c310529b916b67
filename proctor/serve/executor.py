"""Where the server's items are graded: proctor.executors' local pool or Ray cluster.

An executor has the interface of GradingPool once started: `grade(jobs)` yields
(key, Verdict) in completion order, pulling jobs lazily, and `close()`. The
dispatcher calls `grade` from several threads at once (one per lane). pebble's
pool allows that (its `schedule` is thread-safe and each call waits only on its
own futures). The Ray executor is driven by one thread at a time, so the server
grades one batch at a time on the cluster: the lanes take turns, and the
cluster's actors share each batch (raise --max-batch to keep a large cluster busy).
"""
from __future__ import annotations

import threading
from typing import Hashable, Iterable, Iterator, Protocol

from proctor.executors import open_executor as open_grading_executor
from proctor.graders.problem import Verdict
from proctor.pool import Job


class Executor(Protocol):
    workers: int

    def grade(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, Verdict]]: ...

    def close(self) -> None: ...


class OneCallerAtATime:
    """An executor whose `grade` one thread drives at a time, shared by the lanes."""

    workers = 1  # the dispatcher's lane count: two lanes, one grading and one collecting its next batch

    def __init__(self, executor):
        self._executor = executor
        self._lock = threading.Lock()

    def grade(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, Verdict]]:
        with self._lock:
            yield from self._executor.grade(jobs)

    def close(self) -> None:
        with self._lock:
            self._executor.close()


def open_executor(name: str, *, workers: int | None, timeout: float, memory_mb: int,
                  ray_address: str | None = None) -> Executor:
    """A started executor. Local worker processes are forked here, before the server starts its threads."""
    executor = open_grading_executor(name, workers=workers, timeout=timeout, memory_mb=memory_mb,
                                     ray_address=ray_address)
    executor.__enter__()
    return OneCallerAtATime(executor) if name == "ray" else executor
