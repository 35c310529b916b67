"""`math.arithmetic`: exact arithmetic on integers, fractions and decimals with
order of operations (and powers at level 5).

The expression is a random binary tree built as text and exact value together,
so the reference never comes from evaluating a string; parentheses are printed
only where precedence needs them, so reading the order of operations is part of
the task.
"""
from __future__ import annotations

import math
import operator
import random
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import NUMBER, MathItem, MathTask, instruction, tex, to_sympy

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SYMBOL = {"+": "+", "-": "-", "*": "\\times", "/": "\\div"}
_APPLY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}  # exact on Fraction


@dataclass(frozen=True)
class _Node:
    text: str
    value: Fraction
    precedence: int  # 3 for atoms


def _int_atom(n: int) -> _Node:
    return _Node(str(n) if n >= 0 else f"({n})", Fraction(n), 3)


def _fraction_atom(p: int, q: int) -> _Node:
    text = f"\\frac{{{abs(p)}}}{{{q}}}"
    return _Node(text if p > 0 else f"\\left(-{text}\\right)", Fraction(p, q), 3)


def _decimal_atom(tenths: int, places: int) -> _Node:
    value = Fraction(tenths, 10 ** places)
    return _Node(f"{tenths / 10 ** places:.{places}f}", value, 3)


def _power_atom(base: Fraction, exponent: int) -> _Node:
    if base.denominator == 1 and base > 0:
        return _Node(f"{base}^{{{exponent}}}", base ** exponent, 3)
    bare = str(base.numerator) if base.denominator == 1 else (
        f"{'-' if base < 0 else ''}\\frac{{{abs(base.numerator)}}}{{{base.denominator}}}")
    return _Node(f"\\left({bare}\\right)^{{{exponent}}}", base ** exponent, 3)


def _dedup(atoms: list[_Node]) -> tuple[_Node, ...]:
    seen: dict[str, _Node] = {}
    for atom in atoms:
        seen.setdefault(atom.text, atom)
    return tuple(seen.values())


_INTS_SMALL = _dedup([_int_atom(n) for n in range(1, 13)])
_INTS_SIGNED = _dedup([_int_atom(n) for n in range(-20, 21) if n])
_FRACTIONS = _dedup([_fraction_atom(p, q) for q in range(2, 10) for p in range(-9, 10)
                     if p and math.gcd(p, q) == 1])
_POS_FRACTIONS = tuple(a for a in _FRACTIONS if a.value > 0)
_DECIMALS = _dedup([_decimal_atom(t, 1) for t in range(1, 100) if t % 10]
                   + [_decimal_atom(t, 2) for t in range(5, 100, 5) if t % 10])
_POWERS = _dedup([_power_atom(Fraction(p, q), e)
                  for p, q in ((2, 1), (3, 1), (4, 1), (5, 1), (-2, 1), (-3, 1), (1, 2), (2, 3), (3, 2), (-1, 2), (1, 3))
                  for e in (2, 3)])

# level: (operand count, operand pool, operators, one power among the operands)
LEVELS = {
    1: (3, _INTS_SMALL, "+-*", False),
    2: (4, _INTS_SIGNED, "+-*/", False),
    3: (3, _INTS_SMALL + _POS_FRACTIONS, "+-*/", False),
    4: (4, _DECIMALS + _POS_FRACTIONS + _INTS_SMALL, "+-*/", False),
    5: (5, _FRACTIONS + _INTS_SIGNED, "+-*/", True),
}


def _combine(op: str, left: _Node, right: _Node) -> _Node | None:
    if op == "/" and right.value == 0:
        return None
    prec = _PRECEDENCE[op]
    left_text = left.text if left.precedence >= prec else f"\\left({left.text}\\right)"
    # The right operand of - and / changes meaning without parentheses even at equal precedence.
    right_wrapped = right.precedence < prec or (right.precedence == prec and op in "-/")
    right_text = f"\\left({right.text}\\right)" if right_wrapped else right.text
    return _Node(f"{left_text} {_SYMBOL[op]} {right_text}", _APPLY[op](left.value, right.value), prec)


@tasks.register("math.arithmetic")
class Arithmetic(MathTask):
    name = "math.arithmetic"
    description = "Evaluate an expression of integers, fractions and decimals exactly, respecting order of operations."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        count, pool, operators, power = LEVELS[params["difficulty"]]
        while True:
            nodes = [rng.choice(pool) for _ in range(count)]
            if power:
                nodes[rng.randrange(count)] = rng.choice(_POWERS)
            operands = list(nodes)
            while len(nodes) > 1:
                i = rng.randrange(len(nodes) - 1)
                merged = _combine(rng.choice(operators), nodes[i], nodes[i + 1])
                if merged is None:
                    break
                nodes[i:i + 2] = [merged]
            if len(nodes) == 1:
                break
        value = to_sympy(nodes[0].value)
        prompt = f"Compute ${nodes[0].text}$.\n{instruction(NUMBER)}"
        return MathItem(prompt, tex(value), {"answer_kind": NUMBER}, {"value": value, "text": nodes[0].text,
                                                                        "operands": operands})

    def verify(self, item: MathItem) -> bool:
        # Independent route: a LaTeX parser reading our own (trusted) prompt text.
        from latex2sympy2_extended import latex2sympy  # test-only, heavy
        parsed = latex2sympy(item.objects["text"]).doit()
        # The parser reads decimals as 15-digit floats, so exactness is out of reach here.
        value = item.objects["value"]
        return abs(sp.N(parsed - value, 30)) <= 1e-12 * max(1, abs(value))

    def capacity(self, params: dict) -> int:
        count, pool, operators, power = LEVELS[params["difficulty"]]
        trees = math.comb(2 * (count - 1), count - 1) // count  # Catalan(count - 1)
        atoms = len(pool) + (len(_POWERS) if power else 0)
        return atoms ** count * len(operators) ** (count - 1) * trees
