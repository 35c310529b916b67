"""Where the final answer is in a model's free text.

1. The last `\\boxed{...}` / `\\fbox{...}` with balanced braces. Boxes placed
   side by side, separated only by connectors ("and", "or", commas, `x =`,
   `\\quad`), form one answer listing its parts (`\\boxed{-2} and \\boxed{1}`);
   a box after further reasoning replaces the earlier ones. A last `\\boxed{`
   that never closes (a truncated output) is unparsable: it never falls back
   to an earlier box.
2. Else the rest of the line after the last "final answer is" / "answer is" /
   "Answer:" (up to the end of its sentence).
3. Else the last math span (`$...$`, `\\(...\\)`, `\\[...\\]`) or the last number
   in the final 4,000 characters, whichever ends later.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from proctor.graders.extract import GSM8K_MARKER, boxed_spans

MAX_GAP = 80  # characters between side-by-side boxes
MAX_GROUP_CHARS = 20_000  # beyond this the joined answer is refused as too large anyway
TAIL_CHARS = 4_000  # the last-math/last-number fallback looks only at the end of the text
_CONNECTOR = re.compile(
    r"^(?:\s|[,;.$&]|\\quad|\\qquad|\\,|\\;|\\text\{[^{}]{0,20}\}|\band\b|\bor\b|\\text\s*or"
    r"|\b[a-zA-Z](?:_\{?\d+\}?)?\s*=|\\\\)*$"
)
_STATEMENT = re.compile(rf"\b(?:final answer|answer|correct (?:choice|option))\b\s*(?:is\b|:|=)\s*:?|{GSM8K_MARKER}",
                        re.IGNORECASE | re.MULTILINE)
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])|\.\s*$")
MAX_SPAN_CHARS = 2_000  # of one math span's content
_DOLLAR = re.compile(r"\$")
# A number as models write one: 1,234 / 12 500 / 12\,500 / -2.5 / .25 / 3,75 (decimal comma) / 6.02e23 / 3/4.
# The grader also takes it from a prose answer statement; `plain_number` spells it for the reader.
NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d{1,3}(?:(?:,|\\,|\\ |\u2009|\u202f| )\d{3})+(?![\d,])|\d+|(?=\.\d))"
    r"(?:\.\d+|,\d{1,2}(?![\d,])|,\d{4,}(?![\d,]))?(?:[eE][-+]?\d{1,4}(?![\w.]))?(?:\s*/\s*\d+)?")
_GROUPING = re.compile(r"(?<=\d)(?:,|\\,|\\ |\u2009|\u202f| )(?=\d{3}(?!\d))")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}$|\d{4,}$)")


def plain_number(text: str) -> str:
    """A NUMBER match as the reader takes it: "12 500" -> "12500", "3,75" -> "3.75", ".25" stays."""
    text = _GROUPING.sub("", text.strip())
    return _DECIMAL_COMMA.sub(".", text)
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


@dataclass(frozen=True)
class Found:
    text: str
    source: str  # "boxed", "boxes side by side", "answer statement", "whole answer", "last math", "last number"


_PROSE_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}")
_MATH_WORDS = {"and", "sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "abs", "max", "min", "gcd", "lcm",
               "mod", "pmod", "cup", "cap", "neq", "leq", "geq", "dots", "ldots", "cdots", "pi", "mathbb", "textbf",
               "operatorname", "tfrac", "mbox", "sqrt", "frac", "dfrac", "tfrac", "cdot", "times", "infty", "left", "right", "text", "mathrm", "begin",
               "pmatrix", "bmatrix", "matrix", "array", "cases", "quad", "qquad", "sinh", "cosh", "tanh", "arcsin",
               "arccos", "arctan", "emptyset", "varnothing", "approx", "boxed", "circ", "infinity"}
WHOLE_ANSWER_CHARS = 300  # a completion this short with no prose in it is the answer itself


def _is_formula(text: str) -> bool:
    return all(word.lower() in _MATH_WORDS for word in _PROSE_WORD.findall(text))


def _statement(completion: str, finished_only: bool) -> str | None:
    statements = list(_STATEMENT.finditer(completion))
    if not statements:
        return None
    start = statements[-1].end()
    end = completion.find("\n", start)
    line = completion[start:] if end < 0 else completion[start:end]
    stop = _SENTENCE_END.search(line)
    if finished_only and stop is None and end < 0:
        return None  # the statement runs into the cut: its end was never written
    if stop:
        line = line[:stop.start()]
    line = _UNESCAPED_DOLLAR.sub("", line).strip().strip("*_").strip()  # markdown bold/emphasis around it
    return line or None


def _spans_side_by_side(text: str, spans: list[tuple[int, int, str]], source: str) -> Found:
    """The last span, with the spans before it that only connectors separate (`$x=1$ and $x=-4$`)."""
    group = [spans[-1]]
    size = len(spans[-1][2])
    for span in reversed(spans[:-1]):
        gap = text[span[1]:group[-1][0]]
        if len(gap) > MAX_GAP or not _CONNECTOR.match(gap) or size > MAX_GROUP_CHARS:
            break
        group.append(span)
        size += len(span[2]) + 2
    group.reverse()
    if len(group) == 1:
        return Found(group[0][2].strip(), source)
    return Found(", ".join(s[2].strip() for s in group), source + "s side by side")


def find_answer(completion: str, explicit_only: bool = False) -> Found | None:
    """The answer text and where it was found; raises graders.extract.Unclosed for a truncated last box.

    `explicit_only`: the text was cut off (by length, or it looks cut): only a closed box or a finished
    answer statement counts; the fallbacks (last math, last number) would read the half-written work.
    """
    spans = boxed_spans(completion)
    if spans:
        found = _spans_side_by_side(completion, spans, "boxed")
        return Found(found.text, "boxes side by side") if found.source != "boxed" else found
    line = _statement(completion, finished_only=explicit_only)
    if line:
        return Found(line, "answer statement")
    if explicit_only:
        return None
    stripped = completion.strip()
    if len(stripped) <= WHOLE_ANSWER_CHARS and _is_formula(stripped) and not _UNESCAPED_DOLLAR.search(stripped):
        return Found(stripped, "whole answer")
    tail = completion[-TAIL_CHARS:]  # keeps the lazy span regex linear on a 1 MB text
    maths = list(math_spans(tail))
    last_number = None
    for last_number in NUMBER.finditer(tail):
        pass
    if maths and (not last_number or maths[-1][1] >= last_number.end()):
        found = _spans_side_by_side(tail, maths, "last math")
        return found
    if last_number:
        return Found(plain_number(_exact_before_approximation(tail, last_number).group(0)), "last number")
    return None


_APPROXIMATELY = re.compile(r"\s*(?:≈|\\approx|\\sim|~|is about|is approximately)\s*$")


def _exact_before_approximation(text: str, last: re.Match) -> re.Match:
    """"1/6 ≈ 0.1667": the exact value written before its rounding is the answer."""
    before = text[max(0, last.start() - 40):last.start()]
    approx = _APPROXIMATELY.search(before)
    if not approx:
        return last
    head = text[:last.start() - (len(before) - approx.start())]
    exact = None
    for exact in NUMBER.finditer(head[-200:]):
        pass
    if exact is None or exact.end() != len(head[-200:]):
        return last
    offset = len(head) - len(head[-200:])
    return NUMBER.match(text, offset + exact.start()) or last


def math_spans(text: str):
    """Each math span, left to right, as (start, end, content): `$$...$$`, else
    `$...$` (neither dollar escaped), `\\(...\\)` or `\\[...\\]`, the content
    1 to MAX_SPAN_CHARS characters and ending at the first closer that fits.

    It finds what the regex
    `\\$\\$(.{1,2000}?)\\$\\$|(?<!\\\\)\\$(.{1,2000}?)(?<!\\\\)\\$|\\\\\\((.{1,2000}?)\\\\\\)|...`
    finds, in linear time: that regex scans up to 2,000 characters from every
    opener that never closes (4,000 of `\\(` took 0.1 s). Here every closer is
    looked up in a sorted list of positions."""
    dollars = [m.start() for m in _DOLLAR.finditer(text)]
    unescaped = [i for i in dollars if i == 0 or text[i - 1] != "\\"]
    doubles = [i for i in dollars if text.startswith("$$", i)]
    closers = {"(": _positions(text, "\\)"), "[": _positions(text, "\\]")}
    openers = sorted(set(dollars) | set(_positions(text, "\\(")) | set(_positions(text, "\\[")))

    def first_at_least(positions: list[int], low: int, high: int) -> int | None:
        k = bisect.bisect_left(positions, low)
        return positions[k] if k < len(positions) and positions[k] <= high else None

    position = 0
    for start in openers:
        if start < position:
            continue
        found = None
        if text.startswith("$$", start):
            close = first_at_least(doubles, start + 3, start + 2 + MAX_SPAN_CHARS)
            if close is not None:
                found = (close + 2, text[start + 2:close])
        if found is None and text[start] == "$" and (start == 0 or text[start - 1] != "\\"):
            close = first_at_least(unescaped, start + 2, start + 1 + MAX_SPAN_CHARS)
            if close is not None:
                found = (close + 1, text[start + 1:close])
        if found is None and text[start] == "\\":
            close = first_at_least(closers[text[start + 1]], start + 3, start + 2 + MAX_SPAN_CHARS)
            if close is not None:
                found = (close + 2, text[start + 2:close])
        if found is not None:
            yield start, found[0], found[1]
            position = found[0]


def _positions(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found
