"""An answer's shape, read from its text: what kind of mathematical object was written.

Shapes: Scalar (number or expression), Items (set, tuple or bare list), Interval,
IntervalUnion, Relation (equation or inequality, chains allowed), MatrixAnswer,
Choice (a multiple-choice letter), TextAnswer, EmptySet. Leaves are read by
`parse_plain` when they are plain algebra and by `parse_latex` otherwise, and
evaluated by `guards.build` under its bounds.
"""
from __future__ import annotations

import dataclasses
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
    unit: str = ""  # a known unit written after the number, canonical ("cm^2"); "" when none


@dataclass(frozen=True)
class Items:
    kind: str  # "set" (order-free), "tuple" (ordered), "list" (bare: a, b or "a and b"), "ratio" (a:b)
    items: tuple


@dataclass(frozen=True)
class Labelled:
    """An answer under names: `(p,q)=(3,2)`, `P=(2,-1)`, `AB=4`, `S_1:S_2=7:32`. `names` holds one
    name per member of a tuple value (`("p", "q")`), or the whole label as one name."""
    names: tuple
    value: object


@dataclass(frozen=True)
class ClockTime:
    minutes: int  # since midnight, or since noon/midnight when no am/pm was written
    half_day: str  # "am", "pm" or ""


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
# ", and" is one separator; "(11,7)or(7,11)" joins bracketed members without spaces.
# Blank runs are matched only from their start and taken whole (`(?<!\s)\s++`):
# otherwise every blank of a long run starts a fresh scan of the rest (quadratic).
_LIST_WORDS = re.compile(r",?(?<!\s)\s*+\\text\{\s*+(?:and|or|,)\s*+\}|,?(?<!\s)\s++(?:and|or)\s+"
                         r"|(?<=[)\]])\s*+(?:and|or)\s*+(?=[(\[])|,|;")
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
_LABELLED_CHOICE = re.compile(r"^(?:\(?([A-Ea-e])\)|([A-E])[.:])\s")  # "(B) 12", "B) 12", "C. x = 42"
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


def read_answer(text: str, numeric_hint: bool = False, choice_hint: bool = False, trusted: bool = False):
    """The shape of `text`. `numeric_hint`: the reference is a plain number, so unit words
    after a number are dropped. `trusted`: `text` is a reference (problem data): finite sums and
    definite integrals in it are evaluated (guards.build). Raises NotReadable or guards.TooLarge."""
    guards.check_text(text)
    # Each ± doubles the readings (a + b and a - b, recursively): bound them before
    # a run of them makes the count exponential.
    if len(_PM.findall(text)) > MAX_PLUS_MINUS:
        raise guards.TooLarge(f"too large: more than {MAX_PLUS_MINUS} ± signs")
    cleaned = dataclasses.replace(clean(text), trusted=trusted)
    return _read(cleaned.text, cleaned, numeric_hint, choice_hint)


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?\s*(?:\\text\{\s*)?([ap])?\.?\s*(?:m\.?)?\s*\}?$", re.IGNORECASE)
_RATIO = re.compile(r"(?<![\\:]):(?!=)")
# a name a value is given under: x_1, AB, |AB|, f(x), \frac{NO}{BO}, S_{MBCN}:S, (p, q)
_NAME = r"(?:[A-Za-z]{1,4}(?:_\{?[\w,]+\}?)?(?:'|\^\{?\*\}?)?(?:\([A-Za-z]\))?|\\[a-zA-Z]+(?:_\{?\w+\}?)?)"
_LABEL = re.compile(rf"^\s*(?:{_NAME}|\|{_NAME}\||\\frac\{{{_NAME}\}}\{{{_NAME}\}}|{_NAME}(?:\s*:\s*{_NAME})+"
                    rf"|\(\s*{_NAME}(?:\s*,\s*{_NAME})+\s*\))\s*$")
_DECIMAL_COMMA = re.compile(r"^[-+]?(?:0,\d+|\d+,(?:\d{1,2}|\d{4,}))$")  # 3,75 and 0,111; never 1,234


def _label_names(label: str) -> tuple:
    label = label.strip()
    if label.startswith("(") and label.endswith(")"):
        return tuple(n.strip() for n in label[1:-1].split(","))
    return (re.sub(r"\s+", "", label),)


