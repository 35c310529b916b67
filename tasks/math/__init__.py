"""Math task families, all graded by the `math` grader, difficulty 1-5.

  math.arithmetic   integers, fractions, decimals, order of operations, powers
  math.linear       one linear equation in x
  math.quadratic    solution set of a quadratic (complex roots at level 5)
  math.system       2 or 3 linear equations; an ordered tuple
  math.polynomial   expand or factor (param mode)
  math.derivative   f'(x); at level 5 also f''(x) or f'(a)
  math.integral     definite (a number) or indefinite (an antiderivative; param kind)
  math.limit        finite limits, two-sided at finite points
  math.inequality   an interval or a union of intervals
  math.word         word problems with units

The contract with the grader. `Problem.reference` is a LaTeX string printed
by sympy from exact objects (never parsed from text); `\\ln` is the natural
log, `i` the imaginary unit, `e` Euler's number, `\\pi` pi, `\\infty` infinity.
`Problem.metadata` holds, next to the harness's seed/index/params keys:

  answer_kind     "number" | "expression" | "set" | "tuple" | "interval": how to
                  read the reference. "(1, 2)" is an ordered pair under "tuple"
                  (math.system) and an open interval under "interval"
                  (math.inequality).
                  set:      "\\{a, b\\}", elements ordered by (real, imaginary) part
                  tuple:    "(a, b)" or "(a, b, c)", in the order of `variables`
                  interval: "(-\\infty, 3]", "(a, b) \\cup [c, \\infty)": disjoint,
                            left to right, no isolated points, never empty or all of R
  variable        "x" for families whose answer concerns one variable
  variables       math.system: ["x", "y"] or ["x", "y", "z"] (the tuple order);
                  math.polynomial: the symbols in the polynomial, sorted
  antiderivative  true on indefinite integrals (math.integral, kind indefinite):
  up_to_constant  any F + C with C free of `variable` is correct; the reference
                  has no constant. Both keys are set; `up_to_constant` is the
                  policy key the `math` grader reads.
  answer_form     math.polynomial: "expanded" or "factored"; which form was
                  asked for (an equal expression in the other form does not
                  answer the question)
  unit            math.word: the unit of the answer ("km", "dollars", "m^2", ...);
                  the reference is the bare number

Every module exposes its family's `verify(item)`, a second, independent
derivation of the answer used by tests/test_math_tasks.py.
"""
