"""Where grading runs: the local pool, or a Ray cluster. One interface for both.

An executor is what `GradingPool` is: a context manager with
`grade(jobs) -> Iterator[(key, Verdict)]` (verdicts in completion order, jobs
pulled lazily) and `close()`. Everything that grades (`grade_pending`,
`proctor.grade`, the RL rewards, `proctor run`) opens one here, so choosing
Ray changes nothing else:

    with open_executor("ray", ray_address="10.0.0.5:6379", timeout=10) as pool:
        for key, verdict in pool.grade(jobs): ...

Standard library only at import: Ray loads when a Ray executor is opened.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator, Protocol

from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.errors import BadInput
from proctor.extras import require

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc) -> None: ...

    def close(self) -> None: ...

    def grade(self, jobs: Iterable) -> Iterator[tuple[Hashable, object]]: ...


def check_executor_options(executor: str, workers: int | None = None, ray_address: str | None = None) -> None:
    """The executor options a user gave (--executor, --workers, --ray-address), as one-line bad input."""
    if executor not in EXECUTORS:
        raise BadInput(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if ray_address is not None and executor != "ray":
        raise BadInput("--ray-address needs --executor ray")
    if executor == "ray":
        if workers is not None and workers < 1:
            raise BadInput(f"--workers with --executor ray is the number of grading actors: 1 or more, got {workers}")
        require("ray", "--executor ray")


def open_executor(kind: str = "local", *, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                  memory_mb: int = DEFAULT_MEMORY_MB, ray_address: str | None = None) -> Executor:
    """An executor, not yet started: `with` starts it (or the first `grade` does).

    local: `GradingPool` (workers = processes, default the CPU count).
    ray: `RayExecutor` (workers = grading actors, default the cluster's CPUs;
    ray_address as `ray.init` takes it, default $RAY_ADDRESS, else a cluster
    started on this machine, else a new local instance).
    """
    check_executor_options(kind, workers, ray_address)
    if kind == "ray":
        from proctor.ray_executor.executor import RayExecutor

        return RayExecutor(workers=workers, timeout=timeout, memory_mb=memory_mb, address=ray_address)
    from proctor.pool import GradingPool

    return GradingPool(workers=workers, timeout=timeout, memory_mb=memory_mb)
