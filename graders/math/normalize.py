"""Clean-up of an answer's text before its shape is read.

Only notation is removed here, never meaning: math delimiters, spacing
commands, `\\left`/`\\right`, `\\displaystyle`, text wrappers. Degree, percent
and currency marks are taken off and reported as flags, so equivalence can
apply the reference's policy to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_SPACING = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad\b|~|\\displaystyle\b|\\limits\b|\\mathrm\{\s*\}")
_LEFT_RIGHT = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])\s*\.?")
# Blank runs: matched from their start and taken whole, as in answer.py (linear time).
_DEGREES = re.compile(r"\^\s*+\{?+\s*+\\circ\s*+\}?|°|\\degree\b|\\text\{\s*+degrees?\s*+\}|(?<!\s)\s++degrees?\b")
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![a-zA-Z])")
_PERCENT = re.compile(r"\\%|%|\\text\{\s*+percent\s*+\}|(?<!\s)\s++percent\b")
_CURRENCY = re.compile(r"\\\$|\$|€|£|\\euro\b|\\pounds\b|\\text\{\s*(?:dollars?|cents?|USD|euros?)\s*\}"
                       r"|\b(?:dollars?|USD|euros?)\b")
_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname\*?|textnormal|mathit)\s*\{([^{}]*)\}")
_FRAC_VARIANTS = re.compile(r"\\[dt]frac\b")
_THOUSANDS = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ |\s)(?=\d{3}(?!\d))")
# "2\frac{1}{3}" is the mixed number 7/3, not 2/3 (digit-only fractions after a whole number)
_MIXED_NUMBER = re.compile(r"(?<![\d.}^_a-zA-Z])(-?)(\d+)\s*\\frac\s*\{(\d+)\}\s*\{(\d+)\}")
_EMPTY = re.compile(r"^(?:\\varnothing|\\emptyset|∅|\\\{\s*\\\}|\{\s*\}|\\O)$")


@dataclass(frozen=True)
class Cleaned:
    text: str
    degrees: bool = False
    percent: bool = False
    currency: bool = False
    trusted: bool = False  # the text is a reference (problem data), set by answer.read_answer


def strip_delimiters(text: str) -> str:
    text = text.strip()
    changed = True
    while changed:
        changed = False
        for left, right in _DELIMITERS:
            if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
                text = text[len(left):len(text) - len(right)].strip()
                changed = True
        if text.endswith((".", "。", ",", ";")) and not text.endswith(".."):
            text = text[:-1].rstrip()
            changed = True
    return text


_THOUSANDS_BANG = re.compile(r"(?<=\d),\\!\s*(?=\d{3})")  # 11,\!111 is 11111 (MATH's style)


def clean(text: str) -> Cleaned:
    text = strip_delimiters(text)
    text = _THOUSANDS_BANG.sub(",", text)
    text = _SPACING.sub(" ", text)
    text = _LEFT_RIGHT.sub("", text)
    text = _FRAC_VARIANTS.sub(r"\\frac", text)
    text = text.replace("\\lbrace", "\\{").replace("\\rbrace", "\\}").replace("−", "-")
    text = text.replace("\\langle", "(").replace("\\rangle", ")")  # vectors <3, -1> are tuples
    text = text.replace("\\le ", "\\leq ").replace("\\ge ", "\\geq ")
    degrees = bool(_DEGREES.search(text))
    if degrees and _TRIG.search(text):
        text = _DEGREES.sub(r"\\cdot\\frac{\\pi}{180}", text)  # sin 30° is sin(pi/6)
        degrees = False
    elif degrees:
        text = _DEGREES.sub("", text)
    percent = bool(_PERCENT.search(text))
    if percent:
        text = _PERCENT.sub("", text)
    currency = bool(_CURRENCY.search(text))
    if currency:
        text = _CURRENCY.sub("", text)
    text = _THOUSANDS.sub("", text.strip())
    text = _MIXED_NUMBER.sub(lambda m: f"{m[1]}({m[2]}+\\frac{{{m[3]}}}{{{m[4]}}})", text)
    text = strip_delimiters(text)
    if _EMPTY.match(text):
        text = "\\emptyset"
    return Cleaned(text, degrees, percent, currency)


def unwrap_text(text: str) -> str:
    """`\\text{(B)}` -> `(B)`; wrappers inside formulas are unwrapped the same way."""
    for _ in range(3):
        new = _TEXT_WRAPPER.sub(lambda m: m.group(1), text)
        if new == text:
            break
        text = new
    return text.strip()
