"""The bounded queue between HTTP requests and the executor.

Admission is all or nothing per request: a request whose items do not fit in
what is left of `max_queue` is refused whole (429 with Retry-After), so no item
is ever half-admitted or dropped, and memory stays bounded by the queue.

Lanes (threads) take what is waiting, up to `max_batch` items from however many
requests, and hand it to the executor as one batch: many small requests cost
what one large one does. Several lanes run at once, so a batch that waits on an
item being killed at the hard limit never holds up the items behind it.

A request may carry a deadline. The executor pulls a batch's jobs lazily; an
item whose deadline has passed when its turn comes is answered `timeout`
(unscored), never graded late and never scored as wrong.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable

from proctor.graders.problem import Verdict
from proctor.pool import Job
from proctor.serve.executor import Executor
from proctor.serve.metrics import Metrics

SANDBOX_ERROR_MARKERS = ("sandbox", "could not start the driver")


class QueueFull(Exception):
    def __init__(self, retry_after: int, waiting: int, limit: int):
        super().__init__(f"the queue holds {waiting:,} items waiting of at most {limit:,}; retry in {retry_after} s")
        self.retry_after = retry_after


class Draining(Exception):
    """The server is shutting down and takes no new items."""


class Ticket:
    """One request's items on their way through the queue; `on_done` runs once, when the last is answered."""

    def __init__(self, count: int, deadline: float | None, on_done: Callable[[], None]):
        self.verdicts: list[Verdict | None] = [None] * count
        self.deadline = deadline  # time.monotonic() after which an item must not start
        self._remaining = count
        self._on_done = on_done
        self._lock = threading.Lock()
        if count == 0:
            on_done()

    def resolve(self, index: int, verdict: Verdict) -> None:
        with self._lock:
            if self.verdicts[index] is not None:
                return
            self.verdicts[index] = verdict
            self._remaining -= 1
            done = self._remaining == 0
        if done:
            self._on_done()

    @property
    def remaining(self) -> int:
        return self._remaining


class Work:
    """One item in the queue: its job (keyed by this object), its ticket and its place there."""
    __slots__ = ("ticket", "index", "job", "admitted")

    def __init__(self, ticket: Ticket, index: int, grader: str, problem, completion: str):
        self.ticket, self.index, self.admitted = ticket, index, time.monotonic()
        self.job = Job(self, grader, problem, completion)


