"""200 adversarial completions: every one gets a verdict from the grader's in-process guards.

Huge powers, factorial towers, 10^4-deep nesting and 1 MB answers are refused
("too large") or read and judged, never computed at full size. The runner's
hard kill (proctor.pool) is the last line of defence and is not used here:
the guards alone must finish the whole set.
"""
from __future__ import annotations

import random

import pytest

from proctor import graders
from proctor.graders.problem import STATUSES, Problem

GRADER = graders.get("math")
REFERENCES = ["2", "x+1", r"\{1, 2\}", r"(0, 1]", r"\begin{pmatrix}1\\2\end{pmatrix}", r"\text{(B)}"]
MB = 1_000_000 - 200


def _towers(rng):
    for _ in range(25):
        depth = rng.randint(3, 6)
        digits = [str(rng.randint(2, 9)) for _ in range(depth)]
        latex = digits[-1]
        for d in reversed(digits[:-1]):
            latex = f"{d}^{{{latex}}}"
        plain = rng.choice(["**", "^"]).join(digits)
        yield rf"\boxed{{{latex}}}" if rng.random() < 0.5 else f"The answer is {plain}."


def _big_powers(rng):
    bases = ["2", "-3", "1.5", r"\sqrt{2}", "e", r"\pi", r"\frac{3}{2}", "(x+1)", "10", "7"]
    for _ in range(25):
        k = rng.randint(6, 15)
        sign = rng.choice(["", "-"])
        yield rf"\boxed{{{rng.choice(bases)}^{{{sign}10^{{{k}}}}}}}"


def _factorials(rng):
    for _ in range(25):
        kind = rng.randrange(4)
        n = rng.randint(5, 9)
        if kind == 0:
            yield rf"\boxed{{((({n}!)!)!)}}"
        elif kind == 1:
            yield rf"\boxed{{(10^{{{rng.randint(5, 12)}}})!}}"
        elif kind == 2:
            yield rf"\boxed{{\binom{{10^{{{rng.randint(6, 12)}}}}}{{10^{{{rng.randint(3, 5)}}}}}}}"
        else:
            yield f"Answer: ({n}!)! + 1"


def _deep_nesting(rng):
    wrappers = [("(", ")"), ("[", "]"), ("{", "}"), (r"\sqrt{", "}"), (r"\frac{1}{", "}"), (r"\left(", r"\right)"),
                (r"\{", r"\}"), ("-(", ")")]
    for i in range(25):
        left, right = rng.choice(wrappers)
        depth = 10_000 if i % 5 else rng.randint(40, 59)  # some stay just under the depth bound
        body = left * depth + "1" + right * depth
        yield rf"\boxed{{{body}}}" if i % 2 else f"The final answer is {body}"


