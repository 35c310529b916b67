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

from proctor.graders.extract import boxed_spans

MAX_GAP = 80  # characters between side-by-side boxes
MAX_GROUP_CHARS = 20_000  # beyond this the joined answer is refused as too large anyway
TAIL_CHARS = 4_000  # the last-math/last-number fallback looks only at the end of the text
_CONNECTOR = re.compile(
    r"^(?:\s|[,;.$&]|\\quad|\\qquad|\\,|\\;|\\text\{[^{}]{0,20}\}|\band\b|\bor\b|\\text\s*or"
    r"|\b[a-zA-Z](?:_\{?\d+\}?)?\s*=|\\\\)*$"
)
_STATEMENT = re.compile(r"\b(?:final answer|answer|correct (?:choice|option))\b\s*(?:is\b|:|=)\s*:?", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])|\.\s*$")
MAX_SPAN_CHARS = 2_000  # of one math span's content
_DOLLAR = re.compile(r"\$")
# A number as models write one (1,234 / -2.5 / 3/4); the grader also takes it from a prose answer statement.
NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


@dataclass(frozen=True)
class Found:
    text: str
    source: str  # "boxed", "boxes side by side", "answer statement", "last math", "last number"


def find_answer(completion: str) -> Found | None:
    """The answer text and where it was found; raises graders.extract.Unclosed for a truncated last box."""
    spans = boxed_spans(completion)
    if spans:
        group = [spans[-1]]  # built backwards, from the last box
        size = len(spans[-1][2])
        for span in reversed(spans[:-1]):
            gap = completion[span[1]:group[-1][0]]
            if len(gap) > MAX_GAP or not _CONNECTOR.match(gap) or size > MAX_GROUP_CHARS:
                break
            group.append(span)
            size += len(span[2]) + 2
        group.reverse()
        if len(group) == 1:
            return Found(group[0][2].strip(), "boxed")
        return Found(", ".join(s[2].strip() for s in group), "boxes side by side")
    statements = list(_STATEMENT.finditer(completion))
    if statements:
        start = statements[-1].end()
        end = completion.find("\n", start)
        line = completion[start:] if end < 0 else completion[start:end]
        stop = _SENTENCE_END.search(line)
        if stop:
            line = line[:stop.start()]
        line = _UNESCAPED_DOLLAR.sub("", line).strip().strip("*").strip()  # markdown bold around it
        if line:
            return Found(line, "answer statement")
    tail = completion[-TAIL_CHARS:]
    last_math = None
    for last_math in math_spans(tail):
        pass
    last_number = None
    for last_number in NUMBER.finditer(tail):
        pass
    if last_math and (not last_number or last_math[1] >= last_number.end()):
        return Found(last_math[2].strip(), "last math")
    if last_number:
        return Found(last_number.group(0), "last number")
    return None


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
