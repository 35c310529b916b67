"""An answer's shape, read from its text: what kind of mathematical object was written.

Shapes: Scalar (number or expression), Items (set, tuple or bare list), Interval,
IntervalUnion, Relation (equation or inequality, chains allowed), MatrixAnswer,
Choice (a multiple-choice letter), TextAnswer, EmptySet. Leaves are read by
`parse_plain` when they are plain algebra and by `parse_latex` otherwise, and
evaluated by `guards.build` under its bounds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from proctor.graders.math import guards
from proctor.graders.math.normalize import Cleaned, clean, unwrap_text
from proctor.graders.math.parse_latex import LatexSyntaxError, parse_latex
from proctor.graders.math.parse_plain import PlainSyntaxError, parse_plain


class NotReadable(ValueError):
    """The text is not an answer this grader can read."""


@dataclass(frozen=True)
class Scalar:
    value: sympy.Expr
    decimal_places: int = 0  # digits after a written decimal point (0: exact as written)
    percent: bool = False
    degrees: bool = False


@dataclass(frozen=True)
class Items:
    kind: str  # "set" (order-free), "tuple" (ordered), "list" (bare: a, b or "a and b")
    items: tuple


@dataclass(frozen=True)
class Interval:
    lo: sympy.Expr
    hi: sympy.Expr
    left_closed: bool
    right_closed: bool
    bare_pair: bool = False  # written "(a, b)": an open interval or a point
    decimal_places: int = 0  # of the ends as written (2.6667 may stand for 8/3)


@dataclass(frozen=True)
class IntervalUnion:
    parts: tuple


@dataclass(frozen=True)
class Relation:
    ops: tuple   # "=", "<", "<=", ">", ">=", "!="
    sides: tuple  # sympy expressions, len(ops) + 1


@dataclass(frozen=True)
class MatrixAnswer:
    rows: tuple  # tuple of tuples of Scalar


@dataclass(frozen=True)
class Choice:
    letter: str


@dataclass(frozen=True)
class TextAnswer:
    text: str


@dataclass(frozen=True)
class EmptySet:
    pass


# -- top-level scanning -------------------------------------------------------

_OPEN = "([{"
_CLOSE = ")]}"


def _depths(text: str):
    """Yield (index, depth before the char) for every char, counting any bracket kind."""
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "{}":
            yield i, depth
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        yield i, depth
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        i += 1


def split_top(text: str, separators: re.Pattern) -> list[str]:
    """Split at separator matches that sit outside every bracket (at most guards.MAX_ITEMS parts)."""
    depth_at = dict(_depths(text))
    parts, last = [], 0
    for match in separators.finditer(text):
        if depth_at.get(match.start(), 1) == 0:
            parts.append(text[last:match.start()])
            last = match.end()
            if len(parts) >= guards.MAX_ITEMS:
                raise guards.TooLarge(f"too large: more than {guards.MAX_ITEMS} items")
    parts.append(text[last:])
    return [p.strip() for p in parts]


def _enclosed(text: str) -> tuple[str, str, str] | None:
    """(opening, inside, closing) when one bracket pair encloses the whole text."""
    if text.startswith("\\{") and text.endswith("\\}"):
        opening, closing, inner = "\\{", "\\}", text[2:-2]
    elif text[:1] in "([" and text[-1:] in ")]":
        opening, closing, inner = text[0], text[-1], text[1:-1]
    else:
        return None
    # the pair encloses everything only if the inner text never closes below depth 0
    for i, d in _depths(inner):
        ch = inner[i]
        if (ch in _CLOSE or inner.startswith("\\}", i)) and d <= 0:
            return None
    return opening, inner, closing


_COMMA = re.compile(r",|;")
# Blank runs are matched only from their start and taken whole (`(?<!\s)\s++`):
# otherwise every blank of a long run starts a fresh scan of the rest (quadratic).
_LIST_WORDS = re.compile(r"\\text\{\s*+(?:and|or|,)\s*+\}|(?<!\s)\s++(?:and|or)\s+|,|;")
_UNION = re.compile(r"\\cup|∪|(?<!\s)\s++U\s+")
_IN = re.compile(r"\\in(?![a-zA-Z])|∈")
_PM = re.compile(r"\\pm(?![a-zA-Z])|±|\+-|\\mp(?![a-zA-Z])")
MAX_PLUS_MINUS = 4  # a quartic's roots need 2 (±√a ± √b)
_RELATION = re.compile(r"\\leqslant|\\geqslant|\\leq|\\geq|\\le(?![a-zA-Z])|\\ge(?![a-zA-Z])|\\neq|\\ne(?![a-zA-Z])"
                       r"|\\lt(?![a-zA-Z])|\\gt(?![a-zA-Z])|<=|>=|!=|≤|≥|≠|=|<|>")
_REL_NAME = {"\\leqslant": "<=", "\\geqslant": ">=", "\\leq": "<=", "\\geq": ">=", "\\le": "<=", "\\ge": ">=",
             "\\neq": "!=", "\\ne": "!=", "\\lt": "<", "\\gt": ">", "<=": "<=", ">=": ">=", "!=": "!=",
             "≤": "<=", "≥": ">=", "≠": "!=", "=": "=", "<": "<", ">": ">"}
_MATRIX = re.compile(r"^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$", re.DOTALL)
_CHOICE = re.compile(r"^\(?\s*+([A-Ea-e])\s*+\)?+(?:\s*+[.:)]?+\s*+$)")
_ALL_REALS = re.compile(r"^(?:\\mathbb\s*\{?R\}?|ℝ|\\R|(?:\\text\{)?\s*all real numbers\s*\}?)$", re.IGNORECASE)
_NUMBER_WORDS = {word: i for i, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_LABELLED_CHOICE = re.compile(r"^\(?([A-Ea-e])\)\s")
_THOUSANDS_NUMBER = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
# `\d++(?:\.\d*+)?` and not `\d+\.?\d*`: the latter splits a digit run two ways (quadratic on a miss).
_NUMBER = re.compile(r"^[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?$")
# A number followed by unit words ("12 cm^2", "45 minutes", "60 km/h"). Words that are
# math (pi, e, i, ln, sin...) are never units, and single letters only when they are
# common unit symbols, so "3 e^{3}" and "2 pi" stay numbers to compute.
_MATH_WORDS = r"(?!(?:pi|e|i|ln|log|sin|cos|tan|cot|sec|csc|exp|sqrt|oo|inf|infty|infinity)\b)"
_UNIT_WORD = rf"{_MATH_WORDS}(?:[A-Za-z]{{2,}}|[mgsLhKAVWNJ]\b)(?:/[A-Za-z]+)?\.?(?:\^?\{{?[23]\}}?|²|³)?"
_EXPRESSION_UNIT_TAIL = re.compile(rf"^(?P<expr>.*[\d}}])\s+{_UNIT_WORD}(?:\s+{_UNIT_WORD}){{0,2}}$")
MAX_UNIT_SCAN = 300  # the expression-then-units pattern backtracks: only short answers are tried
_UNIT_TAIL = re.compile(rf"^(?P<num>[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:\s*+/\s*+\d++)?)(?P<unit>\s*+{_UNIT_WORD}(?:\s++{_UNIT_WORD})*)$")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z' -]*$")


def read_answer(text: str, numeric_hint: bool = False, choice_hint: bool = False):
    """The shape of `text`. `numeric_hint`: the reference is a plain number, so unit words
    after a number are dropped. Raises NotReadable or guards.TooLarge."""
    guards.check_text(text)
    # Each ± doubles the readings (a + b and a - b, recursively): bound them before
    # a run of them makes the count exponential.
    if len(_PM.findall(text)) > MAX_PLUS_MINUS:
        raise guards.TooLarge(f"too large: more than {MAX_PLUS_MINUS} ± signs")
    cleaned = clean(text)
    return _read(cleaned.text, cleaned, numeric_hint, choice_hint)


def _read(text: str, flags: Cleaned, numeric_hint: bool, choice_hint: bool):
    text = text.strip()
    if not text:
        raise NotReadable("empty answer")
    if text == "\\emptyset":
        return EmptySet()
    if _ALL_REALS.match(text):
        return Interval(-sympy.oo, sympy.oo, False, False)
    unwrapped = unwrap_text(text)
    choice = _CHOICE.match(unwrapped)
    if choice and (choice_hint or unwrapped != text or unwrapped.startswith("(")):
        return Choice(choice.group(1).upper())
    if choice_hint:
        labelled = _LABELLED_CHOICE.match(unwrapped)  # "(B) 12", "B) 12"
        if labelled:
            return Choice(labelled.group(1).upper())
    matrix = _MATRIX.match(text)
    if not matrix and text[:1] in "([" and text[-1:] in ")]":
        matrix = _MATRIX.match(text[1:-1].strip())  # \left[\begin{array}...\end{array}\right]
    if matrix:
        return _read_matrix(matrix.group(2), flags)
    parts = split_top(text, _UNION)
    if len(parts) > 1:
        intervals = []
        for part in parts:
            piece = _read(part, flags, False, False)
            if isinstance(piece, Items) and piece.kind == "set" and all(isinstance(i, Scalar) for i in piece.items):
                intervals.extend(Interval(i.value, i.value, True, True) for i in piece.items)  # {a} = [a, a]
            elif isinstance(piece, Interval):
                intervals.append(piece)
            else:
                raise NotReadable("a union of things that are not intervals")
        return IntervalUnion(tuple(intervals))
    parts = split_top(text, _IN)
    if len(parts) == 2 and _is_symbol_text(parts[0]):
        return _read(parts[1], flags, numeric_hint, choice_hint)
    enclosed = _enclosed(text)
    if enclosed:
        opening, inner, closing = enclosed
        items = split_top(inner, _COMMA)
        if opening == "\\{":
            if len(items) == 1 and not items[0]:
                return EmptySet()
            return Items("set", _flatten(_read(p, flags, numeric_hint, False) for p in items))
        if len(items) == 2:  # "(12,102)" in brackets is a pair, never twelve thousand
            lo = _read(items[0], flags, False, False)
            hi = _read(items[1], flags, False, False)
            if isinstance(lo, Scalar) and isinstance(hi, Scalar):
                return Interval(lo.value, hi.value, opening == "[", closing == "]",
                                bare_pair=(opening, closing) == ("(", ")"),
                                decimal_places=max(lo.decimal_places, hi.decimal_places))
            return Items("tuple", (lo, hi))
        if len(items) > 2:
            return Items("tuple", tuple(_read(p, flags, False, False) for p in items))
    if numeric_hint and _THOUSANDS_NUMBER.match(text):
        return _scalar(text.replace(",", ""), flags)
    if _PM.search(text) and len(split_top(text, _COMMA)) == 1:
        match = _PM.search(text)
        minus_first = match.group(0) == "\\mp"
        first = text[:match.start()] + ("-" if minus_first else "+") + text[match.end():]
        second = text[:match.start()] + ("+" if minus_first else "-") + text[match.end():]
        return Items("set", (_read(first, flags, numeric_hint, False), _read(second, flags, numeric_hint, False)))
    parts = split_top(text, _LIST_WORDS)
    if len(parts) > 1:
        if not all(parts):
            raise NotReadable("empty item in a list")
        return Items("list", _flatten(_read(p, flags, numeric_hint, False) for p in parts))
    relation = _read_relation(text, flags)
    if relation is not None:
        return relation
    return _read_leaf(text, flags, numeric_hint)


def _flatten(items) -> tuple:
    """{1 \\pm \\sqrt{5}, -2} lists three members: a `\\pm` inside a set or list adds both values."""
    out = []
    for item in items:
        if isinstance(item, Items) and item.kind == "set":
            out.extend(item.items)
        else:
            out.append(item)
    return tuple(out)


def _is_symbol_text(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z](?:_\{?\w+\}?)?|\\[a-zA-Z]+", text.strip()))


def _read_relation(text: str, flags: Cleaned):
    depth_at = dict(_depths(text))
    ops, sides, last = [], [], 0
    for match in _RELATION.finditer(text):
        if depth_at.get(match.start(), 1) != 0:
            continue
        sides.append(text[last:match.start()])
        ops.append(_REL_NAME[match.group(0)])
        last = match.end()
    if not ops:
        return None
    sides.append(text[last:])
    values = []
    for side in sides:
        leaf = _read_leaf(side, flags, False)
        if not isinstance(leaf, Scalar):
            raise NotReadable("a relation between things that are not expressions")
        values.append(leaf.value)
    return Relation(tuple(ops), tuple(values))


def _read_matrix(body: str, flags: Cleaned) -> MatrixAnswer:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    if not rows:
        raise NotReadable("empty matrix")
    table = tuple(tuple(_read_leaf(cell, flags, False) for cell in row.split("&")) for row in rows)
    if len({len(r) for r in table}) != 1:
        raise NotReadable("matrix rows of different lengths")
    return MatrixAnswer(table)


def _read_leaf(text: str, flags: Cleaned, numeric_hint: bool):
    text = unwrap_text(text.strip())
    if not text:
        raise NotReadable("empty expression")
    if _NUMBER.match(text):
        return Scalar(sympy.Rational(*guards.exact_literal(text)), _places(text), flags.percent, flags.degrees)
    if numeric_hint:
        unit = _UNIT_TAIL.match(text)
        if unit:
            return _scalar(unit.group("num"), flags)
        unit = _EXPRESSION_UNIT_TAIL.match(text) if len(text) <= MAX_UNIT_SCAN else None
        if unit:  # "\frac{1}{3} meters"
            text = unit.group("expr")
    if numeric_hint and text.lower() in _NUMBER_WORDS:
        return Scalar(sympy.Integer(_NUMBER_WORDS[text.lower()]), 0, flags.percent, flags.degrees)
    if _WORDS.match(text) and re.search(r"[A-Za-z]{3,}", text):
        return TextAnswer(normalize_words(text))
    for word in _PROSE_WORD.findall(text):
        if word.lower() not in _MATH_NAMES:
            raise NotReadable(f"prose, not a formula ({word!r})")  # latex2sympy2 would multiply the letters
    return _scalar(text, flags)


_PROSE_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{4,}")
_MATH_NAMES = {"sqrt", "infty", "infinity", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "frac", "dfrac",
               "cdot", "times", "left", "right", "circ", "text", "mathrm"}


def _scalar(text: str, flags: Cleaned) -> Scalar:
    try:
        if "\\" in text or "{" in text:
            expr, decimal = parse_latex(text)
        else:
            try:
                expr, decimal = parse_plain(text)
            except PlainSyntaxError:
                expr, decimal = parse_latex(text)
    except (PlainSyntaxError, LatexSyntaxError) as exc:
        raise NotReadable(str(exc)) from None
    if not isinstance(expr, sympy.Expr):
        raise NotReadable(f"not an expression: {type(expr).__name__}")
    return Scalar(guards.build(expr), _places(text) if decimal else 0, flags.percent, flags.degrees)


_DECIMAL_PART = re.compile(r"\d\.(\d+)|(?<!\d)\.(\d+)")


def _places(text: str) -> int:
    """Digits after the longest written decimal point: the precision the writer claimed."""
    return max((len(m.group(1) or m.group(2)) for m in _DECIMAL_PART.finditer(text)), default=0)


_ARTICLES = re.compile(r"\b(?:the|a|an)\b")


# spellings a human grader treats as one answer
_SYNONYMS = {"dne": "does not exist", "doesn t exist": "does not exist", "undefined": "does not exist",
             "no solutions": "no solution", "no real solutions": "no solution", "no real solution": "no solution",
             "yes": "yes", "true": "yes", "no": "no", "false": "no"}


def normalize_words(text: str) -> str:
    text = unwrap_text(text).lower()
    text = _ARTICLES.sub(" ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = " ".join(text.split())
    return _SYNONYMS.get(text, text)
