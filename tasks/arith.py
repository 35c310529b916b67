"""`arith.integer`: integer arithmetic expressions, graded by `numeric`.

Difficulty sets operand size, operator count and whether parentheses appear;
`ops` and `digits` override it (0 keeps the level's value).
"""
from __future__ import annotations

import math
import random

from proctor import tasks
from proctor.tasks.base import Param, Task

# level: (operators, digits, operator set, parentheses, negative operands)
LEVELS = {
    1: (1, 1, "+-", False, False),
    2: (2, 1, "+-*", False, False),
    3: (3, 2, "+-*", True, False),
    4: (4, 2, "+-*", True, True),
    5: (5, 3, "+-*", True, True),
}


def _shape(params: dict) -> tuple[int, int, str, bool, bool]:
    ops, digits, operators, parens, negative = LEVELS[params["difficulty"]]
    return (params["ops"] or ops, params["digits"] or digits, operators, parens, negative)


def _operand(rng: random.Random, digits: int, negative: bool) -> int:
    value = rng.randint(1, 10 ** digits - 1)
    return -value if negative and rng.random() < 0.25 else value


def _show(value: int) -> str:
    return f"({value})" if value < 0 else str(value)


@tasks.register("arith.integer")
class IntegerArithmetic(Task):
    name = "arith.integer"
    grader = "numeric"
    description = "Evaluate an integer arithmetic expression (+, -, *, parentheses)."
    params = (
        Param(name="difficulty", type=int, default=1, low=1, high=5,
              help="1: one +/- on digits ... 5: five operators, 3 digits, parentheses, negatives"),
        Param(name="ops", type=int, default=0, low=0, high=8, help="operator count; 0 = set by difficulty"),
        Param(name="digits", type=int, default=0, low=0, high=6, help="operand digits; 0 = set by difficulty"),
    )

    def make(self, rng: random.Random, params: dict) -> tuple[str, int]:
        ops, digits, operators, parens, negative = _shape(params)
        # Built as text and value together, so the reference never comes from
        # evaluating a string.
        terms = [(_show(v), v) for v in (_operand(rng, digits, negative) for _ in range(ops + 1))]
        if parens:
            while len(terms) > 1:
                i = rng.randrange(len(terms) - 1)
                op = rng.choice(operators)
                (ta, va), (tb, vb) = terms[i], terms[i + 1]
                value = va + vb if op == "+" else va - vb if op == "-" else va * vb
                text = f"{ta} {op} {tb}"
                terms[i:i + 2] = [(text if len(terms) == 2 else f"({text})", value)]
            text, value = terms[0]
        else:
            chosen = [rng.choice(operators) for _ in range(ops)]
            text = terms[0][0]
            for op, (term, _) in zip(chosen, terms[1:]):
                text += f" {op} {term}"
            value = _evaluate_flat([v for _, v in terms], chosen)
        prompt = (f"Compute the value of {text}.\n"
                  "Give your final answer as an integer in \\boxed{}.")
        return prompt, value

    def capacity(self, params: dict) -> int | None:
        ops, digits, operators, parens, negative = _shape(params)
        operands = (10 ** digits - 1) * (2 if negative else 1)
        # Parenthesised forms: every binary tree over the operands (Catalan number).
        shapes = math.comb(2 * ops, ops) // (ops + 1) if parens else 1
        return operands ** (ops + 1) * len(operators) ** ops * shapes


def _evaluate_flat(values: list[int], ops: list[str]) -> int:
    """Standard precedence: products first, then left-to-right sums."""
    total, product = 0, values[0]
    sign = 1
    for op, value in zip(ops, values[1:]):
        if op == "*":
            product *= value
        else:
            total += sign * product
            sign = 1 if op == "+" else -1
            product = value
    return total + sign * product
