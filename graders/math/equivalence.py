"""Whether two answers (shapes from `answer.py`) say the same thing. Exact first.

- Numbers: exact (1/2^99 is not 1/2^98; 336.1 is not 336; 1.41 is not sqrt(2)).
  Approximation only as the problem allows: `metadata["tolerance"]`, a relative
  tolerance, or a reference written as a plain decimal (7.78), which anything
  that rounds to it at its written places matches. Integers match exactly.
- Units: a known unit on both sides must be the same unit (336 mm^2 is not 336 cm^2).
- Names: an answer that names its values (`y=2, x=1`) against a reference that
  knows the names (its label, or `metadata["variables"]`) is compared by name.
- Irrational constants: the difference is evaluated to 50 digits; a clear
  difference rejects; a zero difference must then be proven by exact
  simplification (numbers alone never prove equality).
- Expressions with variables: probed at PROBES seeded random points (a cheap
  disproof), then proven by expand / cancel / simplify of the difference.
- Sets order-free, tuples ordered, a bare list takes the reference's kind;
  intervals compare ends and their closedness; unions part by part; an
  inequality in one variable is read as the interval it describes; equations
  compare as `lhs - rhs` up to a nonzero constant factor, and `x = 2` stands for
  2 (a lone variable on one side); a list of several different values never
  matches a single value (hedging).
- Percent, one reading per problem (`metadata["percent"]`): "number" (default:
  the sign is notation, 50% is 50 and never 0.5), "fraction" (50% is 1/2 and
  only that, so 60% answers 3/5), "strict" (the sign must be on both sides).
- Clock times compare as times; ratios a:b proportionally or as the number a/b.
  Degrees: 30° is 30, and also pi/6 when the other side uses pi; a degree mark
  inside a trigonometric function converts to radians (sin 30° = 1/2).
"""
from __future__ import annotations

import random
import re

import sympy

from proctor.graders.math.answer import (Choice, ClockTime, EmptySet, Interval, IntervalUnion, Items, Labelled,
                                         MatrixAnswer, Relation, Scalar, TextAnswer)

PROBES = 4
NUMERIC_DIGITS = 50
MAX_SIMPLIFY_OPS = 250  # sympy.simplify only on differences smaller than this
PERCENT_POLICIES = ("number", "fraction", "strict")
_EMPTY_WORDS = {"no solution", "none", "empty set"}


class Policy:
    def __init__(self, metadata: dict | None):
        metadata = metadata or {}
        self.percent = metadata.get("percent", "number")
        if self.percent not in PERCENT_POLICIES:
            raise ValueError(f"metadata percent={self.percent!r}; allowed: {', '.join(PERCENT_POLICIES)}")
        self.up_to_constant = bool(metadata.get("up_to_constant"))
        tolerance = metadata.get("tolerance")
        if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
                                      or not 0 <= tolerance < 1):
            raise ValueError(f"metadata tolerance={tolerance!r}; allowed: a relative tolerance in [0, 1)")
        self.tolerance = tolerance or None
        variables = metadata.get("variables")
        self.variables = tuple(str(v) for v in variables) if isinstance(variables, (list, tuple)) else ()


