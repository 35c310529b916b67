"""`math.linear`: one linear equation in x with exactly one solution.

The solution is drawn first and the constant term that makes it true is
computed, so the answer is exact by construction; `verify` solves the equation
with sympy instead.
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import NUMBER, X, MathItem, MathTask, instruction, nonzero, nonzero_count, tex

_DENOMINATORS = (2, 3, 4, 5, 6, 7, 8, 9)


def _times(coefficient: sp.Expr, inner: sp.Expr) -> sp.Expr:
    """c(x + b) kept unexpanded, so the distributive step stays with the solver."""
    if coefficient == 1:
        return inner  # not "1 (x + b)"
    return sp.Mul(coefficient, inner, evaluate=False)


def _fraction(rng: random.Random) -> sp.Rational:
    return sp.Rational(nonzero(rng, -9, 9), rng.choice(_DENOMINATORS))


@tasks.register("math.linear")
class Linear(MathTask):
    name = "math.linear"
    description = "Solve a linear equation in one unknown (integer solutions at 1-3, fractions at 4-5)."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        level = params["difficulty"]
        while True:
            if level == 1:
                a, b, x0 = nonzero(rng, -9, 9), nonzero(rng, -20, 20), rng.randint(-10, 10)
                lhs, rhs = a * X + b, sp.Integer(a * x0 + b)
            elif level == 2:
                a, c = nonzero(rng, -9, 9), nonzero(rng, -9, 9)
                b, x0 = nonzero(rng, -20, 20), rng.randint(-10, 10)
                lhs, rhs = a * X + b, c * X + ((a - c) * x0 + b)
            elif level == 3:
                a, c = nonzero(rng, -9, 9), nonzero(rng, -9, 9)
                b, d, x0 = nonzero(rng, -9, 9), nonzero(rng, -9, 9), rng.randint(-12, 12)
                e = c * (x0 + d) - a * (x0 + b)
                lhs = sp.Add(_times(a, X + b), e, evaluate=False) if e else _times(a, X + b)
                rhs = _times(c, X + d)
            elif level == 4:
                a, b, x0 = _fraction(rng), _fraction(rng), _fraction(rng)
                lhs, rhs = a * X + b, a * x0 + b
            else:
                a, c, x0 = _fraction(rng), _fraction(rng), _fraction(rng)
                b, d = nonzero(rng, -9, 9), nonzero(rng, -9, 9)
                e = c * (x0 + d) - a * (x0 + b)
                lhs = sp.Add(_times(a, X + b), e, evaluate=False) if e else _times(a, X + b)
                rhs = _times(c, X + d)
            # Exactly one solution needs different x-coefficients on the two sides.
            if level in (1, 4) or a != c:
                break
        x0 = sp.Rational(x0)
        equation = sp.Eq(lhs, rhs, evaluate=False)
        prompt = f"Solve for $x$: ${tex(equation)}$.\n{instruction(NUMBER)}"
        return MathItem(prompt, tex(x0), {"answer_kind": NUMBER, "variable": "x"},
                        {"equation": equation, "answer": x0})

    def verify(self, item: MathItem) -> bool:
        return sp.solve(item.objects["equation"], X) == [item.objects["answer"]]

    def capacity(self, params: dict) -> int:
        nine, twenty = nonzero_count(-9, 9), nonzero_count(-20, 20)
        fractions = nine * len(_DENOMINATORS)
        return {1: nine * twenty * 21,
                2: nine * nine * twenty * 21,
                3: nine ** 4 * 25,
                4: fractions ** 3,
                5: fractions ** 3 * nine ** 2}[params["difficulty"]]
