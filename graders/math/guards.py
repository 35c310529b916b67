"""Bounds checked before anything expensive, so no answer can make the grader hang.

Two layers:
- `check_text` looks at the raw answer: length and bracket nesting (a parser
  recursing 10,000 levels deep is refused before it starts);
- `build` turns an *unevaluated* sympy tree (both parsers build with
  evaluation off) into an evaluated one bottom-up, estimating the size of every
  number before sympy computes it. `9^(9^(9^9))` is refused when the estimate
  for `9^387420489` exceeds MAX_INT_BITS, in microseconds, without computing it.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

import sympy

MAX_ANSWER_CHARS = 10_000   # an extracted answer longer than this is refused
MAX_LATEX_CHARS = 2_000     # the ANTLR parser is slow: longer LaTeX is refused
MAX_ITEMS = 200             # members of a set, tuple or list
MAX_TOKENS = 1_500          # plain-text tokens (a 700-term sum is not an answer)
MAX_DEPTH = 60              # bracket nesting ( [ { beyond this is refused
MAX_NODES = 4_000           # sympy tree size
MAX_INT_BITS = 120_000      # about 36,000 digits: 2006! (19,000 bits) passes, (10^8)! does not
MAX_FACTORIAL_ARG = 6_000
MAX_SYMBOLIC_EXPONENT = 120  # (x+1)^n with larger n is not expanded
MAX_EXP_ARGUMENT = 10_000   # exp(x), cosh(x), e^x with |x| beyond this: exp(exp(100)) is refused unevaluated
MAX_PLUS_MINUS = 4          # each \\pm doubles the values read: 4 give 16, 20 would give 2^20
MAX_NESTED_BOXES = 2        # \\boxed inside a box inside a box: layout, never an answer
MAX_SUM_TERMS = 200         # a finite sum in an answer is added term by term up to this many terms
MAX_TRUSTED_SUM_TERMS = 10_000  # a reference (trusted problem data) may sum more


class TooLarge(ValueError):
    """The answer is beyond the grader's bounds; the message says which one."""


class Unsupported(ValueError):
    """The answer uses a construct the grader does not evaluate (e.g. an unevaluated integral)."""


_PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![a-zA-Z])|±|∓")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")


def check_text(text: str) -> None:
    """Refusals that need no parsing: length, bracket depth, `\\pm` chains, nested boxes, arrow notation."""
    if len(text) > MAX_ANSWER_CHARS:
        raise TooLarge(f"too large: answer of {len(text)} characters (limit {MAX_ANSWER_CHARS})")
    if "\\uparrow" in text or "↑" in text:
        raise TooLarge("too large: Knuth arrow notation (tetration) is not evaluated")
    if len(_PLUS_MINUS.findall(text)) > MAX_PLUS_MINUS:
        raise TooLarge(f"too large: more than {MAX_PLUS_MINUS} \\pm signs (2^n values)")
    if len(_BOXED.findall(text)) > MAX_NESTED_BOXES:
        raise TooLarge(f"too large: more than {MAX_NESTED_BOXES} boxes inside the answer")
    depth = 0
    deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    raise TooLarge(f"too large: brackets nested deeper than {MAX_DEPTH}")
        elif ch in ")]}":
            depth -= 1


_MAX_LITERAL_EXPONENT = 1_000


def exact_literal(text: str) -> tuple[int, int]:
    """(numerator, denominator) of a decimal literal such as `2.50`, `3e5`, `1.2E-3`.

    Fraction("1e999999999") would build a billion-digit integer: the exponent
    and the digit count are bounded first.
    """
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > 5_000:
        raise TooLarge(f"too large: a number of {len(mantissa)} digits")
    if exponent and (len(exponent) > 6 or abs(int(exponent)) > _MAX_LITERAL_EXPONENT):
        raise TooLarge("too large: a number with exponent beyond 10^1000")
    value = Fraction(text)
    return value.numerator, value.denominator