def equivalent(ref, ans, policy: Policy) -> bool:
    if ref == ans and not policy.up_to_constant:  # written the same way
        return True
    named = _by_name(ref, ans, policy)
    if named is not None:
        return named
    if isinstance(ref, Labelled):  # `(p,q)=(3,2)` answered `(3,2)`: the value is what is asked
        ref = ref.value
    if isinstance(ans, Labelled):
        ans = ans.value
    if isinstance(ref, ClockTime) or isinstance(ans, ClockTime):
        return isinstance(ref, ClockTime) and isinstance(ans, ClockTime) and _same_time(ref, ans)
    if isinstance(ref, Items) and ref.kind == "ratio" or isinstance(ans, Items) and ans.kind == "ratio":
        return _ratio_vs(ref, ans, policy)
    if isinstance(ans, Items) and len(ans.items) == 1 and not isinstance(ref, Items):
        ans = ans.items[0]
    if isinstance(ref, Items) and len(ref.items) == 1 and not isinstance(ans, (Items, Interval)):
        ref = ref.items[0]
    if isinstance(ref, Scalar):
        return _scalar_vs(ref, ans, policy)
    if isinstance(ref, Relation):
        return _relation_vs(ref, ans, policy)
    if isinstance(ref, (Interval, IntervalUnion)) and not (isinstance(ref, Interval) and ref.bare_pair):
        return _same_intervals(_as_intervals(ref), _as_intervals(ans), policy.tolerance)
    if isinstance(ref, Interval):  # "(a, b)": an open interval or a point, whichever the answer wrote
        if isinstance(ans, Interval) and ans.bare_pair:
            return _same_value(ref.lo, ans.lo) and _same_value(ref.hi, ans.hi)
        pair = Items("tuple", (Scalar(ref.lo), Scalar(ref.hi)))
        return (_same_intervals(_as_intervals(ref), _as_intervals(ans), policy.tolerance)
                or _items_vs(pair, ans, policy))
    if isinstance(ref, Items):
        return _items_vs(ref, ans, policy)
    if isinstance(ref, MatrixAnswer):
        return _matrix_vs(ref, ans, policy)
    if isinstance(ref, Choice):
        if isinstance(ans, Choice):
            return ans.letter == ref.letter
        return isinstance(ans, Scalar) and ans.value == sympy.Symbol(ref.letter)
    if isinstance(ref, EmptySet):
        return (isinstance(ans, EmptySet) or isinstance(ans, Items) and not ans.items
                or isinstance(ans, TextAnswer) and ans.text in _EMPTY_WORDS)
    if isinstance(ref, TextAnswer):
        if isinstance(ans, TextAnswer):
            return ans.text == ref.text
        if isinstance(ans, EmptySet):
            return ref.text in _EMPTY_WORDS
        if isinstance(ans, Scalar) and ans.value.is_Symbol:
            return ans.value.name.lower() == ref.text
        return False
    return False


# -- scalars -------------------------------------------------------------------

def _assigned_value(ans):
    """The value an answer names: `x = 2` -> 2; `2+3 = 5` -> 5; `x^2 - 4 = 0` -> None."""
    if isinstance(ans, Scalar):
        return ans
    if isinstance(ans, Relation) and set(ans.ops) == {"="}:
        first, last = ans.sides[0], ans.sides[-1]
        if len(ans.sides) == 2 and _lone_symbol(first):
            return Scalar(last)
        if len(ans.sides) == 2 and _lone_symbol(last) and not _lone_symbol(first):
            return Scalar(first)
        # A computation ending in its value, `x = 5+5+1 = 11`: the last side is what the answer
        # states, even after a slip on the way (`= 7 = 11`), as a reader takes the last value.
        if all(not s.free_symbols for s in ans.sides[1:]) and (_lone_symbol(first) or not first.free_symbols):
            return Scalar(last)
    return None


def _lone_symbol(expr) -> bool:
    return expr.is_Symbol or (isinstance(expr, sympy.Function) and isinstance(expr.func, sympy.core.function.UndefinedFunction))


def _scalar_vs(ref: Scalar, ans, policy: Policy) -> bool:
    if isinstance(ans, Items):  # several values offered for one: hedging, unless they all agree
        return bool(ans.items) and all(_scalar_vs(ref, item, policy) for item in ans.items)
    if isinstance(ans, Choice):
        return ref.value == sympy.Symbol(ans.letter)
    if isinstance(ans, TextAnswer):
        return ref.value.is_Symbol and ref.value.name.lower() == ans.text
    value = _assigned_value(ans)  # a Scalar answer is its own value
    if value is None:
        return False
    return _same_scalar(ref, value, policy)


