"""`math.limit`: limits with finite values: direct substitution, removable
discontinuities, rational functions at infinity, the standard trigonometric,
exponential and logarithmic limits, and (1 + a/x)^(bx) and root differences.

Each template's value is written down exactly from its parameters (for
example sin(ax)/(bx) -> a/b); `verify` recomputes it with sympy's `limit`.
Limits at a finite point are two-sided.
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import NUMBER, X, MathItem, MathTask, instruction, nonzero, nonzero_count, tex

_NINE, _FIVE = nonzero_count(-9, 9), nonzero_count(-5, 5)


def _ratio(numerator: sp.Expr, denominator: sp.Expr) -> sp.Expr:
    # Kept as an unreduced quotient: sympy does not cancel common factors of expanded polynomials.
    return sp.expand(numerator) / sp.expand(denominator)


def _template(rng: random.Random, level: int) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(expression, point, value)."""
    if level == 1:
        a = rng.randint(-3, 3)
        p = nonzero(rng, -5, 5) * X ** 2 + rng.randint(-9, 9) * X + rng.randint(-9, 9)
        if rng.random() < 0.5:
            p = sp.expand(p * X + rng.randint(-9, 9))
        return p, sp.Integer(a), p.subs(X, a)
    if level == 2:
        a, b, c = rng.randint(-6, 6), rng.randint(-6, 6), rng.randint(-6, 6)
        # Not 0/0 again after cancelling, and numerator and denominator not the same polynomial.
        while c == -a or b == -a or b == c:
            a, b, c = rng.randint(-6, 6), rng.randint(-6, 6), rng.randint(-6, 6)
        return _ratio((X - a) * (X + b), (X - a) * (X + c)), sp.Integer(a), sp.Rational(a + b, a + c)
    if level == 3:
        n = rng.randint(1, 3)
        p, q = nonzero(rng, -9, 9), nonzero(rng, -9, 9)
        lower = lambda degree: sum(rng.randint(-9, 9) * X ** k for k in range(degree))  # noqa: E731
        denominator = q * X ** n + lower(n)
        if rng.random() < 0.25:
            # Numerator of lower degree: the limit is 0.
            return _ratio(p * X ** (n - 1) + lower(n - 1), denominator), sp.oo, sp.Integer(0)
        return _ratio(p * X ** n + lower(n), denominator), sp.oo, sp.Rational(p, q)
    if level == 4:
        a, b = nonzero(rng, -9, 9), nonzero(rng, -9, 9)
        choice = rng.randrange(5)
        if choice == 0:
            return sp.sin(a * X) / (b * X), sp.Integer(0), sp.Rational(a, b)
        if choice == 1:
            return (1 - sp.cos(a * X)) / X ** 2, sp.Integer(0), sp.Rational(a * a, 2)
        if choice == 2:
            return (sp.exp(a * X) - 1) / (b * X), sp.Integer(0), sp.Rational(a, b)
        if choice == 3:
            return sp.tan(a * X) / sp.sin(b * X), sp.Integer(0), sp.Rational(a, b)
        return sp.log(1 + a * X) / (b * X), sp.Integer(0), sp.Rational(a, b)
    a, b = nonzero(rng, -5, 5), nonzero(rng, -5, 5)
    choice = rng.randrange(4)
    if choice == 0:
        return (1 + sp.Rational(a) / X) ** (b * X), sp.oo, sp.exp(a * b)
    if choice == 1:
        return sp.sqrt(X ** 2 + 2 * a * X) - X, sp.oo, sp.Integer(a)
    if choice == 2:
        c = abs(a)
        return (sp.sqrt(X + c * c) - c) / X, sp.Integer(0), sp.Rational(1, 2 * c)
    while a == b:
        b = nonzero(rng, -5, 5)
    return (sp.exp(a * X) - sp.exp(b * X)) / X, sp.Integer(0), sp.Integer(a - b)


@tasks.register("math.limit")
class Limit(MathTask):
    name = "math.limit"
    description = "Evaluate a limit with a finite value (two-sided at finite points)."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        expression, point, value = _template(rng, params["difficulty"])
        shown = sp.Limit(expression, X, point, dir="+-" if point.is_finite else "-")
        prompt = f"Evaluate ${tex(shown)}$.\n{instruction(NUMBER)}"
        return MathItem(prompt, tex(value), {"answer_kind": NUMBER},
                        {"expression": expression, "point": point, "answer": value})

    def verify(self, item: MathItem) -> bool:
        expression, point = item.objects["expression"], item.objects["point"]
        computed = sp.limit(expression, X, point, "+-" if point.is_finite else "-")
        return sp.simplify(computed - item.objects["answer"]) == 0

    def capacity(self, params: dict) -> int:
        return {1: 7 * (_FIVE * 19 * 19) * (1 + 19),
                2: 13 ** 3,
                3: sum(_NINE * 19 ** n * (_NINE * 19 ** n + _NINE * 19 ** (n - 1)) for n in (1, 2, 3)),
                # (1 - cos ax)/x^2 ignores b; sqrt(x^2 + 2ax) - x ignores b; (sqrt(x + c^2) - c)/x uses |a| only.
                4: 4 * _NINE ** 2 + _NINE,
                5: _FIVE ** 2 + _FIVE + _FIVE // 2 + _FIVE * (_FIVE - 1)}[params["difficulty"]]
