"""`math.derivative`: differentiate a function of x (level 5 also asks for a
second derivative or the derivative's value at a point).

Functions are assembled from drawn blocks (polynomials, powers and roots,
exp/sin/cos/ln, products, quotients, compositions); the reference is sympy's
`diff` of that object, printed as is (any equal expression is right).
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import EXPRESSION, NUMBER, X, MathItem, MathTask, instruction, nonzero, nonzero_count, tex

_OUTER = (sp.sin, sp.cos, sp.exp, sp.log)  # ln is printed \ln (see common.tex)
_NINE, _FIVE = nonzero_count(-9, 9), nonzero_count(-5, 5)


def _polynomial(rng: random.Random, degree: int, bound: int = 9) -> sp.Expr:
    """Leading coefficient non-zero; lower ones may vanish."""
    terms = nonzero(rng, -bound, bound) * X ** degree
    return terms + sum(rng.randint(-bound, bound) * X ** k for k in range(degree))


def _linear(rng: random.Random) -> sp.Expr:
    return nonzero(rng, -5, 5) * X + rng.randint(-5, 5)


def _power_terms(rng: random.Random) -> sp.Expr:
    exponents = (sp.Integer(-1), sp.Integer(-2), sp.Rational(1, 2), sp.Rational(3, 2), sp.Rational(-1, 2),
                 sp.Rational(1, 3), sp.Rational(2, 3), sp.Integer(3), sp.Integer(4))
    chosen = rng.sample(exponents, 3)
    return sum(nonzero(rng, -9, 9) * X ** e for e in chosen)


def _compose(rng: random.Random, inner: sp.Expr) -> sp.Expr:
    """sin, cos, exp or ln of a polynomial; under ln the leading coefficient is made
    positive, so the function is real for large x rather than nowhere."""
    outer = rng.choice(_OUTER)
    if outer is sp.log and sp.Poly(inner, X).LC() < 0:
        inner = -inner
    return outer(inner)


def _basic(rng: random.Random) -> sp.Expr:
    return rng.choice(_OUTER)(rng.randint(1, 4) * X)


def _function(rng: random.Random, level: int) -> sp.Expr:
    if level == 1:
        return _polynomial(rng, rng.randint(2, 4))
    if level == 2:
        return _power_terms(rng)
    if level == 3:
        if rng.random() < 0.5:
            return _polynomial(rng, rng.randint(1, 2), 5) * _basic(rng)
        while True:
            numerator, denominator = _linear(rng), _linear(rng)
            # Proportional linear parts would make a constant in disguise.
            if sp.expand(numerator * denominator.coeff(X, 1) - denominator * numerator.coeff(X, 1)) != 0:
                return numerator / denominator
    if level == 4:
        return _compose(rng, _polynomial(rng, rng.randint(1, 2), 5)) * nonzero(rng, -5, 5)
    # Level 5: a product with a composed factor, or a quotient of a polynomial by a basic function.
    if rng.random() < 0.5:
        return _polynomial(rng, 1, 5) * _compose(rng, _polynomial(rng, 2, 3))
    return _polynomial(rng, 2, 5) / (_basic(rng) + rng.randint(2, 5))


def _real_point(rng: random.Random, f: sp.Expr, derivative: sp.Expr) -> sp.Integer | None:
    """An integer in [-3, 3] where f and f' are both real and finite, if there is one."""
    candidates = [sp.Integer(n) for n in range(-3, 4)]
    rng.shuffle(candidates)
    for point in candidates:
        if all(v.is_real and v.is_finite for v in (f.subs(X, point), derivative.subs(X, point))):
            return point
    return None


@tasks.register("math.derivative")
class Derivative(MathTask):
    name = "math.derivative"
    description = "Differentiate a function of x: polynomials, powers, product, quotient and chain rules."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        level = params["difficulty"]
        while True:
            f = _function(rng, level)
            derivative = sp.diff(f, X)  # diff is the slow step: once per draw
            if derivative != 0:
                break
        shown = f"$f(x) = {tex(f)}$"
        order, point = 1, None
        variant = rng.randrange(4) if level == 5 else 0
        if variant == 2:
            answer, kind, order = sp.diff(derivative, X), EXPRESSION, 2
            question = f"Let {shown}. Find the second derivative $f''(x)$."
        elif variant == 3 and (point := _real_point(rng, f, derivative)) is not None:
            answer, kind = derivative.subs(X, point), NUMBER
            question = f"Let {shown}. Find $f'({point})$."
        else:
            answer, kind = derivative, EXPRESSION
            question = f"Let {shown}. Find the derivative $f'(x)$."
        return MathItem(f"{question}\n{instruction(kind)}", tex(answer), {"answer_kind": kind, "variable": "x"},
                        {"function": f, "answer": answer, "order": order, "point": point,
                         "derivative": derivative})

    def verify(self, item: MathItem) -> bool:
        # Independent of `diff`: central difference quotients in 60-digit arithmetic at
        # sample points (or at the asked point).
        f, answer = item.objects["function"], item.objects["answer"]
        points = (sp.Rational(7, 10), sp.Rational(13, 10), sp.Rational(23, 10))
        if item.objects["point"] is not None:
            points, answer = (item.objects["point"],), item.objects["derivative"]
        h = sp.Rational(1, 10 ** 8)
        for point in points:
            expected = answer.subs(X, point)
            if item.objects["order"] == 2:
                quotient = (f.subs(X, point + h) - 2 * f.subs(X, point) + f.subs(X, point - h)) / h ** 2
                tolerance = 1e-4
            else:
                quotient = (f.subs(X, point + h) - f.subs(X, point - h)) / (2 * h)
                tolerance = 1e-8
            a, b = sp.N(quotient, 60), sp.N(expected, 60)
            if not (a.is_real and b.is_real):
                continue  # outside the domain (a log or root of a negative number)
            if abs(a - b) > tolerance * max(1, abs(b)):
                return False
        return True

    def capacity(self, params: dict) -> int:
        # Upper bounds from the draws in `_function` (distinct draws may coincide).
        poly = lambda degree, bound: (2 * bound) * (2 * bound + 1) ** degree  # noqa: E731
        basic = len(_OUTER) * 4
        linear = _FIVE * 11
        level = params["difficulty"]
        if level == 1:
            return sum(poly(d, 9) for d in (2, 3, 4))
        if level == 2:
            return 9 * 8 * 7 * _NINE ** 3
        if level == 3:
            return sum(poly(d, 5) for d in (1, 2)) * basic + linear ** 2
        if level == 4:
            return len(_OUTER) * sum(poly(d, 5) for d in (1, 2)) * _FIVE
        return 3 * (poly(1, 5) * len(_OUTER) * poly(2, 3) + poly(2, 5) * basic * 4)