def _same_scalar(ref: Scalar, ans: Scalar, policy: Policy) -> bool:
    places = ref.decimal_places if not ref.value.is_Integer else 0  # integers match exactly
    if ref.unit and ans.unit and ref.unit != ans.unit:
        return False  # 336 mm^2 is not 336 cm^2
    if policy.percent == "strict" and ref.percent != ans.percent:
        return False
    ref_value, ans_value = ref.value, ans.value
    if policy.percent == "fraction":  # one reading: 50% is 1/2, and only that
        ref_value = ref_value / 100 if ref.percent else ref_value
        ans_value = ans_value / 100 if ans.percent else ans_value
    candidates = [(ref_value, ans_value)]
    if ref.degrees != ans.degrees:
        if ref.degrees and ans.value.has(sympy.pi):
            candidates.append((ref.value * sympy.pi / 180, ans.value))
        if ans.degrees and ref.value.has(sympy.pi):
            candidates.append((ref.value, ans.value * sympy.pi / 180))
    for a, b in candidates:
        if policy.up_to_constant:
            if _differ_by_constant(a, b):
                return True
        elif _same_value(a, b, places, policy.tolerance):
            return True
    return False


def _same_value(a, b, places: int = 0, tolerance=None) -> bool:
    """a (the reference) == b (the answer) as numbers or expressions.

    Exact unless the policy allows otherwise: `places` > 0 when the reference was itself written as a
    decimal with that many places (an answer that rounds to it is right); `tolerance` is the problem's
    relative tolerance (metadata). Without either, 1.41 is not sqrt(2) and 336.1 is not 336.
    """
    if a == b:
        return True
    if a.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan) or b.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
        return False
    try:
        diff = a - b
    except (TypeError, ValueError):
        return False
    if diff == 0:
        return True
    if diff.has(sympy.Sum):  # a recurrence under symbolic bounds: equal only as written (up to order)
        return False
    if not diff.free_symbols:
        return _same_number(a, b, diff, places, tolerance)
    if tolerance:  # the problem allows approximate coefficients: the probes at its tolerance decide
        return _probe_equal(diff, a, b, tolerance=float(tolerance))
    return _probe_equal(diff, a, b) and _proven_zero(diff)


def _same_number(a, b, diff, places: int, tolerance) -> bool:
    if diff.is_Rational and not places and not tolerance:
        return False  # exact rationals, no allowance: 336.1 is not 336, 0.0833 is not 1/12
    try:
        value = abs(sympy.N(diff, NUMERIC_DIGITS))
        scale = abs(sympy.N(a, NUMERIC_DIGITS))
    except (ValueError, TypeError, ArithmeticError):
        return False
    if not value.is_number or value.has(sympy.nan, sympy.zoo):
        return False
    if tolerance:
        return bool(value <= sympy.Float(tolerance) * (scale if scale else 1))
    if places:  # the reference 7.78 stands for anything that rounds to it
        return bool(value <= sympy.Rational(1, 2 * 10 ** min(places, 40)))
    if value > sympy.Float(10) ** (-NUMERIC_DIGITS + 10) * max(scale, 1):
        return False
    return _proven_zero(diff)


def _proven_zero(diff) -> bool:
    try:
        if sympy.expand(diff) == 0:
            return True
        if sympy.cancel(diff) == 0:
            return True
        if sympy.count_ops(diff) <= MAX_SIMPLIFY_OPS:
            if sympy.simplify(diff) == 0:
                return True
            if sympy.sqrtdenest(sympy.radsimp(diff)) == 0:
                return True
            if sympy.expand(sympy.simplify(sympy.expand_trig(diff))) == 0:
                return True
            # answers are about real variables: sqrt(x^2) is |x| there, not for complex x
            real = {s: sympy.Symbol(s.name, real=True) for s in diff.free_symbols}
            return bool(real) and sympy.simplify(diff.xreplace(real)) == 0
    except (ValueError, TypeError, ArithmeticError, RecursionError, NotImplementedError, AttributeError):
        return False
    return False


