"""The node side: a grading actor, one per CPU the executor asks for.

Each actor owns a one-worker `GradingPool`: per-item limits are the local pool's
hard kill (pebble stops the worker, the chunk is re-graded one item at a time),
because `ray.cancel` cannot interrupt a running actor method. The worker starts
from a forkserver, not by forking the actor: a Ray worker process carries
threads and gigabytes of mapped address space (the object store), and the
worker's memory cap (RLIMIT_AS) counts every mapping it inherits.
"""
from __future__ import annotations

import multiprocessing
import os
import socket
import time
from functools import partial

from proctor.graders.problem import Problem
from proctor.pool import GradingPool, Job, VerdictFields, job_from_fields
from proctor.ray_executor.spec import GraderSpec, GraderUnavailable, Refusal, open_grader, worker_setup


WARM_UP = Problem("warm-up", "arith.integer", "", 0, {})


def describe_node() -> str:
    import ray

    node_id = ray.get_runtime_context().get_node_id() or "?"
    return f"Ray node {ray.util.get_node_ip_address()} (id {node_id[:8]}, host {socket.gethostname()})"


class GradingActor:
    """Built from settings and grader specs, never from pickled graders; opens each grader once."""

    def __init__(self, timeout: float, memory_mb: int, settings: dict[str, str]):
        # The driver's grading settings (the sandbox backend): verdicts must not
        # depend on which node graded them.
        os.environ.update(settings)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.node = describe_node()
        self.opened: dict[str, GraderSpec] = {}
        self.modules: tuple[str, ...] = ()
        self.pool: GradingPool | None = None

    def open(self, specs: tuple[GraderSpec, ...]) -> dict | Refusal:
        """Opens the graders not opened yet and starts the grading process, so the first batch
        finds them warm. Returns where this actor runs, or a Refusal naming this node."""
        new = [spec for spec in specs if spec.name not in self.opened]
        try:
            for spec in new:
                open_grader(spec, self.node)
        except GraderUnavailable as exc:
            return Refusal(str(exc))
        self.opened.update((spec.name, spec) for spec in new)
        modules = tuple(sorted({s.module for s in self.opened.values() if s.module}))
        if self.pool is None or modules != self.modules:
            self._start_pool(modules)
        return {"node": self.node, "pid": os.getpid()}

    def grade(self, specs: tuple[GraderSpec, ...], items: list[tuple]) -> tuple[list[VerdictFields], float] | Refusal:
        """Verdict fields for `items` (jobs as `proctor.pool.job_fields`) in their order, and the seconds
        they took here."""
        started = time.perf_counter()
        opened = self.open(specs)
        if isinstance(opened, Refusal):
            return opened
        jobs = [job_from_fields(index, fields) for index, fields in enumerate(items)]
        out: list = [None] * len(jobs)
        for index, verdict in self.pool.grade(jobs):
            out[index] = VerdictFields.of(verdict)
        return out, time.perf_counter() - started

    def _start_pool(self, modules: tuple[str, ...]) -> None:
        if self.pool is not None:
            self.pool.close()
        context = multiprocessing.get_context("forkserver")
        # Imported once in the forkserver, so a worker that replaces a killed one starts
        # warm. "__main__" (Ray's worker script) too: a child whose main module is already
        # loaded does not run it again, and each would otherwise import Ray anew.
        context.set_forkserver_preload(["__main__", "proctor.pool", *modules])
        self.pool = GradingPool(workers=1, timeout=self.timeout, memory_mb=self.memory_mb, context=context,
                                setup=partial(worker_setup, modules))
        self.pool.__enter__()
        self.modules = modules
        list(self.pool.grade([Job(None, "numeric", WARM_UP, "0")]))  # starts the worker before any batch
