"""Assert-style tests (HumanEval's `check(candidate)`) without running them next
to the candidate.

1. record: outside the sandbox, run the official `check` on the reference
   solution through a recorder that notes every call's arguments (as tagged
   values, before the call can mutate them) and times it.
2. the sandbox runs the candidate on exactly those arguments and sends back
   exact-typed plain values (graders.code.driver).
3. replay: outside again, run the same `check` with a stand-in candidate that
   answers the i-th call with the candidate's i-th result. The asserts then
   compare plain built-in values, so no `__eq__` trick, int subclass, early
   exit, frame walk or patched builtin of the candidate is present to act.

Only trusted text runs here: the dataset's prompt, reference solution and test
code; never model text. `random` is seeded identically for record and replay
(and the caller's state restored) because some checks draw their inputs
from it (HumanEval/38, /50). The check must ask for the same inputs in both
runs; if a check chose inputs from the candidate's earlier answers, replay
reports the divergence as a failed test.
"""
from __future__ import annotations

import copy
import random
import threading
import time
from dataclasses import dataclass

from proctor.graders.code.protocol import Unencodable, canonical, encode

REPLAY_SEED = 1234


class ReferenceFailed(Exception):
    """The reference solution fails its own check (or cannot be recorded)."""


class CandidateFailed(Exception):
    """Raised into the check at the call where the candidate has no good answer."""

    def __init__(self, index: int, reason: str, status: str = "wrong answer"):
        super().__init__(reason)
        self.index = index
        self.reason = reason
        self.status = status  # "wrong answer", "time limit", "error", "crashed", ...


@dataclass(frozen=True)
class Recording:
    calls: tuple  # tagged ["tuple", [...]] argument lists, in call order
    outputs: tuple  # the reference's tagged results
    seconds: tuple  # the reference's time per call


def _namespace(program: str, test: str) -> dict:
    namespace: dict = {"__name__": "__proctor_check__"}
    exec(compile(program, "<reference>", "exec"), namespace)  # trusted dataset text, not model output
    exec(compile(test, "<test>", "exec"), namespace)
    if not callable(namespace.get("check")):
        raise ReferenceFailed("the test code defines no check(candidate)")
    return namespace


# `random` is process-global: two threads replaying checks at once would draw
# from one stream and see different inputs than were recorded.
_RANDOM_LOCK = threading.Lock()


def _seeded(run):
    with _RANDOM_LOCK:
        saved = random.getstate()
        random.seed(REPLAY_SEED)
        try:
            return run()
        finally:
            random.setstate(saved)


def record(program: str, test: str, entry_point: str) -> Recording:
    """Runs `check(entry_point)` on the reference program and notes each call."""
    namespace = _namespace(program, test)
    reference = namespace.get(entry_point)
    if not callable(reference):
        raise ReferenceFailed(f"the reference defines no {entry_point!r}")
    calls, outputs, seconds = [], [], []

    def recorder(*args, **kwargs):
        if kwargs:
            raise ReferenceFailed("keyword arguments in check() calls are not supported")
        try:
            calls.append(encode(tuple(args)))
        except Unencodable as exc:
            raise ReferenceFailed(f"check() passes an argument that is not plain data: {exc}") from None
        start = time.perf_counter()
        value = reference(*copy.deepcopy(args))
        seconds.append(time.perf_counter() - start)
        try:
            outputs.append(encode(value))
        except Unencodable as exc:
            raise ReferenceFailed(f"the reference returns a value that is not plain data: {exc}") from None
        return value

    try:
        _seeded(lambda: namespace["check"](recorder))
    except ReferenceFailed:
        raise
    except BaseException as exc:
        raise ReferenceFailed(f"the reference solution fails its own check: {type(exc).__name__}: {exc}") from exc
    return Recording(tuple(calls), tuple(outputs), tuple(seconds))


def replay(program: str, test: str, recording: Recording, answers: list) -> CandidateFailed | None:
    """Runs the check against the candidate's answers. `answers[i]` is either a
    plain value (the i-th result) or a CandidateFailed to raise at that call.
    Returns None when every assert holds, else the first failure."""
    namespace = _namespace(program, test)
    position = [0]

    def stand_in(*args, **kwargs):
        i = position[0]
        position[0] += 1
        if kwargs or i >= len(recording.calls):
            raise CandidateFailed(i, "the check made a call that was not recorded", "diverged")
        try:
            asked = canonical(encode(tuple(args)))
        except Unencodable:
            asked = None
        if asked != canonical(recording.calls[i]):
            raise CandidateFailed(i, "the check asked for an input that was not recorded", "diverged")
        answer = answers[i]
        if isinstance(answer, CandidateFailed):
            raise answer
        return copy.deepcopy(answer)

    try:
        _seeded(lambda: namespace["check"](stand_in))
    except CandidateFailed as failure:
        return failure
    except AssertionError:
        return CandidateFailed(max(position[0] - 1, 0), "wrong answer")
    except Exception as exc:  # the check choked on the answer (e.g. None - 1)
        return CandidateFailed(max(position[0] - 1, 0), f"wrong answer ({type(exc).__name__} in the check)")
    return None