def _probe_points(symbols) -> list[dict]:
    rng = random.Random(20260517)  # fixed: the same pair gets the same verdict everywhere
    ordered = sorted(symbols, key=lambda s: s.name)
    # Floats, not Rationals: x^(10^9) at x = 13/10 would be computed exactly
    return [{s: sympy.Float(rng.randint(30, 290) / 100, 30) for s in ordered} for _ in range(PROBES)]


def _probe_equal(diff, a, b, tolerance=None) -> bool:
    """False only when some probe shows a clear difference (a disproof, never a proof)."""
    for point in _probe_points(diff.free_symbols):
        try:
            value = complex(sympy.N(diff.xreplace(point), 30))
            scale = abs(complex(sympy.N(b.xreplace(point), 30)))
        except (TypeError, ValueError, ArithmeticError, OverflowError):
            continue
        if value != value:  # nan: this point is outside a domain
            continue
        bound = (tolerance or 1e-12) * max(scale, 1.0)
        if abs(value) > bound:
            return False
    return True


def _differ_by_constant(a, b) -> bool:
    """Antiderivatives: a - b is free of the variables (a constant C is ignored)."""
    constants = {s for s in (a - b).free_symbols if s.name in ("C", "c", "C_1", "c_1", "K", "k")}
    diff = (a - b).xreplace({c: 0 for c in constants})
    variables = diff.free_symbols
    if not variables:
        return True
    return all(_same_value(sympy.diff(diff, v), sympy.Integer(0)) for v in variables)


# -- collections ---------------------------------------------------------------

def _values(items) -> list:
    """Items with `x = 2` members read as 2."""
    out = []
    for item in items:
        value = _assigned_value(item) if isinstance(item, Relation) else None
        out.append(value if value is not None else item)
    return out


def _items_vs(ref: Items, ans, policy: Policy) -> bool:
    if isinstance(ans, Interval) and ans.bare_pair:
        ans = Items("tuple", (Scalar(ans.lo), Scalar(ans.hi)))
    if isinstance(ans, MatrixAnswer):
        flat = [cell for row in ans.rows for cell in row]
        if len(ans.rows) == 1 or all(len(row) == 1 for row in ans.rows):
            ans = Items("tuple", tuple(flat))
    if isinstance(ans, EmptySet):
        return not ref.items
    if not isinstance(ans, Items):
        ans = Items("list", (ans,))
    if ref.kind == "tuple" and ans.kind == "set" or ref.kind == "set" and ans.kind == "tuple":
        return False
    refs, answers = _values(ref.items), _values(ans.items)
    if ref.kind == "tuple":
        return len(refs) == len(answers) and all(equivalent(r, a, policy) for r, a in zip(refs, answers))
    # sets and lists: every member matched both ways (duplicates do not count twice)
    return (all(any(equivalent(r, a, policy) for a in answers) for r in refs)
            and all(any(equivalent(r, a, policy) for r in refs) for a in answers))


def _matrix_vs(ref: MatrixAnswer, ans, policy: Policy) -> bool:
    if isinstance(ans, MatrixAnswer):
        if len(ans.rows) != len(ref.rows) or len(ans.rows[0]) != len(ref.rows[0]):
            return False
        return all(equivalent(r, a, policy) for rr, ar in zip(ref.rows, ans.rows) for r, a in zip(rr, ar))
    if len(ref.rows) == 1 or all(len(row) == 1 for row in ref.rows):
        return _items_vs(Items("tuple", tuple(c for row in ref.rows for c in row)), ans, policy)
    return False


# -- intervals and relations ---------------------------------------------------

