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
# GSM8K's "#### 42" marks the answer too, but only on a line that holds nothing but it (no words
# outside LaTeX commands): a markdown heading ("#### Step 1") states no answer. (re.MULTILINE)
GSM8K_MARKER = r"^####[ \t]*+(?=(?:[^A-Za-z\\\n]|\\[A-Za-z]++)*+$)"
_ANSWER_KEY = re.compile(rf"(?:answer\s*+(?:is|:|=)|{GSM8K_MARKER})(\s*+:?\s*+)", re.IGNORECASE | re.MULTILINE)


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


# -- cut-off and code-shaped answers --------------------------------------------------

FINISH_REASONS = ("stop", "length", "content_filter", "tool_calls", "error")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$\$?")
_CURRENCY_TAIL = re.compile(r"^\d[^\\=^_{}]*$")  # "... costs $5 each.": an amount, not an open formula
# "2,74 $ de plus": a sign written after its amount, in prose, opens no formula
_AMOUNT_BEFORE_SIGN = re.compile(r"\d[ \u00a0]?$")
_PROSE_TAIL = re.compile(r"^[^\\=^_{}]*$")
_TRAILING_OPERATOR = re.compile(r"(?:[=+\-/^(\[{\\]|(?<!\*)\*|\\(?:frac|dfrac|sqrt|cdot|times|left|pm|le|ge|leq|geq))\s*$")


def looks_cut(text: str) -> bool:
    """Without a finish reason from the backend: does the text stop mid-formula? An unclosed `$`
    (a currency amount such as `$5` is not one), an unclosed `\\(` or `\\[`, or a trailing operator."""
    inside, opened_at, sign_at = False, 0, 0
    for match in _UNESCAPED_DOLLAR.finditer(text):
        inside, opened_at, sign_at = not inside, match.end(), match.start()
    unclosed = text[opened_at:].strip() if inside else ""
    amount_first = _AMOUNT_BEFORE_SIGN.search(text[:sign_at]) and _PROSE_TAIL.match(unclosed)
    if unclosed and not _CURRENCY_TAIL.match(unclosed) and not amount_first:
        return True
    if text.rfind("\\(") > text.rfind("\\)") or text.rfind("\\[") > text.rfind("\\]"):
        return True
    return bool(_TRAILING_OPERATOR.search(text[-50:]))


def is_cut(completion: str, finish_reason: str | None) -> bool:
    """Cut off by the length limit: the backend says so, or (when it said nothing) the text looks cut."""
    if finish_reason is not None:
        return finish_reason == "length"
    return looks_cut(completion)


# Code, not mathematics: a dunder, a keyword, a method call, a call of a long name, a quoted argument.
_CODE = re.compile(
    r"__|\b(?:import|lambda|exec|eval|getattr|setattr|open|print|def|return|subprocess|system)\b\s*[(\w]"
    r"|[A-Za-z_]\w*\s*\.\s*[A-Za-z_]\w*\s*\(|\(\s*['\"`]|['\"`]\s*[),]|[A-Za-z_]\w{5,}\("
)


def looks_like_code(text: str) -> bool:
    """An answer statement written as code ("exec(...) or 1", "open(...).write('1')") is no answer."""
    return bool(_CODE.search(text))


_HEDGE = re.compile(r"\bor\b", re.IGNORECASE)


def is_hedge(text: str) -> bool:
    """"X or 1": several candidates offered; the trailing number is not the answer."""
    return bool(_HEDGE.search(text))