def _megabyte(rng):
    yield r"\boxed{" + "9" * MB + "}"
    yield "x" * MB
    yield r"\boxed{1}" * (MB // 9)
    yield r"\boxed{" + "{" * MB
    yield "Answer: " + "1+" * (MB // 2)
    yield r"\(" * (MB // 2)
    yield "$" * MB
    yield "$1" * (MB // 2)
    yield "\\" * MB
    yield r"\boxed{" + "1, " * (MB // 3) + "}"
    yield "The answer is " + "3 or " * (MB // 5) + "4"
    yield r"\boxed{" + r"\frac{1}{2}+" * (MB // 12) + "1}"
    yield "answer: " * (MB // 8)
    yield ("1 " * (MB // 2)) + "\n"
    yield r"\boxed{" + "a" * MB + "}"
    yield r"\boxed{\text{" + "word " * (MB // 5) + "}}"
    yield r"\[" + "x^2 " * (MB // 4) + r"\]"
    yield r"\boxed{" + r"\begin{pmatrix}" + "1&" * (MB // 2) + r"1\end{pmatrix}}"
    yield "Final answer: " + "(" * (MB // 2)
    yield r"\boxed{2} and " * (MB // 14)
    for _ in range(5):
        size = rng.randint(MB // 2, MB)
        yield "".join(rng.choice("0123456789+-*/^(){}\\ $x") for _ in range(size))


def _near_bounds(rng):
    yield r"\boxed{" + "+".join(["x"] * 700) + "}"
    yield r"\boxed{" + "+".join([r"\frac{1}{2}"] * 600) + "}"
    yield r"\boxed{\{" + ", ".join(str(i) for i in range(199)) + r"\}}"
    yield r"\boxed{" + ", ".join(str(i) for i in range(5000)) + "}"
    yield r"\boxed{" + "x" * 1999 + "}"
    yield r"\boxed{" + r"\alpha" * 400 + "}"
    yield r"\boxed{" + "(x+1)" * 200 + "}"
    yield r"\boxed{(x+1)^{120}}"
    yield r"\boxed{(x+y+z)^{60} - (x+y+z)^{60}}"
    yield r"\boxed{\begin{pmatrix}" + r"\\".join("&".join(["1"] * 40) for _ in range(40)) + r"\end{pmatrix}}"
    yield r"\boxed{" + "9" * 4999 + "}"
    yield r"\boxed{2^{100000}}"
    yield r"\boxed{\frac{1}{2^{100000}}}"
    yield r"\boxed{" + r"\sin(" * 55 + "x" + ")" * 55 + "}"
    yield r"\boxed{" + "-" * 5000 + "1}"
    for _ in range(10):
        terms = [f"{rng.randint(1, 99)}x^{{{rng.randint(1, 30)}}}" for _ in range(rng.randint(50, 150))]
        yield r"\boxed{" + "+".join(terms) + "}"


def _odd(rng):
    yield r"\boxed{1e999999999}"
    yield "The answer is 1e999999999."
    yield r"\boxed{10^{-10^{9}}}"
    yield r"\boxed{\sin(10^{30000})}"
    yield r"\boxed{e^{e^{e^{e^{e^{e^{10}}}}}}}"
    yield r"\boxed{\frac{1}{0}}"
    yield r"\boxed{0^0}"
    yield r"\boxed{\infty - \infty}"
    yield r"\boxed{\log 0}"
    yield r"\boxed{\tan(\pi/2)}"
    yield r"\boxed{\operatorname{zeros}(100000, 100000)}"
    yield r"\boxed{\sum_{i=1}^{10^{9}} i}"
    yield r"\boxed{\prod_{i=1}^{10^{9}} i}"
    yield r"\boxed{\int_0^{10^9} x^{10^9} dx}"
    yield r"\boxed{\lim_{x \to \infty} x^{10^9}}"
    yield r"\boxed{\frac{d^{1000}}{dx^{1000}} x^{10^9}}"
    yield "\\boxed{\x00\x01\x02}"
    yield "\\boxed{\u202e1\u202c}"
    yield r"\boxed{\begin{pmatrix}1\\2}"
    yield r"\boxed{x^{x^{x^{x^{x^{x}}}}}}"
    yield r"\boxed{2 \uparrow\uparrow 10}"
    yield r"\boxed{\Gamma(10^{9})}"
    yield r"\boxed{\zeta(10^{9})}"
    yield "Answer: 9" + "9" * 4300
    yield r"\boxed{\sqrt[10^{9}]{2}}"


def _extraction_tricks(rng):
    yield r"\boxed{" * 5000 + "1" + "}" * 5000
    yield r"\boxed{2}" + r"\boxed{" * 3
    yield r"\boxed{1}" + " wait " * 20_000 + r"\boxed{"
    yield r"\fbox{" * 10_000
    yield r"\boxed{\}" * 1000
    yield r"\boxed{{{{{{{{}}" * 1000
    yield "answer is " + "answer is " * 50_000
    yield "The final answer is " + "$" * 10_000
    yield r"\boxed{x = x = x = x = " + "x = " * 2_000 + "1}"
    yield r"\boxed{1 < 2 < " + "3 < " * 2_000 + "4}"
    yield r"\boxed{\{" * 2_000 + r"\}" * 2_000 + "}"
    yield r"\boxed{" + r"\cup".join(["(0,1)"] * 3_000) + "}"
    yield r"\boxed{" + r"\pm".join(["1"] * 3_000) + "}"
    yield r"\boxed{" + "%" * 3_000 + "}"
    yield r"\boxed{" + r"^\circ" * 3_000 + "}"
    yield r"\boxed{" + r"\text{" * 40 + "a" + "}" * 40 + "}"
    for _ in range(9):
        pieces = [r"\boxed{", "}", "{", r"\frac", "^", "!", "$", "Answer: ", " or ", "9", r"\sqrt", "(", ")", ","]
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1_000, 50_000)))


# the last items of these families are random noise, which may end in the right number by chance
_NOISE_COUNT = {"_megabyte": 5, "_extraction_tricks": 9}


def adversarial_completions() -> list[tuple[str, bool]]:
    """(completion, whether it can be right by chance): only the random-noise items can."""
    rng = random.Random("math-adversarial")
    out = []
    for family in (_towers, _big_powers, _factorials, _deep_nesting, _megabyte, _near_bounds, _odd,
                   _extraction_tricks):
        items = list(family(rng))
        first_noise = len(items) - _NOISE_COUNT.get(family.__name__, 0)
        out.extend((completion, i >= first_noise) for i, completion in enumerate(items))
    return out


COMPLETIONS = adversarial_completions()


def test_there_are_200():
    assert len(COMPLETIONS) == 200


def test_every_adversarial_completion_gets_a_verdict():
    statuses = {}
    for index, (completion, may_be_right) in enumerate(COMPLETIONS):
        reference = REFERENCES[index % len(REFERENCES)]
        verdict = GRADER.grade(Problem(f"adv-{index}", "math.adversarial", "", reference), completion)
        assert verdict.status in STATUSES
        allowed = ("correct", "incorrect", "unparsable") if may_be_right else ("incorrect", "unparsable")
        assert verdict.status in allowed, (index, completion[:80], verdict)
        statuses[verdict.status] = statuses.get(verdict.status, 0) + 1
    assert sum(statuses.values()) == 200


@pytest.mark.parametrize("completion", [
    r"\boxed{9^{9^{9^{9}}}}", "The answer is 9**9**9**9.", r"\boxed{(10^{8})!}", r"\boxed{2^{2^{40}}}",
    r"\boxed{1e999999999}", r"\boxed{" + "(" * 10_000 + "1" + ")" * 10_000 + "}",
    r"\boxed{" + "9" * 999_000 + "}",
])
def test_refused_as_too_large(completion):
    verdict = GRADER.grade(Problem("adv", "math.adversarial", "", "2"), completion)
    assert verdict.status == "unparsable"
    assert "too large" in verdict.reason


def test_the_200_through_the_runner_all_get_verdicts_within_the_timeout_and_the_run_finishes():
    """The same 200, graded the way a run grades them: pool workers with a hard per-item kill.
    The guards, not the kill, must decide each one: no item may need the timeout."""
    from proctor.pool import GradingPool, Job

    jobs = [Job(index, "math", Problem(f"adv-{index}", "math.adversarial", "", REFERENCES[index % len(REFERENCES)]),
                completion) for index, (completion, _) in enumerate(COMPLETIONS)]
    with GradingPool(workers=2, timeout=10.0) as pool:
        verdicts = dict(pool.grade(jobs))
    assert sorted(verdicts) == list(range(200))
    assert not [i for i, v in verdicts.items() if v.status in ("timeout", "error")]
