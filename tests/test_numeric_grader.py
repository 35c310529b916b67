"""The `numeric` grader: what it must accept, reject, and survive."""
import pytest

from proctor import graders
from proctor.graders import Problem

GRADER = graders.get("numeric")


def grade(reference, completion):
    return GRADER.grade(Problem("p", "arith.integer", "?", reference), completion)


@pytest.mark.parametrize("completion", [
    "so the result is \\boxed{1234}",
    "\\boxed{1,234}",
    "The answer: 1,234.",
    "Answer: $1234$",
    "we get 1234",
    "the final answer is 1234.",
    "\\fbox{1234}",
    "\\boxed{ 1234 }",
    "\\boxed{1234.0}",
    "\\boxed{\\frac{2468}{2}}",
    "Answer: 2468/2",
    "first 7, then \\boxed{1234}, and 12 is irrelevant later",
    "1000 + 234 = 1234.\n#### 1234\n",  # GSM8K's marker
    "#### 1,234",
])
def test_accepts_the_forms_models_write(completion):
    verdict = grade(1234, completion)
    assert verdict.status == "correct", verdict
    assert verdict.score == 1.0 and verdict.passed


@pytest.mark.parametrize("reference", [0, -7, 10 ** 30, "3/4", "-0.5"])
def test_reference_against_itself_is_correct(reference):
    assert grade(reference, f"\\boxed{{{reference}}}").status == "correct"


@pytest.mark.parametrize("completion, status", [
    ("\\boxed{1235}", "incorrect"),
    ("\\boxed{-1234}", "incorrect"),
    ("\\boxed{1234.0001}", "incorrect"),
    ("12340", "incorrect"),
    ("\\boxed{1234} wait, actually \\boxed{1200}", "incorrect"),  # the last box wins
    ("no idea", "unparsable"),
    ("", "unparsable"),
    ("\\boxed{one thousand}", "unparsable"),
])
def test_rejects(completion, status):
    verdict = grade(1234, completion)
    assert verdict.status == status, verdict
    assert verdict.score == 0.0 and not verdict.passed


def test_truncated_final_box_does_not_fall_back_to_an_earlier_box():
    verdict = grade(5, "maybe \\boxed{5} ... on reflection \\boxed{6")
    assert verdict.status == "unparsable"
    assert "never closed" in verdict.reason


def test_exact_rational_comparison():
    assert grade("1/3", "\\boxed{1/3}").status == "correct"
    assert grade("1/3", "\\boxed{0.3333333333}").status == "incorrect"
    assert grade("1/2", "\\boxed{0.5}").status == "correct"


def test_extracted_shows_what_was_read():
    assert grade(3, "Answer: 3").extracted == "3"
    assert grade(3, "x = 2 and then 3.").extracted == "3"


@pytest.mark.parametrize("completion", [
    "9" * 100_000,                                   # a huge integer literal
    "\\boxed{" * 50_000 + "1" + "}" * 50_000,        # deep nesting
    "\\boxed{" * 10,                                 # unbalanced
    "1/0",
    "\\boxed{1/0}",
    "x" * 2_000_000,                                 # over the size bound
    "\x00\ud800 \\boxed{\ud800}",                    # NUL and a lone surrogate
    "Answer: " + "1," * 10_000 + "1",
])
def test_hostile_input_gets_a_verdict_not_an_exception(completion):
    verdict = grade(1, completion)
    assert verdict.status in ("incorrect", "unparsable")


def test_bad_reference_is_the_graders_error_not_the_models():
    verdict = grade("not a number", "\\boxed{1}")
    assert verdict.status == "error" and not verdict.scored


def test_hedging_between_numbers_is_incorrect():
    assert grade(3, "Answer: 3 or 4").status == "incorrect"
    assert grade(7, "the final answer is 3 + 4 = 7").status == "correct"
    assert grade(42, "Answer: 42 apples").status == "correct"
