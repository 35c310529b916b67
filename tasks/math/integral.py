"""`math.integral`: definite integrals (the answer is a number) and indefinite
integrals (the answer is an antiderivative).

Each integrand comes from a template whose antiderivative F is written down
exactly (power rule, exp/sin/cos of kx, substitution u = h(x), integration by
parts), so the reference is right by construction and generation never calls
sympy's slow `integrate`; `verify` differentiates F back instead.

Grader contract: an indefinite problem carries
`metadata = {"answer_kind": "expression", "antiderivative": true,
"up_to_constant": true, "variable": "x"}` (`up_to_constant` is the key the
`math` grader reads); the reference F is printed without a constant, and any
F + C (C free of the variable) is a correct answer. Definite problems carry
`{"answer_kind": "number"}` and an exact value.
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.base import Param
from proctor.tasks.math.common import (DIFFICULTY, EXPRESSION, NUMBER, X, MathItem, MathTask, instruction, nonzero,
                               nonzero_count, tex)

KINDS = ("any", "definite", "indefinite")
_PI_BOUNDS = (sp.Integer(0), sp.pi / 6, sp.pi / 4, sp.pi / 3, sp.pi / 2, sp.pi)
_POWERS = (sp.Integer(2), sp.Integer(3), sp.Integer(-2), sp.Integer(-3), sp.Rational(1, 2),
           sp.Rational(3, 2), sp.Rational(-1, 2))
_NINE, _FIVE = nonzero_count(-9, 9), nonzero_count(-5, 5)


def _power_term(a: int, n: sp.Rational) -> tuple[sp.Expr, sp.Expr]:
    return a * X ** n, sp.Rational(a) / (n + 1) * X ** (n + 1)


def _exp_trig(rng: random.Random) -> tuple[sp.Expr, sp.Expr]:
    a, k = nonzero(rng, -9, 9), rng.randint(1, 4)
    choice = rng.randrange(3)
    if choice == 0:
        return a * sp.exp(k * X), sp.Rational(a, k) * sp.exp(k * X)
    if choice == 1:
        return a * sp.sin(k * X), -sp.Rational(a, k) * sp.cos(k * X)
    return a * sp.cos(k * X), sp.Rational(a, k) * sp.sin(k * X)


def _substitution(rng: random.Random) -> tuple[sp.Expr, sp.Expr]:
    """c h'(x) g(h(x)) with antiderivative c G(h(x)), h a quadratic."""
    h = X ** 2 + rng.randint(-5, 5) * X + rng.randint(-5, 5)
    c = nonzero(rng, -5, 5)
    dh = sp.diff(h, X)
    choice = rng.randrange(4)
    if choice == 0:
        return c * dh * sp.exp(h), c * sp.exp(h)
    if choice == 1:
        return c * dh * sp.cos(h), c * sp.sin(h)
    if choice == 2:
        return c * dh * sp.sin(h), -c * sp.cos(h)
    m = rng.randint(2, 4)
    return c * dh * h ** m, sp.Rational(c, m + 1) * h ** (m + 1)


def _by_parts(rng: random.Random) -> tuple[sp.Expr, sp.Expr]:
    """(x + b) times e^{kx}, sin(kx) or cos(kx)."""
    b, k, a = rng.randint(-5, 5), rng.randint(1, 3), nonzero(rng, -5, 5)
    u = X + b
    choice = rng.randrange(3)
    if choice == 0:
        return a * u * sp.exp(k * X), a * sp.exp(k * X) * (u / k - sp.Rational(1, k ** 2))
    if choice == 1:
        return a * u * sp.sin(k * X), a * (-u * sp.cos(k * X) / k + sp.sin(k * X) / k ** 2)
    return a * u * sp.cos(k * X), a * (u * sp.sin(k * X) / k + sp.cos(k * X) / k ** 2)