def _as_intervals(answer):
    """The answer as a list of intervals, or None when it does not describe a set of reals."""
    if isinstance(answer, Interval):
        return [answer]
    if isinstance(answer, IntervalUnion):
        return list(answer.parts)
    if isinstance(answer, EmptySet):
        return []
    if isinstance(answer, Relation):
        return _relation_intervals(answer)
    if isinstance(answer, Items) and answer.kind == "list":
        out = []
        for item in answer.items:
            part = _as_intervals(item)
            if part is None:
                return None
            out.extend(part)
        return out
    return None


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _relation_intervals(rel: Relation):
    symbols = set().union(*(s.free_symbols for s in rel.sides))
    if len(symbols) != 1 or "=" in rel.ops or "!=" in rel.ops:
        return None
    (var,) = symbols
    if len(rel.sides) == 3:
        return _chain_intervals(rel, var)
    if len(rel.sides) != 2:
        return None
    left, right = rel.sides
    op = rel.ops[0]
    if right == var and not left.free_symbols:
        left, right, op = right, left, _FLIP[op]
    if left != var or right.free_symbols:
        solved = _solve_linear(left - right, var, op)  # -x > -1, 2x + 1 <= 5
        if solved is None:
            return _solve_small(left, right, op, var)  # |x| >= 2, x^2 < 4
        right, op = solved
    if op in ("<", "<="):
        return [Interval(-sympy.oo, right, False, op == "<=")]
    return [Interval(right, sympy.oo, op == ">=", False)]


def _chain_intervals(rel: Relation, var):
    """`a < M < b` with constant ends. M is the named quantity (`x`, `f(x)`: the range it takes)
    or an expression in one variable (`1 <= |z| <= 3/2`: the values of z where both halves hold)."""
    low, middle, high = rel.sides
    if low.free_symbols or high.free_symbols:
        return None
    low_op, high_op = rel.ops
    if low_op in (">", ">="):  # b > M > a, read from the small end
        if high_op not in (">", ">="):
            return None
        low, high, low_op, high_op = high, low, _FLIP[high_op], _FLIP[low_op]
    elif high_op not in ("<", "<="):
        return None
    if _lone_symbol(middle):
        return [Interval(low, high, low_op == "<=", high_op == "<=")]
    left = _relation_intervals(Relation((low_op,), (low, middle)))
    right = _relation_intervals(Relation((high_op,), (middle, high)))
    if left is None or right is None:
        return None
    both = sympy.Intersection(_as_sympy_set(left), _as_sympy_set(right))
    return _set_intervals(both)


def _as_sympy_set(intervals):
    return sympy.Union(*(sympy.Interval(i.lo, i.hi, not i.left_closed, not i.right_closed) for i in intervals))


MAX_SOLVE_OPS = 40
_RELATIONALS = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge}


def _solve_small(left, right, op, var):
    """The solution set of a small one-variable inequality as intervals, or None."""
    if sympy.count_ops(left - right) > MAX_SOLVE_OPS:
        return None
    try:
        real_var = sympy.Symbol(var.name, real=True)
        relation = _RELATIONALS[op](left.xreplace({var: real_var}), right.xreplace({var: real_var}))
        solution = sympy.solveset(relation, real_var, domain=sympy.S.Reals)
    except (ValueError, TypeError, NotImplementedError, ArithmeticError, RecursionError):
        return None
    return _set_intervals(solution)


def _set_intervals(solution):
    if isinstance(solution, sympy.Interval):
        return [Interval(solution.start, solution.end, not solution.left_open, not solution.right_open)]
    if isinstance(solution, sympy.Union):
        parts = [_set_intervals(arg) for arg in solution.args]
        return None if any(p is None for p in parts) else [i for p in parts for i in p]
    if isinstance(solution, sympy.FiniteSet):
        return [Interval(v, v, True, True) for v in solution.args]
    if solution == sympy.S.EmptySet:
        return []
    return None


