"""Finding the final answer in free model text (shared by the answer graders)."""
from __future__ import annotations

import re

MAX_COMPLETION_CHARS = 1_000_000  # beyond this a completion is refused unread


class Unclosed(Exception):
    """The last box is opened and never closed: a truncated output."""


_OPENER = re.compile(r"\\(?:boxed|fbox) *\{")
_BRACE_OR_ESCAPE = re.compile(r"\\.|[{}]", re.DOTALL)


def boxed_spans(text: str) -> list[tuple[int, int, str]]:
    """Every `\\boxed{...}` / `\\fbox{...}` with balanced braces: (start, end, content).

    Raises Unclosed when the last opener never closes, so a truncated output
    cannot fall back to an earlier box. Regex scanning keeps this linear: a
    megabyte of boxes is read in one pass.
    """
    spans = []
    pos = 0
    while True:
        opener = _OPENER.search(text, pos)
        if opener is None:
            return spans
        brace = opener.end() - 1
        depth = 0
        for token in _BRACE_OR_ESCAPE.finditer(text, brace):
            if token.group() == "{":
                depth += 1
            elif token.group() == "}":
                depth -= 1
                if depth == 0:
                    break
        else:
            raise Unclosed(text[opener.start():opener.start() + 40])
        close = token.start()
        spans.append((opener.start(), close + 1, text[brace + 1:close]))
        pos = close + 1


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
