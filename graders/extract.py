"""Finding the final answer in free model text (shared by the answer graders)."""
from __future__ import annotations

import re

MAX_COMPLETION_CHARS = 1_000_000  # beyond this a completion is refused unread

_BOX_OPENERS = ("\\boxed", "\\fbox")


class Unclosed(Exception):
    """The last box is opened and never closed: a truncated output."""


def boxed_spans(text: str) -> list[tuple[int, int, str]]:
    """Every `\\boxed{...}` / `\\fbox{...}` with balanced braces: (start, end, content).

    Raises Unclosed when the last opener never closes, so a truncated output
    cannot fall back to an earlier box.
    """
    spans = []
    i = 0
    while True:
        starts = [(text.find(op, i), op) for op in _BOX_OPENERS]
        starts = [(s, op) for s, op in starts if s >= 0]
        if not starts:
            return spans
        start, opener = min(starts)
        j = start + len(opener)
        while j < len(text) and text[j] == " ":
            j += 1
        if j >= len(text) or text[j] != "{":
            i = start + len(opener)
            continue
        depth = 0
        k = j
        while k < len(text):
            ch = text[k]
            if ch == "\\" and k + 1 < len(text):
                k += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        if depth != 0:
            raise Unclosed(text[start:start + 40])
        spans.append((start, k + 1, text[j + 1:k]))
        i = k + 1


def last_boxed(text: str) -> str | None:
    spans = boxed_spans(text)
    return spans[-1][2] if spans else None


_ANSWER_LINE = re.compile(
    r"(?:final answer|answer)\s*(?:is|:|=)\s*:?\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE
)


def answer_statement(text: str) -> str | None:
    """The text after the last "Answer:" / "the final answer is" on its line."""
    matches = list(_ANSWER_LINE.finditer(text))
    return matches[-1].group(1) if matches else None


def strip_math_delimiters(text: str) -> str:
    text = text.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            text = text[len(left):len(text) - len(right)].strip()
    return text.rstrip(".").strip()