def _solve_linear(difference, var, op):
    """`a*var + b op 0` as `var op' bound` when a is a nonzero number, else None."""
    try:
        poly = sympy.Poly(sympy.expand(difference), var)
    except (sympy.PolynomialError, ValueError, TypeError):
        return None
    if poly.degree() != 1:
        return None
    a, b = poly.all_coeffs()
    if not a.is_number or not b.is_number or a == 0 or not a.is_real:
        return None
    return -b / a, (op if a > 0 else _FLIP[op])


def _same_intervals(refs, answers, tolerance=None) -> bool:
    if refs is None or answers is None or len(refs) != len(answers):
        return False
    remaining = list(answers)
    for r in refs:
        for a in remaining:
            if _same_interval(r, a, tolerance):
                remaining.remove(a)
                break
        else:
            return False
    return True


def _same_interval(r: Interval, a: Interval, tolerance=None) -> bool:
    places = r.decimal_places
    if not (_same_value(r.lo, a.lo, places, tolerance) and _same_value(r.hi, a.hi, places, tolerance)):
        return False
    left_ok = r.left_closed == a.left_closed or r.lo == -sympy.oo
    right_ok = r.right_closed == a.right_closed or r.hi == sympy.oo
    return left_ok and right_ok


def _relation_vs(ref: Relation, ans, policy: Policy) -> bool:
    ref_intervals = _relation_intervals(ref)
    if ref_intervals is not None:
        return _same_intervals(ref_intervals, _as_intervals(ans), policy.tolerance)
    if set(ref.ops) == {"="} and len(ref.sides) == 2:
        value = _assigned_value(ref)
        if isinstance(ans, Relation) and set(ans.ops) == {"="} and len(ans.sides) == 2:
            if _same_equation(ref, ans):
                return True
        if value is not None and not isinstance(ans, Relation):
            return _scalar_vs(value, ans, policy)
        if value is not None and isinstance(ans, Relation):  # y = 3x - 2 against f(x) = 3x - 2
            other = _assigned_value(ans)
            return other is not None and _lone_symbol(ans.sides[0]) and _same_scalar(value, other, policy)
        return False
    if isinstance(ans, Relation) and len(ans.ops) == len(ref.ops) == 1:
        return _same_inequality(ref, ans)
    if isinstance(ans, Relation) and ans.ops == ref.ops:  # chains such as f(2) < f(1) < f(4)
        return all(_same_value(r, a) for r, a in zip(ref.sides, ans.sides))
    return False


def _same_equation(ref: Relation, ans: Relation) -> bool:
    d1 = ref.sides[0] - ref.sides[1]
    d2 = ans.sides[0] - ans.sides[1]
    if _same_value(d1, d2) or _same_value(d1, -d2):
        return True
    return _constant_ratio(d1, d2) is not None


def _constant_ratio(d1, d2):
    if d2 == 0:
        return None
    try:
        ratio = sympy.cancel(d1 / d2)
    except (ValueError, TypeError, ArithmeticError):
        return None
    if ratio.free_symbols or ratio == 0 or not ratio.is_number:
        return None
    return ratio


def _same_inequality(ref: Relation, ans: Relation) -> bool:
    def normal(rel):
        op = rel.ops[0]
        left, right = rel.sides
        if op in (">", ">="):
            left, right, op = right, left, _FLIP[op]
        return op, left - right  # left - right < 0 (or <= 0)
    op1, d1 = normal(ref)
    op2, d2 = normal(ans)
    if op1 != op2:
        return False
    if _same_value(d1, d2):
        return True
    ratio = _constant_ratio(d1, d2)
    return ratio is not None and bool(ratio > 0)


# -- names, clock times, ratios --------------------------------------------------

def _name(text) -> str:
    return re.sub(r"[\s{}]", "", str(text))


