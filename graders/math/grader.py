"""The `math` grader: a model's free-text answer against a LaTeX or plain reference.

Extraction (graders/math/extract.py), first rule that applies:
1. the last `\\boxed{...}` / `\\fbox{...}` with balanced braces; boxes side by
   side (only "and", "or", commas, `x =` between them) form one answer that
   lists its parts; a box after more reasoning replaces earlier ones; a last
   `\\boxed{` never closed (truncated output) is `unparsable`, never an earlier box;
2. else the rest of the sentence after the last "final answer is" /
   "answer is" / "Answer:" / "correct choice is"; when that is prose rather
   than a formula ("The volume of $V$ is 120"), its last number;
3. else the last math span (with the spans side by side before it) or the last
   number (in the final 4,000 characters), whichever comes later; a short
   completion with no prose is read whole.
A completion cut by the length limit (`finish_reason="length"`, or text that stops
mid-formula when no finish reason is known) is graded on rule 1 or a finished
rule 2 only. An answer statement written as code is unparsable.
`extracted` in the verdict is exactly the text that was read.

Reading: LaTeX through latex2sympy2_extended (number tokens rebuilt without
sympify), plain text through an `ast` whitelist; nothing a model wrote is ever
evaluated as code. Conventions shared by both readers: `i` is the imaginary
unit, `e` is Euler's number, `\\log` / `log` without a base is the natural log (as
sympy prints it; latex2sympy2 alone would read base 10), `\\log_{b}` keeps its
base; `2\\frac{1}{3}` is the mixed number 7/3. Bounds (graders/math/guards.py) refuse huge powers,
factorial towers, deep nesting and huge answers as "too large" before any work.

Equivalence (graders/math/equivalence.py): exact first; sets, tuples,
intervals and unions, inequalities, equations, matrices, `\\pm`, degrees,
percent, scientific notation, thousands separators, units and currency words
around a number, multiple-choice letters, text answers. A list of different
values offered for a single-valued reference ("3 or 4") is incorrect.

Per-problem policy in `problem.metadata` (all optional):
- "percent": one reading per problem: "number" (default: 50\\% is 50, never 0.5),
  "fraction" (50\\% is 1/2 only), "strict" (the percent sign must match);
- "tolerance": a relative tolerance; without it a decimal never matches an exact
  irrational or non-terminating value (1.41 is not sqrt 2), and integers match exactly;
- "variables": the names of a tuple answer's members (math.system): names decide;
- "up_to_constant": true: any expression differing from the reference by a
  constant is right (indefinite integrals; a `+ C` is ignored);
- "answer_form": "expanded" | "factored": an equal expression in the other
  form is incorrect (repeating the polynomial does not answer "factor it").
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from proctor import graders
from proctor.graders.base import Grader
from proctor.graders.extract import Unclosed, is_cut, is_hedge, looks_like_code
from proctor.graders.math.answer import Choice, NotReadable, Scalar, read_answer
from proctor.graders.math.equivalence import Policy, equivalent
from proctor.graders.math.extract import NUMBER, find_answer, plain_number
from proctor.graders.math.guards import TooLarge, Unsupported

SHOWN_CHARS = 300


@lru_cache(maxsize=8192)
def read_reference(text: str):
    """References repeat across samples of one problem: read each once."""
    return read_answer(text, numeric_hint=True, trusted=True)  # "1,234" and "15 cm^2" are numbers


def _is_expanded(expr) -> bool:
    """No product or power still holds a sum with a variable in it: (x+1)(x-2) is not expanded."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Mul) and any(isinstance(a, sympy.Add) and a.free_symbols for a in node.args):
            return False
        if (isinstance(node, sympy.Pow) and isinstance(node.base, sympy.Add) and node.base.free_symbols
                and node.exp.is_Integer and node.exp > 1):
            return False
    return True


def _in_asked_form(ans, ref, form) -> bool:
    """metadata["answer_form"]: "expanded" or "factored". Repeating the question's polynomial
    is equal to a factorisation, yet does not answer "factor it"."""
    if form not in ("expanded", "factored") or not isinstance(ans, Scalar) or not isinstance(ref, Scalar):
        return True
    if form == "expanded":
        return _is_expanded(ans.value)
    return _is_expanded(ref.value) or not _is_expanded(ans.value)


