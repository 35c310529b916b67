"""What a grader is: the plug-in contract of `proctor.graders`.

A grader subclasses `Grader`, declares `name` (the name it is registered
under), and implements `check(problem, completion) -> Verdict`. Every other
hook below has a default. Callers (the runner, rewards, the CLI) call
`grade`, which screens the completion once for every grader, built-in or
plug-in, and only then hands it to `check`: `check` always receives text
that is a `str`, at most `max_completion_chars` long, without NUL characters
or lone surrogates. A grader that sets `uses_finish_reason` also receives the
completion's finish reason ("stop", "length", ... or None when unknown) as the
keyword `finish_reason`, so a completion cut by the length limit is graded as cut.
"""
from __future__ import annotations

import re

from proctor.graders.extract import MAX_COMPLETION_CHARS
from proctor.graders.problem import Problem, Verdict
from proctor.registry import PLUGIN_API

# Python strings hold code points: a surrogate in one is always unpaired (a
# decoded pair is one code point), and cannot be encoded as UTF-8 to be
# stored, sent to a sandbox or printed.
_SURROGATE = re.compile("[\ud800-\udfff]")


def screen(completion: object, max_chars: int) -> Verdict | None:
    """The `unparsable` verdict for a completion no grader should read, else None."""
    if not isinstance(completion, str):
        return Verdict.unparsable(reason=f"completion is not text (got {type(completion).__name__})")
    if len(completion) > max_chars:
        return Verdict.unparsable(reason=f"too large: completion longer than {max_chars} characters")
    nul = completion.find("\0")
    if nul >= 0:
        return Verdict.unparsable(reason=f"completion holds a NUL character at {nul}: binary data, not text")
    surrogate = _SURROGATE.search(completion)
    if surrogate:
        return Verdict.unparsable(reason=f"completion is not valid Unicode: lone surrogate "
                                         f"U+{ord(surrogate.group()):04X} at {surrogate.start()}")
    return None


class Grader:
    """Subclass, declare `name`, implement `check`; register with `@graders.register(name)`
    or the `proctor.graders` entry point group.

    `check` must never raise on model text: anything a model can write gets a
    Verdict (`unparsable` when it cannot be read). The runner turns an
    exception into an `error` verdict, which counts against the grader, not the model.
    """

    # --- what a plug-in declares --------------------------------------------------
    name: str = ""  # required: the registered name; the registry refuses a mismatch
    version: str = "1"  # bump when verdicts could change; stored with every run
    plugin_api: int = PLUGIN_API  # the contract version this grader was written for
    # True when grading runs model-written code: the grader then goes through a
    # `sandbox` backend and must not be run in-process on untrusted input.
    needs_sandbox: bool = False
    # The longest one `grade` call may legitimately take. The pool's hard kill
    # waits at least this long (0: the run's own --timeout applies).
    time_budget_seconds: float = 0.0
    # Longer completions are `unparsable` before `check` sees them.
    max_completion_chars: int = MAX_COMPLETION_CHARS
    # True when `check` takes the keyword `finish_reason` ("stop", "length", ... or None when
    # unknown): a completion cut by the length limit is then graded as cut (math, numeric).
    uses_finish_reason: bool = False

    # --- what a plug-in writes ----------------------------------------------------
    def check(self, problem: Problem, completion: str) -> Verdict:  # pragma: no cover - interface
        """The verdict on a completion `grade` has already screened (see the module's docstring)."""
        raise NotImplementedError(f"{type(self).__name__} must implement check(problem, completion)")

    def preflight(self) -> None:
        """Raises (sandbox.SandboxUnavailable for a sandbox) when this grader cannot
        work on this machine; called once before a run grades anything."""

    def close(self) -> None:
        """Releases what grading holds (sandbox instances, pools)."""

    # --- what the harness provides -----------------------------------------------
    def grade(self, problem: Problem, completion: str, *, finish_reason: str | None = None) -> Verdict:
        """The one entry point: screens the completion, then asks `check`."""
        screened = screen(completion, self.max_completion_chars)
        if screened is not None:
            return screened
        if self.uses_finish_reason:
            return self.check(problem, completion, finish_reason=finish_reason)
        return self.check(problem, completion)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # One guard path for every grader: a subclass that replaced `grade` would skip it.
        if "grade" in cls.__dict__:
            raise TypeError(f"{cls.__module__}.{cls.__qualname__} overrides Grader.grade; implement "
                            f"check(problem, completion) instead (grade screens the completion, then calls check)")
