"""The driver side: grade jobs on a fixed pool of Ray actors, as `GradingPool` does locally.

    with RayExecutor(workers=8, address="10.0.0.5:6379") as pool:
        for key, verdict in pool.grade(jobs): ...

- Work goes out in batches sized from the measured cost per item (bench/scale.py:
  Ray's per-call cost is about a millisecond, so an item of tens of microseconds
  needs hundreds per batch and a code item of tens of milliseconds a few dozen).
- At most IN_FLIGHT_PER_ACTOR batches per actor are out, drained with `ray.wait`:
  the driver holds a bounded number of jobs however long the input.
- Per-item limits are enforced inside each actor by the local pool's hard kill.
  A driver-side watchdog covers the actor itself: a batch past its deadline gets
  `ray.kill` on its actor, a fresh actor replaces it, and the batch's items are
  graded again one by one, so only an item that is itself too slow gets `timeout`.
- An actor lost with its node loses nothing: its batches are sent again elsewhere.
  Verdicts reach the caller once each, when their batch's answer arrives.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Iterator

from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.errors import InfrastructureError
from proctor.graders.problem import Verdict
from proctor.pool import Job, job_fields, take, time_budget
from proctor.ray_executor.spec import GraderSpec, Refusal, grader_spec

log = logging.getLogger("proctor.ray")

# Grading settings read from the environment that change verdicts or isolation:
# the driver's values travel to every actor.
SETTINGS = ("PROCTOR_SANDBOX", "PROCTOR_SANDBOX_WARM", "PROCTOR_DOCKER_IMAGE")

IN_FLIGHT_PER_ACTOR = 2       # one running, one waiting in the actor's queue: no idle round trip
INITIAL_BATCH = 16
MIN_BATCH = 8
MAX_BATCH = 512
TARGET_BATCH_SECONDS = 0.5    # bench/scale.py: overhead under 1% of an item's cost from here on
WATCHDOG_GRACE_SECONDS = 20.0  # beyond the actor's own limits: a busy node, a slow object transfer
KILL_SECONDS = 5.0            # the actor's pool stopping a stuck process and starting a fresh one
MAX_LOSSES = 3                # actors one item may lose before its verdict is `error`
PLACEMENT_SECONDS = 120.0     # no actor running for this long: the cluster cannot host any


@dataclass
class _Batch:
    jobs: list[Job]
    single: bool = False   # an item graded alone after its batch failed
    losses: int = 0        # actors lost while it ran


@dataclass(eq=False)  # slots are told apart by identity
class _Slot:
    """One actor and the batches sent to it, oldest (running) first."""
    actor: Any
    ready: Any                      # the answer to its `open` call, until it comes
    created: float
    queue: deque = field(default_factory=deque)  # (ObjectRef, _Batch)
    started: float = 0.0            # when the batch at the head of the queue began to run
    where: dict = field(default_factory=dict)


class RayExecutor:
    """`GradingPool`'s interface on a Ray cluster. workers: grading actors (default: the cluster's CPUs).

    address: as `ray.init` takes it (None: $RAY_ADDRESS, else a cluster started on
    this machine, else a new local instance). If Ray is already initialized in this
    process (inside a Ray job, e.g. veRL's trainer), that connection is used and kept.
    batch_size: items per batch, fixed (default: sized from the measured cost per item).
    watchdog_grace: seconds a batch may run beyond what its items can legitimately take.
    """

    def __init__(self, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, address: str | None = None,
                 batch_size: int | None = None, watchdog_grace: float = WATCHDOG_GRACE_SECONDS):
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if workers is not None and workers < 1:
            raise ValueError(f"workers (grading actors) must be 1 or more, got {workers}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
        self.workers = workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.address = address
        self.watchdog_grace = watchdog_grace
        self.stats: Counter = Counter()  # batches, actors_started, watchdog_kills, actors_lost
        self._slots: list[_Slot] | None = None
        self._owns_ray = False
        self._specs: dict[str, GraderSpec] = {}
        self._budgets: dict[str, float] = {}
        self._seconds_per_item: float | None = None
        self._fixed_batch = batch_size
        self._batch_size = batch_size or INITIAL_BATCH
        self._failures_in_a_row = 0

    # --- life cycle --------------------------------------------------------------
    def __enter__(self) -> "RayExecutor":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if self._slots is not None:
            return
        import ray

        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no reports to the internet
            _check_reachable(self.address or os.environ.get("RAY_ADDRESS"))
            try:
                ray.init(address=self.address, log_to_driver=False, logging_level=logging.WARNING)
            except Exception as exc:  # connection refused, bad token, no cluster at "auto"
                raise InfrastructureError(f"cannot start or reach Ray at {self.address or 'the default address'}: "
                                          f"{_first_line(exc)}") from None
            self._owns_ray = True
        from proctor.ray_executor.actor import GradingActor

        self._actor_class = ray.remote(num_cpus=1, max_restarts=0)(GradingActor)
        self._settings = {name: os.environ[name] for name in SETTINGS if name in os.environ}
        self._slots = []  # actors start with the first batch, which names the graders they open

    def close(self) -> None:
        if self._slots is None:
            return
        import ray

        for slot in self._slots:
            ray.kill(slot.actor, no_restart=True)
        self._slots = None
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False

    def where(self) -> list[dict]:
        """Each running actor's node and process id (in slot order; {} while one is starting)."""
        return [dict(slot.where) for slot in self._slots or []]

    # --- grading -----------------------------------------------------------------
    def grade(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, Verdict]]:
        """Verdicts in completion order. Memory stays bounded: jobs are pulled lazily."""
        if self._slots is None:
            with self:
                yield from self._grade(iter(jobs))
            return
        yield from self._grade(iter(jobs))

    def _grade(self, jobs: Iterator[Job]) -> Iterator[tuple[Hashable, Verdict]]:
        import ray

        resend: deque[_Batch] = deque()   # batches whose actor was lost before they ran
        singles: deque[_Batch] = deque()  # items of batches past their deadline
        exhausted = False
        for slot in [slot for slot in self._slots if slot.queue]:
            self._replace(slot)  # still busy for a caller that stopped reading: its answers are not ours
        if not self._slots:
            first = take(jobs, self._batch_size)
            if not first:
                return
            resend.append(_Batch(first))
            for name in {job.grader for job in first}:
                self._spec(name)
            count = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            self._slots = [self._new_slot() for _ in range(count)]
        while True:
            for slot in self._slots:
                while slot.ready is None and len(slot.queue) < IN_FLIGHT_PER_ACTOR:
                    batch = resend.popleft() if resend else singles.popleft() if singles else None
                    if batch is None and not exhausted:
                        taken = take(jobs, self._batch_size)
                        exhausted = not taken
                        batch = _Batch(taken) if taken else None
                    if batch is None:
                        break
                    self._send(slot, batch)
            if exhausted and not resend and not singles and not any(slot.queue for slot in self._slots):
                return
            waiting = {ref: slot for slot in self._slots for ref, _ in slot.queue}
            waiting.update({slot.ready: slot for slot in self._slots if slot.ready is not None})
            done, _ = ray.wait(list(waiting), num_returns=1, timeout=self._wait_seconds())
            for ref in done:
                slot = waiting[ref]
                if slot not in self._slots:
                    continue  # replaced while handling an earlier answer
                if ref is slot.ready:
                    self._on_ready(slot)
                else:
                    yield from self._on_answer(slot, ref, resend)
            yield from self._watchdog(resend, singles)
            self._check_placement()

    def _send(self, slot: _Slot, batch: _Batch) -> None:
        specs = tuple(self._spec(name) for name in sorted({job.grader for job in batch.jobs}))
        ref = slot.actor.grade.remote(specs, [job_fields(job) for job in batch.jobs])
        if not slot.queue:
            slot.started = time.monotonic()
        slot.queue.append((ref, batch))
        self.stats["batches"] += 1

    def _on_ready(self, slot: _Slot) -> None:
        import ray

        try:
            answer = ray.get(slot.ready)
        except ray.exceptions.RayError as exc:
            if getattr(exc, "actor_init_failed", False):  # e.g. proctor itself missing on that node
                raise InfrastructureError(f"a grading actor could not start on the Ray cluster: "
                                          f"{_last_line(exc)}") from None
            self.stats["actors_lost"] += 1  # placed on a node that died meanwhile
            self._replace(slot)
            return
        if isinstance(answer, Refusal):
            raise InfrastructureError(answer.message)
        slot.where = answer
        slot.ready = None

    def _on_answer(self, slot: _Slot, ref, resend: deque) -> Iterator[tuple[Hashable, Verdict]]:
        import ray

        index = next(i for i, (r, _) in enumerate(slot.queue) if r is ref)
        _, batch = slot.queue[index]
        del slot.queue[index]
        slot.started = time.monotonic()  # the next batch in its queue starts now
        try:
            answer = ray.get(ref)
        except ray.exceptions.RayError as exc:
            # The actor is gone (its node died, the OOM killer), or its grading machinery
            # failed (RayTaskError: say, its forkserver was killed). Either way a fresh
            # actor takes the batch; only failures without end stop the run.
            self.stats["actors_lost"] += 1
            self._failures_in_a_row += 1
            node = slot.where.get("node", "a Ray node")
            if self._failures_in_a_row > 2 * len(self._slots) + 2:
                raise InfrastructureError(f"grading actors keep failing (last on {node}): {_last_line(exc)}") from None
            log.warning("lost the grading actor on %s (%s); its %d unanswered batches go to other actors",
                        node, _last_line(exc)[:200], 1 + len(slot.queue))
            yield from self._lose(slot, batch, resend)
            return
        if isinstance(answer, Refusal):
            raise InfrastructureError(answer.message)
        self._failures_in_a_row = 0
        verdicts, seconds = answer
        for job, fields in zip(batch.jobs, verdicts):
            yield job.key, Verdict(*fields)
        if not batch.single:
            self._learn(seconds / len(batch.jobs))

    def _lose(self, slot: _Slot, running: _Batch, resend: deque) -> Iterator[tuple[Hashable, Verdict]]:
        """The actor died under `running`: it goes out again (alone, item by item, after repeated
        losses), and so do the batches queued behind it, which never started."""
        queued = [batch for _, batch in slot.queue]
        slot.queue.clear()
        self._replace(slot)
        running.losses += 1
        if running.losses < MAX_LOSSES - 1 or (running.single and running.losses < MAX_LOSSES):
            resend.append(running)
        elif not running.single:
            resend.extend(_Batch([job], single=True, losses=running.losses) for job in running.jobs)
        else:
            job = running.jobs[0]
            yield job.key, Verdict.error(reason=f"grading lost its Ray actor {running.losses} times "
                                                f"(node failures, or the item kills its grading process)")
        resend.extend(queued)

    def _watchdog(self, resend: deque, singles: deque) -> Iterator[tuple[Hashable, Verdict]]:
        now = time.monotonic()
        for slot in list(self._slots):
            if not slot.queue:
                continue
            _, batch = slot.queue[0]
            allowed = self._allowance(batch)
            if now - slot.started <= allowed:
                continue
            self.stats["watchdog_kills"] += 1
            log.warning("a batch of %d items ran %.0f s on %s, past its %.0f s deadline: actor killed and replaced",
                        len(batch.jobs), now - slot.started, slot.where.get("node", "a Ray node"), allowed)
            queued = [b for _, b in list(slot.queue)[1:]]
            slot.queue.clear()
            self._replace(slot)  # ray.kill: a running actor method cannot be cancelled
            if batch.single:
                job = batch.jobs[0]
                verdict = Verdict.timeout(reason=f"grading took longer than {allowed:g} s; its Ray actor was killed")
                yield job.key, verdict.with_elapsed(allowed * 1000)
            else:
                singles.extend(_Batch([job], single=True) for job in batch.jobs)
            resend.extend(queued)

    def _allowance(self, batch: _Batch) -> float:
        """How long a batch may run before its actor counts as stuck.

        The actor's own pool bounds one item by its budget (then kills and moves
        on); beyond that, a batch gets a margin for its measured cost."""
        limit = max(self._budget(job.grader) for job in batch.jobs) + KILL_SECONDS
        if batch.single:
            return self.watchdog_grace + limit
        if self._seconds_per_item is None:  # nothing measured yet: the worst the actor's pool allows
            return self.watchdog_grace + limit * (len(batch.jobs) + 1)
        # One stuck item costs its batch two limits (with its chunk, then alone).
        return self.watchdog_grace + 2 * limit + 4 * len(batch.jobs) * self._seconds_per_item

    def _wait_seconds(self) -> float:
        now = time.monotonic()
        deadlines = [slot.started + self._allowance(slot.queue[0][1]) - now for slot in self._slots if slot.queue]
        return max(0.0, min([1.0, *deadlines]))

    def _learn(self, seconds_per_item: float) -> None:
        previous = self._seconds_per_item
        self._seconds_per_item = seconds_per_item if previous is None else 0.8 * previous + 0.2 * seconds_per_item
        if self._fixed_batch is None:
            wanted = TARGET_BATCH_SECONDS / max(self._seconds_per_item, 1e-6)
            self._batch_size = int(max(MIN_BATCH, min(MAX_BATCH, wanted)))

    # --- actors ------------------------------------------------------------------
    def _new_slot(self) -> _Slot:
        actor = self._actor_class.options(scheduling_strategy="SPREAD").remote(
            self.timeout, self.memory_mb, self._settings)
        self.stats["actors_started"] += 1
        return _Slot(actor, actor.open.remote(tuple(self._specs.values())), time.monotonic())

    def _replace(self, slot: _Slot) -> None:
        import ray

        ray.kill(slot.actor, no_restart=True)
        self._slots[self._slots.index(slot)] = self._new_slot()

    def _check_placement(self) -> None:
        """Every actor waiting for a place for too long: the cluster cannot host one."""
        now = time.monotonic()
        if all(slot.ready is not None and now - slot.created > PLACEMENT_SECONDS for slot in self._slots):
            import ray

            raise InfrastructureError(
                f"no grading actor could start on the Ray cluster in {PLACEMENT_SECONDS:g} s; each needs 1 CPU, "
                f"and the cluster has {ray.available_resources().get('CPU', 0):g} free of "
                f"{ray.cluster_resources().get('CPU', 0):g}")

    # --- graders -----------------------------------------------------------------
    def _spec(self, name: str) -> GraderSpec:
        if name not in self._specs:
            self._specs[name] = grader_spec(name)
        return self._specs[name]

    def _budget(self, name: str) -> float:
        if name not in self._budgets:
            self._budgets[name] = time_budget(name, self.timeout)
        return self._budgets[name]


def _check_reachable(address: str | None) -> None:
    """A HOST:PORT nobody answers on fails now: `ray.init` would retry it for minutes."""
    host, _, port = (address or "").rpartition(":")
    if not host or not port.isdigit() or "://" in address:
        return  # "auto", "ray://...", or Ray's own lookup
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        raise InfrastructureError(f"cannot reach Ray at {address}: {exc.strerror or exc}; is the cluster's head "
                                  f"running (`ray start --head`), and is this its GCS port?") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _last_line(exc: BaseException) -> str:
    """A remote traceback's last line: the exception that ended it."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
