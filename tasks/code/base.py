"""What every code family shares: its grader, and what a perfect and a nearly
right answer look like (the conformance kit grades both)."""
from __future__ import annotations

from proctor.graders.problem import Problem
from proctor.tasks.base import Task


def fenced(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```\n"


class CodeTask(Task):
    grader = "code"

    def reference_completion(self, problem: Problem) -> str:
        reference = problem.reference
        if reference["kind"] == "check":  # HumanEval: the prompt's signature and docstring, then the body
            return fenced(reference["prompt"] + reference["canonical_solution"])
        return fenced(reference["solution"])

    def perturbed_completions(self, problem: Problem) -> list[str]:
        """The reference program with one change that breaks it: a function that
        answers None, or a stdio program with one extra output line."""
        reference = problem.reference
        program = self.reference_completion(problem)[len("```python\n"):-len("```\n")]
        if reference["kind"] == "stdio":
            return [fenced(program + "print(0)\n")]
        entry = reference["entry_point"]
        return [fenced(f"{program}\n\ndef {entry}(*args, **kwargs):\n    return None\n")]