def _is_number(ref) -> bool:
    return isinstance(ref, Scalar) and not ref.value.free_symbols


def _is_choice(ref) -> bool:
    """A multiple-choice key: `(C)`, or a bare capital A-E (a key file rarely wraps it)."""
    return isinstance(ref, Choice) or isinstance(ref, Scalar) and ref.value in _CHOICE_LETTERS


_CHOICE_LETTERS = {sympy.Symbol(letter) for letter in "ABCDE"}


@graders.register("math")
class MathGrader(Grader):
    name = "math"
    version = "3"
    uses_finish_reason = True

    def check(self, problem, completion, *, finish_reason=None):
        try:
            policy = Policy(problem.metadata)
        except ValueError as exc:
            return graders.Verdict.error(reason=str(exc))
        try:
            ref = read_reference(str(problem.reference))
        except (NotReadable, TooLarge, Unsupported, RecursionError) as exc:
            return graders.Verdict.error(reason=f"reference {str(problem.reference)[:80]!r} is not readable: {exc}")
        cut = is_cut(completion, finish_reason)
        try:
            found = find_answer(completion, explicit_only=cut)
        except Unclosed:
            return graders.Verdict.unparsable(reason="the last \\boxed{ is never closed (truncated output?)")
        if found is None:
            if cut:
                return graders.Verdict.unparsable(reason="cut off before a final answer was stated (no closed box or "
                                                         "finished answer statement)")
            return graders.Verdict.unparsable(reason="no answer found")
        if found.source == "answer statement" and looks_like_code(found.text):
            return graders.Verdict.unparsable(reason="answer statement: code, not a mathematical answer",
                                              extracted=found.text[:SHOWN_CHARS])
        shown = found.text if len(found.text) <= SHOWN_CHARS else found.text[:SHOWN_CHARS] + "..."
        try:
            ans = read_answer(found.text, numeric_hint=_is_number(ref), choice_hint=_is_choice(ref))
        except NotReadable as exc:
            # "The volume of $ABCD$ is 120": a sentence, not a formula; its last number is the answer
            prose = found.source == "answer statement" and not cut and not is_hedge(found.text)
            numbers = NUMBER.findall(found.text) if prose else []
            if not numbers:
                return graders.Verdict.unparsable(reason=f"{found.source}: {exc}", extracted=shown)
            shown = plain_number(numbers[-1])
            try:
                ans = read_answer(shown, numeric_hint=True)
            except (NotReadable, TooLarge, Unsupported) as inner:
                return graders.Verdict.unparsable(reason=f"{found.source}: {inner}", extracted=shown)
        except (TooLarge, Unsupported) as exc:
            return graders.Verdict.unparsable(reason=f"{found.source}: {exc}", extracted=shown)
        except (RecursionError, MemoryError, OverflowError, ValueError, TypeError) as exc:
            return graders.Verdict.unparsable(reason=f"{found.source}: cannot read ({type(exc).__name__})",
                                              extracted=shown)
        try:
            same = equivalent(ref, ans, policy)
        except (TooLarge, Unsupported) as exc:
            return graders.Verdict.unparsable(reason=f"{found.source}: {exc}", extracted=shown)
        except Exception as exc:
            # sympy can fail on odd inputs. The reference was read and is fine, so the
            # answer's form caused it: a failure the model could cause on purpose is
            # never unscored (README, Reliability). `details` keeps what sympy said.
            return graders.Verdict.incorrect(extracted=shown, reason=f"cannot be compared with the reference ({found.source})",
                                             source=found.source,
                                             comparison_failed=f"{type(exc).__name__}: {str(exc)[:120]}")
        if same and not _in_asked_form(ans, ref, problem.metadata.get("answer_form")):
            return graders.Verdict.incorrect(
                extracted=shown,
                reason=f"equal to the reference but not {problem.metadata['answer_form']} as asked ({found.source})",
                source=found.source)
        if same:
            return graders.Verdict.correct(extracted=shown, reason=f"equals the reference ({found.source})",
                                           source=found.source)
        return graders.Verdict.incorrect(extracted=shown, reason=f"differs from the reference ({found.source})",
                                         source=found.source)