def _bits(number: sympy.Expr) -> float:
    """An upper bound on the bits needed to write an exact rational (0 for others)."""
    if number.is_Integer:
        return int(number).bit_length()
    if number.is_Rational:
        return int(number.p).bit_length() + int(number.q).bit_length()
    if number.is_Float:
        return 64.0
    return 0.0


# Calls that are evaluated when their arguments pass the bounds; anything not
# listed here and not a plain atom is refused rather than trusted.
_FUNCTIONS = {
    sympy.sin, sympy.cos, sympy.tan, sympy.cot, sympy.sec, sympy.csc,
    sympy.asin, sympy.acos, sympy.atan, sympy.acot, sympy.asec, sympy.acsc,
    sympy.sinh, sympy.cosh, sympy.tanh, sympy.coth, sympy.asinh, sympy.acosh, sympy.atanh,
    sympy.exp, sympy.log, sympy.Abs, sympy.sign, sympy.floor, sympy.ceiling, sympy.re, sympy.im,
    sympy.conjugate, sympy.arg,
}
_ATOMS = (sympy.Symbol, sympy.Number, sympy.NumberSymbol, sympy.core.numbers.ImaginaryUnit)
_SPECIAL = (sympy.core.numbers.Infinity, sympy.core.numbers.NegativeInfinity,
            sympy.core.numbers.ComplexInfinity, sympy.core.numbers.NaN)


def build(expr, _count=None, trusted: bool = False):
    """Evaluate an unevaluated sympy tree under the bounds above; raise TooLarge/Unsupported.

    `trusted`: the tree is a reference (problem data, not model text): a definite integral is
    evaluated and a finite sum may be longer. A model's sum is added term by term under the same
    bounds as everything else; a model's integral is not evaluated.
    """
    if _count is None:
        _count = [0]
    _count[0] += 1
    if _count[0] > MAX_NODES:
        raise TooLarge(f"too large: more than {MAX_NODES} terms")
    if isinstance(expr, _ATOMS) or isinstance(expr, _SPECIAL):
        if expr.is_Integer and int(expr).bit_length() > MAX_INT_BITS:
            raise TooLarge("too large: integer beyond bounds")
        return expr
    if isinstance(expr, sympy.UnevaluatedExpr):
        return build(expr.args[0], _count, trusted)
    if isinstance(expr, sympy.Sum):
        return _build_sum(expr, _count, trusted)
    if isinstance(expr, sympy.Integral):
        return _build_integral(expr, _count, trusted)
    args = [build(arg, _count, trusted) for arg in expr.args]
    func = expr.func
    if func is sympy.Add:
        return sympy.Add(*args)
    if func is sympy.Mul:
        if sum(_bits(a) for a in args if a.is_number) > MAX_INT_BITS:
            raise TooLarge("too large: product beyond bounds")
        return sympy.Mul(*args)
    if func is sympy.Pow:
        _check_power(*args)
        return sympy.Pow(*args)
    if func in (sympy.factorial, sympy.factorial2):
        (n,) = args
        if n.is_number and n.is_Integer and abs(int(n)) > MAX_FACTORIAL_ARG:
            raise TooLarge(f"too large: factorial of {n}")
        if n.is_number and not n.is_Rational:
            raise Unsupported("factorial of a non-rational number")
        return func(n)
    if func is sympy.binomial:
        n, k = args
        if n.is_number and (not n.is_Integer or abs(int(n)) > MAX_FACTORIAL_ARG):
            raise TooLarge(f"too large: binomial({n}, {k})")
        return sympy.binomial(n, k)
    if func in _GROWING and args[0].is_number:
        _check_exp_argument(args[0])
    if func in _FUNCTIONS:
        return func(*args)
    if func in (sympy.Max, sympy.Min, sympy.gcd, sympy.lcm):
        return func(*args)
    if isinstance(func, sympy.core.function.UndefinedFunction):  # f(2), g(x): kept as written
        return func(*args)
    raise Unsupported(f"{func.__name__} is not a closed-form answer")


