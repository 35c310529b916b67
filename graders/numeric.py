"""The `numeric` grader: one exact number as the answer.

Extraction, first match wins:
1. the last `\\boxed{...}` (or `\\fbox{...}`) with balanced braces; a last box
   that never closes (a truncated output) is `unparsable`, never an earlier box;
2. else the text after the last "Answer:" / "the final answer is" (several
   numbers there are a hedge, graded incorrect, unless an "=" shows the last
   one is the result);
3. else the last number in the text.
A completion cut off by the length limit (`finish_reason="length"`, or, with no finish reason,
text that stops mid-formula: see graders.extract.looks_cut) is credited only for a closed box or
a finished answer statement, never for a fallback number. An answer statement written as code
("exec(...) or 1") is unparsable, whatever number it ends with.
Numbers may carry thousands commas (`1,234`), a sign, a decimal part, a
fraction bar (`3/4`, `\\frac{3}{4}`), `$...$` and a trailing period.
Comparison is exact (rational arithmetic): 0.5 equals 1/2, 1/3 does not equal 0.333.
"""
from __future__ import annotations

import re
from fractions import Fraction

from proctor import graders
from proctor.graders.base import Grader
from proctor.graders.extract import (Unclosed, answer_statement, is_cut, is_hedge, last_boxed, looks_like_code,
                                     strip_math_delimiters)
from proctor.graders.problem import Problem, Verdict

MAX_DIGITS = 1000  # longer numbers are refused before int() parses them

_NUMBER = r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+−]?\.\d+"
_NUMBER_RE = re.compile(rf"(?<![\w.])(?:{_NUMBER})(?:\s*/\s*(?:{_NUMBER}))?(?![\w])")
_WHOLE_NUMBER = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?:/\s*(?P<den>{_NUMBER}))?\s*$")
_FRAC = re.compile(r"^\s*(?P<sign>-?)\s*\\[dt]?frac\s*\{(?P<num>[^{}]*)\}\s*\{(?P<den>[^{}]*)\}\s*$")


def parse_number(text: str) -> Fraction | None:
    """An exact value for a number spelled as above, or None."""
    text = strip_math_delimiters(text).replace("−", "-").replace("\\!", "").replace("{,}", ",")
    text = re.sub(r"^\\text\{(.*)\}$", r"\1", text).strip()
    if len(text) > MAX_DIGITS:
        return None
    frac = _FRAC.match(text)
    if frac:
        num, den = parse_number(frac["num"]), parse_number(frac["den"])
        if num is None or den is None or den == 0:
            return None
        value = num / den
        return -value if frac["sign"] else value
    match = _WHOLE_NUMBER.match(text)
    if not match:
        return None
    num = Fraction(match["num"].replace(",", ""))
    if match["den"] is None:
        return num
    den = Fraction(match["den"].replace(",", ""))
    return None if den == 0 else num / den


class Ambiguous(Exception):
    """The answer statement names several numbers: a hedge, not an answer."""


class CodeShaped(Exception):
    """The answer statement is code, not a number."""


def _finished(completion: str, stated: str) -> bool:
    """An answer statement that runs into the end of a cut text was never finished."""
    return not completion.rstrip().endswith(stated.rstrip()) or stated.rstrip().endswith(".")


def extract_answer(completion: str, explicit_only: bool = False) -> tuple[str | None, str]:
    """(answer text, where it was found). Raises Unclosed for a truncated box, Ambiguous for a
    hedge, CodeShaped for code. `explicit_only` (a cut text): no fallback to the last number."""
    boxed = last_boxed(completion)
    if boxed is not None:
        return boxed, "boxed"
    stated = answer_statement(completion)
    if stated is not None and explicit_only and not _finished(completion, stated):
        stated = None
    if stated is not None and looks_like_code(stated):
        raise CodeShaped(stated)
    if explicit_only and stated is None:
        return None, "cut"
    if stated is not None:
        if parse_number(stated) is not None:
            return stated, "answer statement"
        if is_hedge(stated):  # "X or 1": candidates offered, not an answer
            raise Ambiguous(stated)
        numbers = _NUMBER_RE.findall(stated)
        if len(numbers) <= 1:
            return (numbers[0] if numbers else stated), "answer statement"
        if "=" in stated:  # "the answer is 3 + 4 = 7": the result comes last
            return numbers[-1], "answer statement"
        raise Ambiguous(stated)
    numbers = _NUMBER_RE.findall(completion)
    if numbers:
        return numbers[-1], "last number"
    return None, "nothing"


@graders.register("numeric")
class NumericGrader(Grader):
    name = "numeric"
    version = "2"
    uses_finish_reason = True

    def check(self, problem: Problem, completion: str, *, finish_reason: str | None = None) -> Verdict:
        expected = parse_number(str(problem.reference))
        if expected is None:
            return Verdict.error(reason=f"reference {problem.reference!r} is not a number")
        try:
            answer, source = extract_answer(completion, explicit_only=is_cut(completion, finish_reason))
        except Unclosed:
            return Verdict.unparsable(reason="the last \\boxed{ is never closed (truncated output?)")
        except Ambiguous as exc:
            return Verdict.incorrect(extracted=str(exc)[:200], reason="the answer statement holds several numbers")
        except CodeShaped as exc:
            return Verdict.unparsable(reason="answer statement: code, not a number", extracted=str(exc)[:200])
        if answer is None:
            if source == "cut":
                return Verdict.unparsable(reason="cut off before a final answer was stated (no closed box or "
                                                 "finished answer statement)")
            return Verdict.unparsable(reason="no number found")
        value = parse_number(answer)
        if value is None:
            return Verdict.unparsable(reason=f"{source} is not a number", extracted=answer.strip()[:200])
        shown = answer.strip()[:200]
        if value == expected:
            return Verdict.correct(extracted=shown, reason=f"equals {problem.reference} ({source})")
        return Verdict.incorrect(extracted=shown, reason=f"{shown} is not {problem.reference} ({source})")
