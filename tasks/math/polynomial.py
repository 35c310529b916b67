"""`math.polynomial`: expand a product of polynomials, or factor a polynomial
completely over the integers; the answer is an expression.

The product is built from drawn factors; sympy's `expand` and `factor` give
the two forms. `metadata["answer_form"]` says which form was asked for
("expanded" or "factored"), because any expression equal to the reference is
mathematically equal but only the requested form answers the question.
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.base import Param
from proctor.tasks.math.common import DIFFICULTY, EXPRESSION, X, Y, MathItem, MathTask, instruction, nonzero, nonzero_count, tex

MODES = ("any", "expand", "factor")


def _factors(rng: random.Random, level: int) -> list[sp.Expr]:
    if level == 1:
        return [X + nonzero(rng, -9, 9), X + nonzero(rng, -9, 9)]
    if level == 2:
        return [rng.randint(2, 5) * X + nonzero(rng, -9, 9), rng.randint(1, 5) * X + nonzero(rng, -9, 9)]
    if level == 3:
        return [X + nonzero(rng, -6, 6), X + nonzero(rng, -6, 6), rng.randint(1, 3) * X + nonzero(rng, -6, 6)]
    if level == 4:
        return [rng.randint(2, 5) * X, X + nonzero(rng, -9, 9), rng.randint(1, 4) * X + nonzero(rng, -9, 9)]
    # Level 5: a quartic with an irreducible quadratic factor, or a cubic form in x and y.
    if rng.random() < 0.5:
        return [X + nonzero(rng, -6, 6), X + nonzero(rng, -6, 6), X ** 2 + rng.randint(1, 9)]
    return [X + nonzero(rng, -5, 5) * Y, X + nonzero(rng, -5, 5) * Y, rng.randint(1, 3) * X + nonzero(rng, -5, 5) * Y]


def _shapes(level: int) -> int:
    """How many distinct products `_factors` can draw at a level (an upper bound)."""
    nine, six, five = nonzero_count(-9, 9), nonzero_count(-6, 6), nonzero_count(-5, 5)
    pairs = lambda n: n * (n + 1) // 2  # noqa: E731  (x + a)(x + b) = (x + b)(x + a)
    return {1: pairs(nine), 2: 4 * 5 * nine ** 2, 3: pairs(six) * 3 * six, 4: 4 * 4 * nine ** 2,
            5: pairs(six) * 9 + pairs(five) * 3 * five}[level]


@tasks.register("math.polynomial")
class Polynomial(MathTask):
    name = "math.polynomial"
    description = "Expand a product of polynomials or factor a polynomial completely over the integers."
    params = (DIFFICULTY, Param(name="mode", type=str, default="any", choices=MODES,
                                help="expand, factor, or any (drawn per problem)"))

    def build(self, rng: random.Random, params: dict) -> MathItem:
        level, mode = params["difficulty"], params["mode"]
        if mode == "any":
            mode = rng.choice(MODES[1:])
        product = sp.Mul(*_factors(rng, level))
        expanded = sp.expand(product)
        if mode == "expand":
            prompt = f"Expand and simplify ${tex(product)}$."
            answer, form = expanded, "expanded"
        else:
            prompt = f"Factor completely over the integers: ${tex(expanded)}$."
            answer, form = sp.factor(expanded), "factored"
        variables = sorted(str(s) for s in expanded.free_symbols)
        return MathItem(f"{prompt}\n{instruction(EXPRESSION)}", tex(answer),
                        {"answer_kind": EXPRESSION, "answer_form": form, "variables": variables},
                        {"product": product, "answer": answer, "form": form})

    def verify(self, item: MathItem) -> bool:
        answer, product = item.objects["answer"], item.objects["product"]
        if sp.expand(answer - product) != 0:
            return False
        if item.objects["form"] == "expanded":
            return answer == sp.expand(answer)
        # Factored: every non-constant factor is irreducible over the rationals.
        _, factors = sp.factor_list(answer)
        return all(sp.Poly(f, *sorted(f.free_symbols, key=str)).is_irreducible for f, _ in factors)

    def capacity(self, params: dict) -> int:
        shapes = _shapes(params["difficulty"])
        return shapes * (2 if params["mode"] == "any" else 1)