class Dispatcher:
    def __init__(self, executor: Executor, *, max_queue: int, max_batch: int, metrics: Metrics,
                 lanes: int | None = None, sandboxed: Callable[[str], bool] = lambda grader: False):
        self.executor = executor
        self.max_queue = max_queue
        self.max_batch = max_batch
        self.metrics = metrics
        self._sandboxed = sandboxed
        self._queue: deque[Work] = deque()
        self._cond = threading.Condition()
        self._waiting = 0     # admitted, not yet started (in the queue or in a lane's batch)
        self._reserved = 0    # admitted by reserve(), not yet submitted
        self._draining = False
        self._closed = False
        self._rate = RateMeter()
        # One more lane than workers: a lane stuck behind an item on its way to the
        # hard kill holds one worker, and the others keep the rest busy.
        count = lanes or max(2, getattr(executor, "workers", 1) + 1)
        self._lanes = [threading.Thread(target=self._lane, name=f"proctor-lane-{i}", daemon=True)
                       for i in range(count)]
        for lane in self._lanes:
            lane.start()

    # --- admission ------------------------------------------------------------------
    def reserve(self, count: int) -> int:
        """Room for `count` items, or QueueFull / Draining. Pass the count to submit() or release()."""
        with self._cond:
            if self._draining:
                self.metrics.rejected_items.labels(reason="draining").inc(count)
                raise Draining("the server is shutting down")
            if self._waiting + self._reserved + count > self.max_queue:
                self.metrics.rejected_items.labels(reason="queue_full").inc(count)
                raise QueueFull(self.retry_after(), self._waiting + self._reserved, self.max_queue)
            self._reserved += count
            return count

    def release(self, reserved: int) -> None:
        with self._cond:
            self._reserved -= reserved

    def submit(self, reserved: int, works: list[Work]) -> None:
        with self._cond:
            self._reserved -= reserved
            self._waiting += len(works)
            self._queue.extend(works)
            self.metrics.queue_depth.set(self._waiting)
            self._cond.notify(len(self._lanes))

    def retry_after(self) -> int:
        """Seconds until the queue has room, from the recent grading rate; 1 to 60."""
        rate = self._rate.rate()
        backlog = self._waiting + self._reserved
        return max(1, min(60, math.ceil(backlog / rate) if rate > 0 else 5))

    @property
    def waiting(self) -> int:
        return self._waiting

    # --- lanes ----------------------------------------------------------------------------
    def _lane(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
            self._run(batch)

    def _started(self, count: int = 1) -> None:
        with self._cond:
            self._waiting -= count
            self.metrics.queue_depth.set(self._waiting)

    def _run(self, batch: list[Work]) -> None:
        self.metrics.batch_size.observe(len(batch))
        pulled = 0

        def jobs():  # pulled lazily by the executor: an item "starts" when it is pulled
            nonlocal pulled
            for work in batch:
                pulled += 1
                self._started()
                if work.ticket.deadline is not None and time.monotonic() > work.ticket.deadline:
                    self.metrics.deadline_expired.inc()
                    self._answer(work, Verdict.timeout(reason="not started before the request's deadline_seconds; "
                                                       "not graded"))
                    continue
                self.metrics.in_flight.inc()
                yield work.job

        try:
            for work, verdict in self.executor.grade(jobs()):
                self.metrics.in_flight.dec()
                self._answer(work, verdict)
        except Exception as exc:  # the executor itself failed: the batch's unanswered items are unscored
            verdict = Verdict.error(reason=f"the grading executor failed: {type(exc).__name__}: {exc}"[:500])
            if pulled < len(batch):
                self._started(len(batch) - pulled)
            for position, work in enumerate(batch):
                if work.ticket.verdicts[work.index] is None:
                    if position < pulled:
                        self.metrics.in_flight.dec()
                    self._answer(work, verdict)

    def _answer(self, work: Work, verdict: Verdict) -> None:
        metrics = self.metrics
        metrics.items.labels(status=verdict.status).inc()
        metrics.item_latency.observe(time.monotonic() - work.admitted)
        metrics.grade_time.labels(grader=work.job.grader).observe(verdict.elapsed_ms / 1000)
        if verdict.status == "error" and self._sandboxed(work.job.grader) \
                and any(marker in verdict.reason for marker in SANDBOX_ERROR_MARKERS):
            metrics.sandbox_failures.labels(kind="verdict").inc()
        self._rate.add(1)
        work.ticket.resolve(work.index, verdict)

    # --- shutdown ------------------------------------------------------------------------
    def begin_drain(self) -> None:
        """No new items from now on; what is admitted is still graded."""
        with self._cond:
            self._draining = True

    @property
    def draining(self) -> bool:
        return self._draining

    def close(self, timeout: float) -> bool:
        """Lets the lanes finish what is queued, for at most `timeout` s; True when all finished."""
        self.begin_drain()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        end = time.monotonic() + timeout
        for lane in self._lanes:
            lane.join(max(0.0, end - time.monotonic()))
        return not any(lane.is_alive() for lane in self._lanes)

    def abandon(self, reason: str) -> None:
        """Answers every item still queued as unscored (after close() ran out of time)."""
        with self._cond:
            left, self._queue = list(self._queue), deque()
        for work in left:
            work.ticket.resolve(work.index, Verdict.error(reason=reason))


class RateMeter:
    """Items per second over the last few seconds (for Retry-After)."""

    def __init__(self, window: float = 5.0):
        self.window = window
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        now = time.monotonic()
        with self._lock:
            if self._events and now - self._events[-1][0] < 0.1:
                t, c = self._events[-1]
                self._events[-1] = (t, c + count)
            else:
                self._events.append((now, count))
            while self._events and now - self._events[0][0] > self.window:
                self._events.popleft()

    def rate(self) -> float:
        now = time.monotonic()
        with self._lock:
            while self._events and now - self._events[0][0] > self.window:
                self._events.popleft()
            if not self._events:
                return 0.0
            total = sum(c for _, c in self._events)
            span = max(now - self._events[0][0], 0.5)
            return total / span
