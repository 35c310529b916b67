"""What a grader is: a name, a version, `grade(problem, completion) -> Verdict`
(and `grade(problem, completion, finish_reason=...)` for graders that set `uses_finish_reason`)."""
from __future__ import annotations

from proctor.graders.problem import Problem, Verdict


class Grader:
    """Subclass, set `name`, implement `grade`, register with `@graders.register(name)`.

    `grade` must never raise on model text: anything a model can write gets a
    Verdict (`unparsable` when it cannot be read). The runner turns an
    exception into an `error` verdict, which counts against the grader, not the model.
    """

    name: str = ""
    version: str = "1"  # bump when verdicts could change; stored with every run
    # True when grading runs model-written code: the grader then goes through a
    # `sandbox` backend and must not be run in-process on untrusted input.
    needs_sandbox: bool = False
    # True when `grade` takes the keyword `finish_reason` ("stop", "length", ... or None when
    # unknown): a completion cut by the length limit is then graded as cut (math, numeric).
    uses_finish_reason: bool = False

    def grade(self, problem: Problem, completion: str) -> Verdict:  # pragma: no cover - interface
        raise NotImplementedError
