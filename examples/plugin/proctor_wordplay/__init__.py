"""A whole proctor plug-in: a task that asks for a word backwards, and a grader
that compares the last line of the answer with the reference, exactly."""
import random

from proctor.graders import Grader, Problem, Verdict
from proctor.tasks import Param, Task

WORDS = ["examiner", "gradient", "sandbox", "verdict", "proctor", "tensor", "rubric", "benchmark"]


class ReverseWord(Task):
    grader = "exact_text"
    description = "Spell a word backwards."
    params = (Param("difficulty", int, 1, 1, 5, help="number of words to reverse"),)

    def make(self, rng: random.Random, params: dict) -> tuple[str, str]:
        words = rng.sample(WORDS, params["difficulty"])
        prompt = f"Write {' '.join(words)!r} backwards, letter by letter. Put only the result on the last line."
        return prompt, " ".join(words)[::-1]

    def capacity(self, params: dict) -> int:
        count = 1
        for k in range(params["difficulty"]):
            count *= len(WORDS) - k
        return count


class ExactText(Grader):
    def grade(self, problem: Problem, completion: str) -> Verdict:
        lines = [line.strip() for line in completion.strip().splitlines() if line.strip()]
        if not lines:
            return Verdict.unparsable("empty answer")
        answer = lines[-1].strip("`'\" .")
        if answer == problem.reference:
            return Verdict.correct(answer)
        return Verdict.incorrect(answer, f"expected {problem.reference!r}")
