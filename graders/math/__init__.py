"""The `math` grader: free-text answers compared with a LaTeX or plain reference.

Modules, one job each:
  extract      where in a completion the final answer is
  normalize    LaTeX/plain clean-up of an answer's text (units, currency, wrappers)
  guards       bounds on size, depth and magnitude, checked before anything expensive
  parse_plain  plain text -> sympy, through an `ast` node whitelist (nothing is run)
  parse_latex  LaTeX -> sympy, through latex2sympy2_extended's ANTLR grammar
  answer       an answer's shape: number/expression, set, tuple, interval, relation, matrix, text
  equivalence  whether two answers of those shapes are the same
  grader       the registered `math` grader
"""