def _check_power(base, exponent) -> None:
    if not exponent.is_number:
        return
    if exponent.is_Integer or exponent.is_Rational:
        e = abs(float(exponent)) if abs(exponent) < 10**300 else math.inf
        if base.is_Integer or base.is_Rational:
            if abs(base) in (0, 1):
                return
            if e * max(_bits(base), 1) > MAX_INT_BITS:
                raise TooLarge(f"too large: power with exponent {_short(exponent)}")
            return
        if base.is_number:
            # sqrt(2)^(10^9) becomes 2^(5*10^8) as soon as sympy sees it
            if e > MAX_INT_BITS / 8:
                raise TooLarge(f"too large: power with exponent {_short(exponent)}")
            return
        if not base.is_Symbol and e > MAX_SYMBOLIC_EXPONENT:
            raise TooLarge(f"too large: power of a sum with exponent {_short(exponent)}")
        return
    if base.is_number and not (base.is_Rational and abs(base) <= 1):
        _check_exp_argument(exponent)  # e^{e^{100}}: the exponent's size is bounded like exp's argument
    # other irrational or float exponents stay symbolic; mpmath bounds their evaluation


def _short(value) -> str:
    """A printable hint of a number that may be too long for str() (Python refuses over 4,300 digits)."""
    if value.is_Integer and int(value).bit_length() > 64:
        return f"a {int(value).bit_length()}-bit integer"
    return str(value)


_GROWING = {sympy.exp, sympy.sinh, sympy.cosh}


def _check_exp_argument(argument) -> None:
    """exp(x) for |x| > MAX_EXP_ARGUMENT is refused. The argument was itself built under these
    bounds, so a 15-digit estimate of it is cheap; exp(exp(100)) stops at the second level."""
    try:
        size = abs(complex(sympy.N(argument, 15)))
    except (TypeError, ValueError, ArithmeticError, OverflowError):
        raise TooLarge("too large: exponential of a number that cannot be sized") from None
    if not size <= MAX_EXP_ARGUMENT:  # also catches nan
        raise TooLarge(f"too large: exponential of a number beyond {MAX_EXP_ARGUMENT}")


def _integer_bound(value, trusted: bool):
    if not (value.is_Integer and abs(int(value)) <= 10**9):
        return None
    return int(value)


def _build_sum(expr, count, trusted: bool):
    """sum_{k=a}^{b} f(k): added term by term when a, b are integers and b - a is small; with
    symbolic bounds (a recurrence such as F_n = sum F_k F_{n-k-1}) it stays an unevaluated Sum."""
    body, *limits = expr.args
    if len(limits) != 1 or len(limits[0]) != 3:
        raise Unsupported("a sum without lower and upper bounds is not a closed-form answer")
    var, low, high = (build(x, count, trusted) if i else x for i, x in enumerate(limits[0]))
    lo, hi = _integer_bound(low, trusted), _integer_bound(high, trusted)
    if lo is None or hi is None:
        if low.free_symbols or high.free_symbols:
            return sympy.Sum(build(body, count, trusted), (var, low, high))
        raise Unsupported("a sum with bounds that are not integers")
    limit = MAX_TRUSTED_SUM_TERMS if trusted else MAX_SUM_TERMS
    if hi - lo + 1 > limit:
        raise TooLarge(f"too large: a sum of {hi - lo + 1} terms (limit {limit})")
    terms = [build(body.xreplace({var: sympy.Integer(k)}), count, trusted) for k in range(lo, hi + 1)]
    return sympy.Add(*terms)


def _build_integral(expr, count, trusted: bool):
    """A definite integral in a reference (trusted problem data) is evaluated exactly; in a model's
    answer it is refused: an antiderivative search is unbounded work."""
    if not trusted:
        raise Unsupported("an unevaluated integral is not a closed-form answer")
    body, *limits = expr.args
    if not all(len(limit) == 3 for limit in limits):
        raise Unsupported("an indefinite integral is not a value")
    built = sympy.Integral(build(body, count, trusted),
                           *((v, build(a, count, trusted), build(b, count, trusted)) for v, a, b in limits))
    value = built.doit()
    if value.has(sympy.Integral):
        raise Unsupported("the integral has no closed form")
    return value
