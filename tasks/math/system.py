"""`math.system`: a system of two (levels 1-3) or three (levels 4-5) linear
equations with a unique solution; the answer is the ordered tuple (x, y[, z]).

Integer solutions are drawn and the right-hand sides computed; at levels 3
and 5 the right-hand sides are drawn instead and sympy solves the system
exactly, which gives fractional solutions.
"""
from __future__ import annotations

import random

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import TUPLE, X, Y, Z, MathItem, MathTask, tex, tex_tuple

# level: (unknowns, coefficient range, solution or right-hand side range, solution drawn)
LEVELS = {
    1: (2, (1, 5), (-5, 5), True),
    2: (2, (-9, 9), (-10, 10), True),
    3: (2, (-9, 9), (-20, 20), False),
    4: (3, (-5, 5), (-6, 6), True),
    5: (3, (-5, 5), (-20, 20), False),
}


@tasks.register("math.system")
class LinearSystem(MathTask):
    name = "math.system"
    description = "Solve a system of 2 or 3 linear equations; the answer is an ordered tuple."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        size, (c_low, c_high), (v_low, v_high), solution_drawn = LEVELS[params["difficulty"]]
        unknowns = (X, Y, Z)[:size]
        while True:
            matrix = sp.Matrix(size, size, lambda i, j: rng.randint(c_low, c_high))
            # An equation in a single unknown hands over part of the answer; a zero
            # determinant would leave no unique solution.
            if all(sum(1 for j in range(size) if matrix[i, j]) >= 2 for i in range(size)) and matrix.det() != 0:
                break
        if solution_drawn:
            solution = sp.Matrix([rng.randint(v_low, v_high) for _ in range(size)])
            rhs = matrix * solution
        else:
            rhs = sp.Matrix([rng.randint(v_low, v_high) for _ in range(size)])
            solution = matrix.LUsolve(rhs)
        # Unevaluated: sympy would otherwise spend most of the draw deciding whether each equation holds.
        equations = [sp.Eq(sum(matrix[i, j] * unknowns[j] for j in range(size)), rhs[i], evaluate=False)
                     for i in range(size)]
        shown = " \\\\ ".join(tex(e) for e in equations)
        order = tex_tuple(unknowns)
        prompt = (f"Solve the system of equations\n$$\\begin{{cases}} {shown} \\end{{cases}}$$\n"
                  f"Give your final answer as the ordered tuple ${order}$ in \\boxed{{}}.")
        return MathItem(prompt, tex_tuple(solution), {"answer_kind": TUPLE, "variables": [str(s) for s in unknowns]},
                        {"equations": equations, "unknowns": unknowns, "solution": tuple(solution)})

    def verify(self, item: MathItem) -> bool:
        return sp.linsolve(item.objects["equations"], list(item.objects["unknowns"])) == sp.FiniteSet(
            item.objects["solution"])

    def capacity(self, params: dict) -> int:
        size, (c_low, c_high), (v_low, v_high), _ = LEVELS[params["difficulty"]]
        return (c_high - c_low + 1) ** (size * size) * (v_high - v_low + 1) ** size