def _integrand(rng: random.Random, level: int, definite: bool) -> tuple[sp.Expr, sp.Expr, str]:
    """(f, F, which bounds suit it): "integer", "positive" (x^n with n < 1 needs x > 0) or "pi"."""
    if level == 1:
        degree = rng.randint(1, 3)
        coefficients = [nonzero(rng, -9, 9)] + [rng.randint(-9, 9) for _ in range(degree)]
        pairs = [_power_term(c, sp.Integer(degree - i)) for i, c in enumerate(coefficients)]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs), "integer"
    if level == 2:
        if definite and rng.random() < 0.25:
            a = nonzero(rng, -9, 9)
            return sp.Rational(a) / X, a * sp.log(X), "positive"  # ln x: only where x > 0
        pairs = [_power_term(nonzero(rng, -9, 9), n) for n in rng.sample(_POWERS, 2)]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs), "positive"
    if level == 3:
        pairs = [_exp_trig(rng), _power_term(nonzero(rng, -9, 9), sp.Integer(rng.randint(0, 2)))]
        f, F = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    else:
        # Substitution puts trig of a quadratic: multiples of pi would not simplify there.
        f, F = _substitution(rng) if level == 4 else _by_parts(rng)
        return f, F, ("pi" if level == 5 and f.has(sp.sin, sp.cos) else "integer")
    return f, F, ("pi" if f.has(sp.sin, sp.cos) else "integer")


def _bounds(rng: random.Random, kind: str) -> tuple[sp.Expr, sp.Expr]:
    if kind == "pi":
        low, high = sorted(rng.sample(range(len(_PI_BOUNDS)), 2))
        return _PI_BOUNDS[low], _PI_BOUNDS[high]
    low, high = sorted(rng.sample(range(1, 5) if kind == "positive" else range(-3, 4), 2))
    return sp.Integer(low), sp.Integer(high)


@tasks.register("math.integral")
class Integral(MathTask):
    name = "math.integral"
    description = "Evaluate a definite integral or find an antiderivative (any constant is accepted)."
    params = (DIFFICULTY, Param(name="kind", type=str, default="any", choices=KINDS,
                                help="definite, indefinite, or any (drawn per problem)"))

    def build(self, rng: random.Random, params: dict) -> MathItem:
        level, kind = params["difficulty"], params["kind"]
        definite = rng.random() < 0.5 if kind == "any" else kind == "definite"
        f, F, bound_kind = _integrand(rng, level, definite)
        if definite:
            low, high = _bounds(rng, bound_kind)
            value = sp.expand(F.subs(X, high) - F.subs(X, low))
            prompt = f"Evaluate the definite integral ${tex(sp.Integral(f, (X, low, high)))}$.\n{instruction(NUMBER)}"
            return MathItem(prompt, tex(value), {"answer_kind": NUMBER},
                            {"integrand": f, "antiderivative": F, "bounds": (low, high), "answer": value})
        prompt = (f"Find the indefinite integral ${tex(sp.Integral(f, X))}$. Any antiderivative is accepted; "
                  f"the constant of integration may be omitted.\n{instruction(EXPRESSION)}")
        # "up_to_constant" is the policy key the `math` grader reads; "antiderivative" says why.
        metadata = {"answer_kind": EXPRESSION, "antiderivative": True, "up_to_constant": True, "variable": "x"}
        return MathItem(prompt, tex(F), metadata,
                        {"integrand": f, "antiderivative": F, "bounds": None, "answer": F})

    def verify(self, item: MathItem) -> bool:
        f, F, bounds = item.objects["integrand"], item.objects["antiderivative"], item.objects["bounds"]
        if sp.simplify(sp.diff(F, X) - f) != 0:
            return False
        if bounds is None:
            return True
        # The definite value, checked against 30-digit numerical quadrature.
        numeric = sp.Integral(f, (X, *bounds)).evalf(30)
        return abs(numeric - sp.N(item.objects["answer"], 30)) < 1e-20

    def capacity(self, params: dict) -> int:
        level, kind = params["difficulty"], params["kind"]
        integer_bounds, positive_bounds, pi_bounds = 21, 6, 15
        poly = sum(_NINE * 19 ** d for d in (1, 2, 3))
        exp_trig = _NINE * 4 * 3
        integrands, bounds = {
            1: (poly, integer_bounds),
            2: (len(_POWERS) ** 2 * _NINE ** 2 + _NINE, positive_bounds),
            3: (exp_trig * _NINE * 3, max(integer_bounds, pi_bounds)),
            4: (11 * 11 * _FIVE * (3 + 3), integer_bounds),
            5: (11 * 3 * _FIVE * 3, max(integer_bounds, pi_bounds)),
        }[level]
        indefinite, definite = integrands, integrands * bounds
        return {"indefinite": indefinite, "definite": definite, "any": indefinite + definite}[kind]