def _read_labelled(text: str, flags: Cleaned, numeric_hint: bool):
    """`name = value` where the name is not itself algebra; None for equations (`2x + 4y = 3`)."""
    parts = split_top(text, _RELATION)
    if len(parts) != 2 or not _LABEL.match(parts[0]):
        return None
    names = _label_names(parts[0])
    value = _read(parts[1], flags, numeric_hint and len(names) == 1, False)
    if isinstance(value, Scalar) and _is_symbol_text(parts[0]):
        return None  # `x = 2` stays a relation: equivalence reads it as the value 2
    if len(names) > 1 and not (isinstance(value, Items) and len(value.items) == len(names)
                               or isinstance(value, Interval) and len(names) == 2):
        return None
    return Labelled(names, value)


def _read(text: str, flags: Cleaned, numeric_hint: bool, choice_hint: bool):
    text = text.strip()
    if not text:
        raise NotReadable("empty answer")
    if text == "\\emptyset":
        return EmptySet()
    clock = _CLOCK.match(text)
    # "10:00", "09:15", "2:00 pm" are times; "7:32" is a ratio
    if clock and (clock.group(3) or clock.group(2) == "00" or len(clock.group(1)) == 2):
        hours, minutes = int(clock.group(1)), int(clock.group(2))
        if hours <= 24 and minutes <= 59:
            half = (clock.group(3) or "").lower()
            return ClockTime((hours % 12 if half else hours % 24) * 60 + minutes, f"{half}m" if half else "")
    if "=" in text and not _RELATION.sub("", text).count("="):  # only "=" signs, no < >
        labelled = _read_labelled(text, flags, numeric_hint)
        if labelled is not None:
            return labelled
    if text.startswith("{") and text.endswith("}") and _enclosed("(" + text[1:-1] + ")"):
        text = text[1:-1].strip()  # {1,2,3} without backslashes is LaTeX grouping: a list
    if numeric_hint and _DECIMAL_COMMA.match(text):
        return _scalar(text.replace(",", "."), flags)
    if _ALL_REALS.match(text):
        return Interval(-sympy.oo, sympy.oo, False, False)
    unwrapped = unwrap_text(text)
    choice = _CHOICE.match(unwrapped)
    if choice and (choice_hint or unwrapped != text or unwrapped.startswith("(")):
        return Choice(choice.group(1).upper())
    if choice_hint:
        labelled = _LABELLED_CHOICE.match(unwrapped)  # "(B) 12", "B) 12"
        if labelled:
            return Choice((labelled.group(1) or labelled.group(2)).upper())
    combined = _read_matrix_arithmetic(text, flags)
    if combined is not None:
        return combined
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
            # a brace group in a union is a set, with or without backslashes: {1,2} \cup {2,3}
            if isinstance(piece, Items) and piece.kind in ("set", "list") and all(isinstance(i, Scalar)
                                                                                  for i in piece.items):
                intervals.extend(Interval(i.value, i.value, True, True) for i in piece.items)  # {a} = [a, a]
            elif isinstance(piece, Interval):
                intervals.append(piece)
            elif isinstance(piece, EmptySet):
                continue
            else:
                raise NotReadable("a union of things that are not intervals")
        if all(i.lo == i.hi for i in intervals):  # {1,2} \cup {3} is the finite set {1,2,3}
            return Items("set", tuple(Scalar(i.lo) for i in intervals))
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
    parts = split_top(text, _RATIO)
    if len(parts) > 1 and "=" not in text:
        return Items("ratio", tuple(_read_leaf(p, flags, False) for p in parts))
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


_MATRIX_BLOCK = re.compile(r"\\begin\{([pbB]?matrix)\}(.*?)\\end\{\1\}", re.DOTALL)
_MATRIX_PRODUCT = {"", "\\cdot", "\\times"}
MAX_MATRIX_TERMS = 6
MAX_MATRIX_CELLS = 64


