"""A whole proctor plug-in: a task that asks for words backwards, and a grader
that compares the last line of the answer with the reference, exactly."""
import math
import random

from proctor.graders import Grader, Problem, Verdict
from proctor.tasks import Param, Task

WORDS = ["examiner", "gradient", "sandbox", "verdict", "proctor", "tensor", "rubric", "benchmark"]


class ReverseWord(Task):
    name = "wordplay.reverse"  # the entry point's name
    grader = "exact_text"
    plugin_api = 1
    description = "Spell words backwards."
    params = (Param(name="difficulty", type=int, default=1, low=1, high=5, help="number of words to reverse"),)

    def make(self, rng: random.Random, params: dict) -> tuple[str, str]:
        words = rng.sample(WORDS, params["difficulty"])
        prompt = f"Write {' '.join(words)!r} backwards, letter by letter. Put only the result on the last line."
        return prompt, " ".join(words)[::-1]

    def capacity(self, params: dict) -> int:
        return math.perm(len(WORDS), params["difficulty"])


class ExactText(Grader):
    name = "exact_text"
    plugin_api = 1

    def check(self, problem: Problem, completion: str) -> Verdict:
        # `grade` has already refused non-text, oversized, NUL and lone-surrogate completions.
        lines = [line.strip() for line in completion.splitlines() if line.strip()]
        if not lines:
            return Verdict.unparsable(reason="empty answer")
        answer = lines[-1].strip("`'\" .")
        if answer == problem.reference:
            return Verdict.correct(extracted=answer)
        return Verdict.incorrect(extracted=answer, reason=f"expected {problem.reference!r}")
