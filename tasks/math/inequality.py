"""`math.inequality`: solve an inequality in x; the answer is an interval or a
union of intervals in interval notation.

Levels: 1 linear, 2 compound linear, 3 quadratic, 4 rational (x - a)/(x - b)
or a non-monic quadratic with fractional roots, 5 absolute value or cubic.
The solution set comes from an exact sign analysis: the critical points are
known from construction, the relation is decided at each critical point and
at a rational point inside every gap, and included pieces are merged. Only
problems whose answer is a non-empty proper union of intervals without
isolated points are kept. `verify` asks sympy's `solve_univariate_inequality`.
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import INTERVAL, X, MathItem, MathTask, instruction, nonzero, nonzero_count, tex, tex_intervals

_RELATIONS = (sp.Lt, sp.Le, sp.Gt, sp.Ge)
_SYMBOLS = {sp.Lt: "<", sp.Le: "\\leq", sp.Gt: ">", sp.Ge: "\\geq"}
_NINE = nonzero_count(-9, 9)


def _solution(relation, criticals: list[sp.Rational], poles: set) -> list[sp.Interval] | None:
    """The solution set as disjoint intervals, or None if it is empty, all of R or has an isolated point."""
    cuts = sorted(set(criticals))
    # Alternating pieces: gap, point, gap, ..., point, gap; each gap is tested at an inner rational.
    probes = [cuts[0] - 1] + [(a + b) / 2 for a, b in zip(cuts, cuts[1:])] + [cuts[-1] + 1]
    pieces: list[tuple[str, sp.Rational, bool]] = []
    for i, probe in enumerate(probes):
        pieces.append(("gap", probe, bool(relation.subs(X, probe))))
        if i < len(cuts):
            point = cuts[i]
            pieces.append(("point", point, point not in poles and bool(relation.subs(X, point))))
    if all(included for _, _, included in pieces) or not any(included for _, _, included in pieces):
        return None
    intervals, run = [], []
    for piece in pieces + [("end", None, False)]:
        if piece[2]:
            run.append(piece)
            continue
        if run:
            if len(run) == 1 and run[0][0] == "point":
                return None
            intervals.append(_interval(run, cuts))
            run = []
    return intervals


def _interval(run: list, cuts: list) -> sp.Interval:
    first, last = run[0], run[-1]
    if first[0] == "point":
        start, left_open = first[1], False
    else:
        below = [c for c in cuts if c < first[1]]
        start, left_open = (below[-1] if below else -sp.oo), True
    if last[0] == "point":
        end, right_open = last[1], False
    else:
        above = [c for c in cuts if c > last[1]]
        end, right_open = (above[0] if above else sp.oo), True
    return sp.Interval(start, end, left_open, right_open)


def _build(rng: random.Random, level: int):
    """(relation object, its LaTeX, critical points, poles)."""
    relation_type = rng.choice(_RELATIONS)
    if level == 1:
        a, b, c = nonzero(rng, -9, 9), rng.randint(-20, 20), rng.randint(-20, 20)
        relation = relation_type(a * X + b, c)
        return relation, tex(relation), [sp.Rational(c - b, a)], set()
    if level == 2:
        a, b = nonzero(rng, -9, 9), rng.randint(-9, 9)
        low, high = sorted(rng.sample(range(-20, 21), 2))
        left, right = rng.choice((sp.Lt, sp.Le)), rng.choice((sp.Lt, sp.Le))
        middle = a * X + b
        relation = sp.And(left(low, middle), right(middle, high))
        text = f"{low} {_SYMBOLS[left]} {tex(middle)} {_SYMBOLS[right]} {high}"
        return relation, text, [sp.Rational(low - b, a), sp.Rational(high - b, a)], set()
    if level == 3:
        r1, r2 = rng.sample(range(-9, 10), 2)
        relation = relation_type(sp.expand((X - r1) * (X - r2)), 0)
        return relation, tex(relation), [sp.Integer(r1), sp.Integer(r2)], set()
    if level == 4:
        if rng.random() < 0.5:
            a, b = rng.sample(range(-9, 10), 2)
            relation = relation_type((X - a) / (X - b), 0)
            return relation, tex(relation), [sp.Integer(a), sp.Integer(b)], {sp.Integer(b)}
        p, q = rng.randint(2, 5), nonzero(rng, -9, 9)
        r = rng.randint(-9, 9)
        sign = rng.choice((1, -1))
        relation = relation_type(sp.expand(sign * (p * X - q) * (X - r)), 0)
        return relation, tex(relation), [sp.Rational(q, p), sp.Integer(r)], set()
    if rng.random() < 0.5:
        a, b, c = nonzero(rng, -5, 5), rng.randint(-9, 9), rng.randint(1, 9)
        relation = relation_type(sp.Abs(a * X + b), c)
        return relation, tex(relation), [sp.Rational(-c - b, a), sp.Rational(c - b, a)], set()
    roots = rng.sample(range(-6, 7), 3)
    relation = relation_type(sp.expand((X - roots[0]) * (X - roots[1]) * (X - roots[2])), 0)
    return relation, tex(relation), [sp.Integer(r) for r in roots], set()


@tasks.register("math.inequality")
class Inequality(MathTask):
    name = "math.inequality"
    description = "Solve an inequality in x; answer in interval notation (a union at higher levels)."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        while True:
            relation, text, criticals, poles = _build(rng, params["difficulty"])
            intervals = _solution(relation, criticals, poles)
            if intervals is not None:
                break
        prompt = f"Solve the inequality ${text}$ for real $x$.\n{instruction(INTERVAL)}"
        return MathItem(prompt, tex_intervals(intervals), {"answer_kind": INTERVAL, "variable": "x"},
                        {"relation": relation, "intervals": intervals})

    def verify(self, item: MathItem) -> bool:
        relation = item.objects["relation"]
        parts = relation.args if isinstance(relation, sp.And) else (relation,)
        solved = sp.Intersection(*[sp.solve_univariate_inequality(p, X, relational=False) for p in parts])
        return solved == sp.Union(*item.objects["intervals"])

    def capacity(self, params: dict) -> int:
        return {1: 4 * _NINE * 41 * 41,
                2: _NINE * 19 * (41 * 40 // 2) * 4,
                3: 4 * 19 * 18 // 2,
                4: 4 * (19 * 18 + 4 * _NINE * 19 * 2),
                5: 4 * (nonzero_count(-5, 5) * 19 * 9 + 13 * 12 * 11 // 6)}[params["difficulty"]]