def _named_values(ans):
    """{name: value} when the answer names every value it gives (`y=2, x=1`, `(x, y) = (1, 2)`);
    None when it names none; False when a name repeats (`x=1, x=2` names x twice)."""
    if isinstance(ans, Labelled):
        if len(ans.names) > 1 and isinstance(ans.value, Items):
            pairs = list(zip(ans.names, ans.value.items))
        elif len(ans.names) == 2 and isinstance(ans.value, Interval):
            pairs = list(zip(ans.names, (Scalar(ans.value.lo), Scalar(ans.value.hi))))
        else:
            pairs = [(ans.names[0], ans.value)]
    elif isinstance(ans, Items) and ans.kind in ("list", "tuple") and ans.items and all(
            isinstance(i, Relation) and i.ops == ("=",) and _lone_symbol(i.sides[0]) for i in ans.items):
        pairs = [(i.sides[0], Scalar(i.sides[1])) for i in ans.items]
    elif isinstance(ans, Relation) and ans.ops == ("=",) and _lone_symbol(ans.sides[0]):
        pairs = [(ans.sides[0], Scalar(ans.sides[1]))]
    else:
        return None
    names = [_name(n) for n, _ in pairs]
    if len(set(names)) != len(names):
        return False
    return dict(zip(names, (v for _, v in pairs)))


def _reference_names(ref, policy: Policy):
    """{name: value} for a reference that names its values, from its own label or metadata["variables"]."""
    if isinstance(ref, Labelled):
        return _named_values(ref) or None
    if policy.variables and isinstance(ref, Items) and ref.kind == "tuple" and len(ref.items) == len(policy.variables):
        return dict(zip((_name(v) for v in policy.variables), ref.items))
    if policy.variables and isinstance(ref, Interval) and ref.bare_pair and len(policy.variables) == 2:
        return dict(zip((_name(v) for v in policy.variables), (Scalar(ref.lo), Scalar(ref.hi))))
    return None


def _by_name(ref, ans, policy: Policy):
    """When the answer names its values and the reference knows the names, the names decide:
    `y=b, x=a` answers (x, y) = (a, b), and `y=a, x=b` or `p=a, q=b` do not. None: names do not apply."""
    expected = _reference_names(ref, policy)
    if not expected or len(expected) < 2 and not isinstance(ref, Labelled):
        return None
    given = _named_values(ans)
    if given is None:
        return None
    if given is False or set(given) != set(expected):
        if len(expected) == 1 and given and len(given) == 1:
            return None  # `AB = 4` answered `x = 4`: one value, named differently; the value decides
        return False
    return all(equivalent(expected[name], given[name], policy) for name in expected)


def _same_time(ref: ClockTime, ans: ClockTime) -> bool:
    def minutes(t: ClockTime) -> int:
        return t.minutes + (720 if t.half_day == "pm" else 0)
    if ref.half_day and ans.half_day or not ref.half_day and not ans.half_day:
        return minutes(ref) == minutes(ans)
    return minutes(ref) % 720 == minutes(ans) % 720  # 2:00 pm answers 14:00


def _ratio_vs(ref, ans, policy: Policy) -> bool:
    """a:b against c:d (proportional) or against the number a/b."""
    def parts(x):
        if isinstance(x, Items) and x.kind == "ratio" and all(isinstance(i, Scalar) for i in x.items):
            return [i.value for i in x.items]
        return None
    r, a = parts(ref), parts(ans)
    if r is not None and a is not None:
        if len(r) != len(a) or any(v == 0 for v in r + a):
            return False
        return all(_same_value(r[i] * a[0], a[i] * r[0]) for i in range(1, len(r)))
    ratio, other = (r, ans) if r is not None else (a, ref)
    if ratio is None or len(ratio) != 2 or ratio[1] == 0 or not isinstance(other, Scalar):
        return False
    value = Scalar(ratio[0] / ratio[1])
    return _same_scalar(value, other, policy) if r is not None else _same_scalar(other, value, policy)
