"""Where the server's items are graded.

An executor has the interface of GradingPool once started: `grade(jobs)` yields
(key, Verdict) in completion order, pulling jobs lazily, and `close()`. The
dispatcher calls `grade` from several threads at once (one per lane), so an
executor must allow concurrent calls; pebble's pool does (its `schedule` is
thread-safe and each call waits only on its own futures).

Today the only executor is the local pool. A Ray executor (issue 15) plugs in
by adding a branch to `open_executor`.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator, Protocol

from proctor.graders.problem import Verdict
from proctor.pool import GradingPool, Job


class Executor(Protocol):
    workers: int

    def grade(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, Verdict]]: ...

    def close(self) -> None: ...


def open_executor(name: str, *, workers: int | None, timeout: float, memory_mb: int) -> Executor:
    """A started executor. Worker processes are forked here, before the server starts its threads."""
    if name != "local":  # config.opening_problems refuses the rest with the reason
        raise ValueError(f"no executor named {name!r}")
    pool = GradingPool(workers=workers, timeout=timeout, memory_mb=memory_mb)
    pool.__enter__()
    return pool
