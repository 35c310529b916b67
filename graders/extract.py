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


# The key of an answer statement and the blanks after it. Possessive: the blanks
# are taken whole, so a megabyte of them is one pass (the former one-regex form,
# `...\s*(.+?)\s*$`, retried every split of a blank run: 40,000 spaces took 4 s).
# ("the final answer is" ends like "answer is": the key's end is all that is used.)
_ANSWER_KEY = re.compile(r"answer\s*+(?:is|:|=)(\s*+:?\s*+)", re.IGNORECASE)


def answer_statement(text: str) -> str | None:
    """The text after the last "Answer:" / "the final answer is", to the end of
    the line where it starts (blank lines after the key are skipped). The first
    key of a line claims the rest of it, so "Answer: 3, not the final answer is 4"
    states 3. Linear time: each line is read once."""
    found = None
    position = 0
    while True:
        key = _ANSWER_KEY.search(text, position)
        if key is None:
            return found
        start = key.end()
        if start == len(text):  # nothing but blanks after the last key: a statement of nothing
            return "" if key.group(1).strip("\n") else found
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        found = text[start:end].rstrip()
        position = end


def strip_math_delimiters(text: str) -> str:
    text = text.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            text = text[len(left):len(text) - len(right)].strip()
    return text.rstrip(".").strip()