def _read_matrix_arithmetic(text: str, flags: Cleaned) -> MatrixAnswer | None:
    """Written-out matrices joined by +, - or a product (`A + B`, `A B`, `A \\cdot B`): the matrix
    they make, computed by sympy on values already read under the guards (nothing a model wrote
    is evaluated as code). None when the text is not such a combination."""
    blocks = list(_MATRIX_BLOCK.finditer(text))
    if len(blocks) < 2 or text[:blocks[0].start()].strip() or text[blocks[-1].end():].strip():
        return None
    ops = [text[a.end():b.start()].strip() for a, b in zip(blocks, blocks[1:])]
    if len(blocks) > MAX_MATRIX_TERMS or any(op not in _MATRIX_PRODUCT | {"+", "-"} for op in ops):
        return None
    matrices = []
    for block in blocks:
        rows = _read_matrix(block.group(2), flags).rows
        if len(rows) * len(rows[0]) > MAX_MATRIX_CELLS:
            raise guards.TooLarge(f"too large: a matrix of more than {MAX_MATRIX_CELLS} cells")
        # Rational and decimal cells only: products of symbolic or irrational cells grow without
        # bound when expanded, a stall a model could choose.
        if not all(isinstance(cell, Scalar) and (cell.value.is_Rational or cell.value.is_Float)
                   for row in rows for cell in row):
            return None
        matrices.append(sympy.Matrix([[cell.value for cell in row] for row in rows]))
    try:
        total, term = sympy.zeros(*matrices[0].shape), matrices[0]
        for op, matrix in zip(ops, matrices[1:]):
            if op in _MATRIX_PRODUCT:
                term = term * matrix
            else:
                total, term = total + term, (matrix if op == "+" else -matrix)
        total = total + term
    except sympy.ShapeError:
        raise NotReadable("matrices of shapes that do not combine") from None
    return MatrixAnswer(tuple(tuple(Scalar(guards.build(v)) for v in row) for row in total.tolist()))


def _read_leaf(text: str, flags: Cleaned, numeric_hint: bool):
    text = unwrap_text(text.strip())
    if not text:
        raise NotReadable("empty expression")
    if _NUMBER.match(text):
        return Scalar(sympy.Rational(*guards.exact_literal(text)), _places(text), flags.percent, flags.degrees)
    if numeric_hint:
        unit = _UNIT_TAIL.match(text)
        if unit:
            return dataclasses.replace(_scalar(unit.group("num"), flags), unit=canonical_unit(unit.group("unit")))
        unit = _EXPRESSION_UNIT_TAIL.match(text) if len(text) <= MAX_UNIT_SCAN else None
        if unit:  # "\frac{1}{3} meters"
            tail = text[len(unit.group("expr")):]
            return dataclasses.replace(_scalar(unit.group("expr"), flags), unit=canonical_unit(tail))
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
    # decimal places count only for a plain decimal literal (the `_NUMBER` path above): "2.5 \\times 10^{-3}"
    # is exact, not a rounding to one place
    return Scalar(guards.build(expr, trusted=flags.trusted), 0, flags.percent, flags.degrees)


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


# Units that change a value when swapped: a known unit on both sides must be the same unit.
_UNIT_NAMES = {
    "mm": "mm", "millimeter": "mm", "millimeters": "mm", "millimetre": "mm", "millimetres": "mm",
    "cm": "cm", "centimeter": "cm", "centimeters": "cm", "centimetre": "cm", "centimetres": "cm",
    "m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m",
    "km": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
    "in": "in", "inch": "in", "inches": "in", "ft": "ft", "foot": "ft", "feet": "ft",
    "yd": "yd", "yard": "yd", "yards": "yd", "mi": "mi", "mile": "mi", "miles": "mi",
    "mg": "mg", "g": "g", "gram": "g", "grams": "g", "kg": "kg", "kilogram": "kg", "kilograms": "kg",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "oz": "oz", "ounce": "oz", "ounces": "oz",
    "ml": "ml", "l": "l", "liter": "l", "liters": "l", "litre": "l", "litres": "l",
    "s": "s", "sec": "s", "second": "s", "seconds": "s", "min": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "year": "year", "years": "year",
}


def canonical_unit(text: str) -> str:
    """"\\ cm^2", " square centimeters" -> "cm^2"; "" for words that are not a known unit."""
    words = re.findall(r"[A-Za-z]+|\^\s*\{?\s*[23]|[²³]", text)
    power = ""
    names = []
    for word in words:
        if word.startswith("^") or word in "²³":
            power = "^" + ("2" if "2" in word or word == "²" else "3")
        elif word.lower() in ("square", "sq"):
            power = "^2"
        elif word.lower() in ("cubic", "cu"):
            power = "^3"
        else:
            names.append(word)
    if len(names) != 1:
        return ""
    name = names[0] if names[0] in _UNIT_NAMES else names[0].lower()
    return _UNIT_NAMES[name] + power if name in _UNIT_NAMES else ""
