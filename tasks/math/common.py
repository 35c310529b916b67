"""What every math family shares: the `MathTask` base, exact LaTeX rendering of
answers, and seeded draws of numbers.

A family writes `build(rng, params) -> MathItem`: the prompt, the reference
(LaTeX printed from sympy objects it built, never parsed from text), answer
metadata for the grader, and the sympy objects themselves so that tests can
re-derive the answer another way (`verify`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable

import sympy as sp

from proctor.graders.problem import Problem
from proctor.tasks.base import Param, Task, near_miss

X, Y, Z = sp.symbols("x y z")

DIFFICULTY = Param(name="difficulty", type=int, default=1, low=1, high=5, help="1 (easiest) to 5")

# Answer kinds written to metadata["answer_kind"]; the tasks.math package docstring
# describes each.
NUMBER, EXPRESSION, SET, TUPLE, INTERVAL = "number", "expression", "set", "tuple", "interval"

_INSTRUCTIONS = {
    NUMBER: "Give the exact value as your final answer in \\boxed{}.",
    EXPRESSION: "Give your final answer in \\boxed{}.",
    SET: "Give the set of all solutions as your final answer in \\boxed{}, for example \\boxed{\\{a, b\\}}.",
    INTERVAL: "Give the solution set in interval notation as your final answer in \\boxed{}, "
              "using \\cup to join intervals.",
}


@dataclass
class MathItem:
    prompt: str
    reference: str
    metadata: dict  # JSON-ready answer metadata; always holds "answer_kind"
    objects: dict = field(default_factory=dict)  # sympy objects for `verify`; never serialized


class MathTask(Task):
    grader = "math"
    params: tuple[Param, ...] = (DIFFICULTY,)

    def build(self, rng: random.Random, params: dict) -> MathItem:
        raise NotImplementedError

    def verify(self, item: MathItem) -> bool:
        """Re-derives the answer by a route independent of `build` (tests only)."""
        raise NotImplementedError

    def make(self, rng: random.Random, params: dict) -> tuple[str, str, dict]:
        item = self.build(rng, params)
        return item.prompt, item.reference, item.metadata

    def reference_completion(self, problem: Problem) -> str:
        return f"Working through it step by step, the final answer is $\\boxed{{{problem.reference}}}$."

    def perturbed_completions(self, problem: Problem) -> list[str]:
        """A number or expression shifted (F + 1 is still an antiderivative, F + x is
        not); a set, tuple or interval with its last digit or letter changed."""
        if problem.metadata["answer_kind"] in (NUMBER, EXPRESSION):
            shift = "x" if problem.metadata.get("antiderivative") else "1"
            wrong = f"\\left({problem.reference}\\right) + {shift}"
        else:
            wrong = near_miss(problem.reference)
        return [f"Working through it step by step, the final answer is $\\boxed{{{wrong}}}$."]


def instruction(kind: str) -> str:
    return _INSTRUCTIONS[kind]


def tex(value: Any) -> str:
    """sympy's LaTeX, with `\\ln` for the natural log so nobody reads `\\log` as base 10."""
    return sp.latex(value, ln_notation=True)


def numeric_key(value: sp.Expr) -> tuple[float, float]:
    """Order for exact numbers (real part, then imaginary): sympy sets have no stable order to rely on."""
    re_part, im_part = sp.re(value), sp.im(value)
    return (float(re_part), float(im_part))


def tex_set(values: Iterable[sp.Expr]) -> str:
    ordered = sorted(set(values), key=numeric_key)
    return "\\{" + ", ".join(tex(v) for v in ordered) + "\\}"


def tex_tuple(values: Iterable[sp.Expr]) -> str:
    return "(" + ", ".join(tex(v) for v in values) + ")"


def tex_intervals(intervals: list[sp.Interval]) -> str:
    """Disjoint intervals, left to right, joined by \\cup; open ends as ( ), closed as [ ]."""
    parts = []
    for interval in sorted(intervals, key=lambda i: float(i.start) if i.start.is_finite else float("-inf")):
        left = "(" if interval.left_open or interval.start == -sp.oo else "["
        right = ")" if interval.right_open or interval.end == sp.oo else "]"
        parts.append(f"{left}{tex(interval.start)}, {tex(interval.end)}{right}")
    return " \\cup ".join(parts)


def nonzero(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high] other than 0."""
    value = rng.randint(low, high - 1)
    return value + 1 if value >= 0 else value


def nonzero_count(low: int, high: int) -> int:
    return high - low + (0 if low <= 0 <= high else 1)


def to_sympy(value: Fraction | int) -> sp.Rational:
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return sp.Integer(value)
