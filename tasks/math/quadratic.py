"""`math.quadratic`: the solution set of a quadratic equation with two distinct roots.

Levels 1-3 draw the roots (integers, then rationals) and expand the product;
level 4 draws coefficients with a positive non-square discriminant (surd
roots) and level 5 a negative one (complex roots, written with `i`); there
the quadratic formula on sympy numbers gives the exact radicals. The reference is the set, ordered
by real then imaginary part.
"""
from __future__ import annotations

import math
import random

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import SET, X, MathItem, MathTask, instruction, nonzero, nonzero_count, tex, tex_set


def _distinct_pair(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    first, second = rng.sample(range(low, high + 1), 2)
    return first, second


def _rational_root(rng: random.Random) -> tuple[int, int]:
    """(p, q) for a factor p x - q, root q/p in lowest terms."""
    while True:
        p, q = rng.randint(1, 6), nonzero(rng, -9, 9)
        if math.gcd(p, q) == 1:
            return p, q


@tasks.register("math.quadratic")
class Quadratic(MathTask):
    name = "math.quadratic"
    description = "Find the solution set of a quadratic equation (complex roots at level 5)."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        level = params["difficulty"]
        if level == 1:
            r1, r2 = _distinct_pair(rng, -12, 12)
            polynomial, roots = sp.expand((X - r1) * (X - r2)), {sp.Integer(r1), sp.Integer(r2)}
        elif level == 2:
            a, (r1, r2) = nonzero(rng, -6, 6), _distinct_pair(rng, -10, 10)
            while abs(a) == 1:
                a = nonzero(rng, -6, 6)
            polynomial, roots = sp.expand(a * (X - r1) * (X - r2)), {sp.Integer(r1), sp.Integer(r2)}
        elif level == 3:
            while True:
                (p1, q1), (p2, q2) = _rational_root(rng), _rational_root(rng)
                if q1 * p2 != q2 * p1 and (p1, p2) != (1, 1):
                    break
            sign = rng.choice((1, -1))
            polynomial = sp.expand(sign * (p1 * X - q1) * (p2 * X - q2))
            roots = {sp.Rational(q1, p1), sp.Rational(q2, p2)}
        else:
            # Level 4: real surd roots (discriminant > 0, not a square); 5: complex (< 0).
            while True:
                a, b, c = rng.randint(1, 4), rng.randint(-10, 10), rng.randint(-10, 10) if level == 4 else rng.randint(1, 20)
                disc = b * b - 4 * a * c
                if (level == 4 and disc > 0 and math.isqrt(disc) ** 2 != disc) or (level == 5 and disc < 0):
                    break
            polynomial = a * X ** 2 + b * X + c
            # The quadratic formula on exact numbers: ~20x faster than sympy's `roots`.
            root_of_disc = sp.sqrt(disc)
            roots = {(-b + root_of_disc) / (2 * a), (-b - root_of_disc) / (2 * a)}
        polynomial = sp.expand(polynomial)
        equation = self._shown_equation(rng, polynomial, level)
        domain = "complex" if level == 5 else "real"
        prompt = f"Find all {domain} solutions of the equation ${tex(equation)}$.\n{instruction(SET)}"
        return MathItem(prompt, tex_set(roots), {"answer_kind": SET, "variable": "x"},
                        {"equation": equation, "polynomial": polynomial, "roots": roots})

    @staticmethod
    def _shown_equation(rng: random.Random, polynomial: sp.Expr, level: int) -> sp.Eq:
        # At levels 1-2 the constant may sit on the right-hand side: one more step.
        constant = polynomial.subs(X, 0)
        if level <= 2 and constant != 0 and rng.random() < 0.5:
            return sp.Eq(polynomial - constant, -constant, evaluate=False)
        return sp.Eq(polynomial, 0, evaluate=False)

    def verify(self, item: MathItem) -> bool:
        roots, polynomial = item.objects["roots"], item.objects["polynomial"]
        solved = sp.solve(item.objects["equation"], X)
        return (len(roots) == 2 and len(solved) == 2
                and all(sp.expand(polynomial.subs(X, r)) == 0 for r in roots)
                and all(any(sp.expand(r - s) == 0 for s in solved) for r in roots))

    def capacity(self, params: dict) -> int:
        nine = nonzero_count(-9, 9)
        # Levels 1-2: root pairs, each shown two ways unless a root is 0 (no constant to move).
        return {1: math.comb(25, 2) * 2 - 24,
                2: (nonzero_count(-6, 6) - 2) * (math.comb(21, 2) * 2 - 20),
                3: (6 * nine) ** 2 * 2,
                4: 4 * 21 * 21,
                5: 4 * 21 * 20}[params["difficulty"]]
