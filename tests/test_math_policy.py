"""The `math` and `numeric` graders on the kinds issue 13 found: references to evaluate or read under
names, number formats, several answers in prose, set forms, code-shaped and cut-off answers, labelled
answers for math.system, units, and the finish reason carried from the completions file to the grader."""
from __future__ import annotations

import json
import time

import pytest

from proctor import api, graders
from proctor.errors import BadInput
from proctor.graders.problem import Problem
from proctor.jsonl import read_completions

MATH = graders.get("math")
NUMERIC = graders.get("numeric")


def grade(reference, completion, finish_reason=None, **metadata):
    return MATH.grade(Problem("p1", "math.test", "", reference, metadata), completion, finish_reason=finish_reason)


# (reference, completion, correct?)
REFERENCE_FORMS = [
    (r"\sum_{k=1}^{4} k^2", r"\boxed{30}", True),
    (r"\sum_{k=1}^{4} k^2", r"\boxed{31}", False),
    (r"\sum_{k=1}^{100} k", r"\boxed{5050}", True),
    (r"\int_0^1 x^2 \, dx", r"\boxed{\frac{1}{3}}", True),
    (r"\int_{0}^{\pi} \sin x \, dx", r"\boxed{2}", True),
    (r"\int_0^1 x^2 \, dx", r"\boxed{\frac{1}{2}}", False),
    ("(a,b)=(1,5)", r"\boxed{(1,5)}", True),
    ("(a,b)=(1,5)", r"\boxed{(5,1)}", False),
    ("(a,b)=(1,5)", r"\boxed{b=5, a=1}", True),
    ("(a,b)=(1,5)", r"\boxed{a=5, b=1}", False),
    ("P=(2,-1)", r"The point is $\boxed{(2,-1)}$.", True),
    ("P=(2,-1)", r"\boxed{(-1,2)}", False),
    ("AB=4,CD=5", r"\boxed{4, 5}", True),
    ("|AB|=1", r"\boxed{1}", True),
    (r"S_{MBCN}:S=7:32", r"\boxed{7:32}", True),
    ("7:32", r"\boxed{14:64}", True),
    ("7:32", r"\boxed{7:31}", False),
    ("10:00", r"\boxed{10:00}", True),
    ("10:00", r"\boxed{2:00}", False),
    ("14:00", r"\boxed{2:00 pm}", True),
    (r"F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}", r"\boxed{F_n = \sum_{k=0}^{n-1} F_{n-k-1} F_k}", True),
    (r"F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}", r"\boxed{F_n = \sum_{k=0}^{n-2} F_k F_{n-k-2}}", False),
]


@pytest.mark.parametrize("reference,completion,correct", REFERENCE_FORMS)
def test_references_that_are_sums_integrals_labels_ratios_and_times(reference, completion, correct):
    verdict = grade(reference, completion)
    assert verdict.status == ("correct" if correct else "incorrect"), verdict


def test_a_models_integral_or_long_sum_is_not_evaluated():
    assert grade("2", r"\boxed{\int_0^{\pi} \sin x \, dx}").status == "unparsable"
    assert "too large" in grade("2", r"\boxed{\sum_{k=1}^{10^{9}} k}").reason


NUMBER_FORMS = [
    ("12500", "The total is 12 500.", True),
    ("12500", r"The total is $12\,500$.", True),
    ("12500", "The total is 12\u2009500.", True),
    ("3.75", "Le prix est 3,75 €.", True),
    ("0.111", r"\boxed{0,111}", True),
    ("0.25", "The probability is .25", True),
    ("25", "The answer is .25", False),
    (r"6.02\times10^{23}", "The answer is 6.02e23", True),
    (r"4.5\times10^{-3}", "The answer is 4.5E-3", True),
    (r"2.5 \times 10^{-3}", r"\boxed{0.025}", False),
    (r"\frac{1}{6}", "The probability is 1/6 ≈ 0.1667.", True),
    (r"\frac{10}{9}", r"\frac{10}{9}", True),
    ("1234", "The answer is 1,234.", True),
]


@pytest.mark.parametrize("reference,completion,correct", NUMBER_FORMS)
def test_number_formats(reference, completion, correct):
    verdict = grade(reference, completion)
    assert verdict.status == ("correct" if correct else "incorrect"), verdict


SET_AND_PROSE_FORMS = [
    (r"\{-4, 1\}", "the roots are $x=1$ and $x=-4$", True),
    (r"\{-4, 1\}", "the roots are $x=1$ and $x=-3$", False),
    (r"f(x) = 0 \text{ and } f(x) = 2", "f(x)=0 or f(x)=2", True),
    (r"\{1,2,3\}", r"$\boxed{\{1,2\} \cup \{3\}}$", True),
    (r"\{1,2,3\}", r"$\boxed{\{1,2\} \cup \{4\}}$", False),
    (r"\emptyset", r"$\boxed{\varnothing}$", True),
    (r"t \in [-1,4]", r"$\boxed{-1 \le t \le 4}$", True),
    (r"-1 \le t \le 4", r"$\boxed{t \in [-1,4]}$", True),
    (r"(-\infty,-2] \cup [2,\infty)", r"$\boxed{|x| \ge 2}$", True),
    (r"(-\infty,-2] \cup [2,\infty)", r"$\boxed{|x| > 2}$", False),
    ("19, 46, and 82", r"$19, 46, \text{ and } 82$", True),
    ("(11,7)or(7,11)", r"$\boxed{(7,11),\ (11,7)}$", True),
    (r"\frac{3}{4}", r"I believe it's $\frac{3}{4}$, let me check... yes", True),
]


@pytest.mark.parametrize("reference,completion,correct", SET_AND_PROSE_FORMS)
def test_sets_intervals_and_several_answers_in_prose(reference, completion, correct):
    verdict = grade(reference, completion)
    assert verdict.status == ("correct" if correct else "incorrect"), verdict


CODE_SHAPED = [
    "Final answer: exec('import os') or 1",
    "The answer is getattr(__import__('os'), 'system')('true')",
    "The answer is open('/tmp/x', 'w').write('1')",
    "Answer: __import__('math').floor(1.5)",
    "The answer is print(1)",
]


@pytest.mark.parametrize("completion", CODE_SHAPED)
def test_code_shaped_answers_are_unparsable(completion):
    assert grade("1", completion).status == "unparsable"
    assert NUMERIC.grade(Problem("p", "t", "", "1"), completion).status == "unparsable"


@pytest.mark.parametrize("completion", ["Final answer: something or 1", "The answer is the first one or 1.",
                                        r"The answer is $\boxed{x \text{ or } 1}$"])
def test_a_hedge_x_or_1_is_not_the_answer_1(completion):
    assert grade("1", completion).status in ("incorrect", "unparsable")
    assert NUMERIC.grade(Problem("p", "t", "", "1"), completion).status in ("incorrect", "unparsable")


DEMO_CUT = r"... So, we have $\lim_{x \to 0} (- x^{2} - 7) - 7 = -"


def test_truncated_completion_is_not_read_for_a_fallback_number():
    # found in `make demo`: SmolLM2-135M on math.limit, cut by max_tokens mid-formula
    assert grade("7", DEMO_CUT).status == "unparsable"
    assert grade("7", "so the limit is 7 and then 3 +").status == "unparsable"  # trailing operator
    assert grade("7", "so the limit is 7 and then 3 +", finish_reason="stop").status == "incorrect"
    assert grade("7", "the limit is 7", finish_reason="length").status == "unparsable"
    assert grade("7", "the limit is 7").status == "correct"
    # an explicit, complete answer still counts when the text was cut later
    assert grade("7", r"The answer is $\boxed{7}$. Let me also check $x = ", finish_reason="length").passed
    assert grade("7", "The answer is 7.\nChecking: 3 +", finish_reason="length").passed
    assert grade("7", "The answer is 7", finish_reason="length").status == "unparsable"  # statement never ended
    assert grade("5", "It costs $5").status == "correct"  # a currency sign is not an open formula


def test_numeric_grader_honours_the_cut_too():
    problem = Problem("p", "t", "", "7")
    assert NUMERIC.grade(problem, "we get 7 and then 3 +").status == "unparsable"
    assert NUMERIC.grade(problem, "we get 7", finish_reason="length").status == "unparsable"
    assert NUMERIC.grade(problem, r"\boxed{7} and then 3 +", finish_reason="length").passed
    assert NUMERIC.grade(problem, "we get 7", finish_reason="stop").passed


SYSTEM = {"variables": ["x", "y"]}


@pytest.mark.parametrize("completion,correct", [
    (r"\boxed{(3, -2)}", True),
    (r"\boxed{x=3, y=-2}", True),
    (r"\boxed{y=-2, x=3}", True),   # the true answer in the other order
    (r"\boxed{y=3, x=-2}", False),  # labelled but swapped
    (r"\boxed{p=3, q=-2}", False),  # other names
    (r"\boxed{x=3, x=-2}", False),  # one name twice
    (r"\boxed{(x, y) = (3, -2)}", True),
    (r"\boxed{(y, x) = (-2, 3)}", True),
    (r"\boxed{(y, x) = (3, -2)}", False),
])
def test_math_system_names_decide(completion, correct):
    assert grade("(3, -2)", completion, **SYSTEM).passed is correct


@pytest.mark.parametrize("reference,completion,correct", [
    (r"336 \text{ cm}^2", r"\boxed{336 \text{ mm}^2}", False),
    (r"336 \text{ cm}^2", r"\boxed{336 \text{ cm}^2}", True),
    (r"336 \text{ cm}^2", r"\boxed{336}", True),
    (r"336 \text{ cm}^2", r"\boxed{336 \text{ square centimeters}}", True),
    ("5 km", r"\boxed{5 \text{ m}}", False),
    ("10", "Answer: 10 meters", True),
])
def test_units_that_change_the_value_are_not_dropped(reference, completion, correct):
    assert grade(reference, completion).passed is correct


@pytest.mark.parametrize("answer", [
    r"1" + r"\pm 1" * 19,                      # 2^19 expansions
    r"\boxed{" * 60 + "1" + "}" * 60,          # 60 nested boxes
    r"\exp(\exp(\exp(100)))",
    r"e^{e^{e^{100}}}",
    r"\cosh(\cosh(\cosh(100)))",
    r"\sinh(\exp(10^{5}))",
    r"2 \uparrow\uparrow 10",
    r"10^{10^{10}}",
])
def test_expansion_and_towers_are_refused_by_the_guards(answer):
    started = time.perf_counter()
    verdict = grade("2", rf"\boxed{{{answer}}}")
    elapsed = time.perf_counter() - started
    assert verdict.status == "unparsable" and "too large" in verdict.reason, verdict
    assert elapsed < 1.0  # generous: the issue asks for microseconds, these took 2-10 s before


def test_small_towers_and_few_plus_minus_still_read():
    assert grade(r"\{0, 2\}", r"\boxed{1 \pm 1}").passed
    assert grade(r"e^{e}", r"\boxed{\exp(\exp(1))}").passed


# -- the finish reason from the completions file to the grader --------------------------------------

def test_completions_jsonl_takes_an_optional_finish_reason(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "a", "sample": 0, "completion": "x"}) + "\n"
                    + json.dumps({"id": "a", "sample": 1, "completion": "y", "finish_reason": "length"}) + "\n"
                    + json.dumps({"id": "a", "sample": 2, "completion": "z", "finish_reason": "max_tokens"}) + "\n")
    # the fifth field is the completion's usage (None when the line says nothing of it)
    assert [row[4] and row[4].finish_reason for row in read_completions(path)] == [None, "length", "length"]
    path.write_text(json.dumps({"id": "a", "completion": "x", "finish_reason": "tired"}) + "\n")
    with pytest.raises(BadInput) as info:
        list(read_completions(path))
    assert "finish_reason" in str(info.value) and ":1" in str(info.value)


PROBLEMS = [{"id": "p", "task": "math.test", "prompt": "", "reference": "7"}]


@pytest.mark.parametrize("workers", [0, 1])
def test_finish_reason_travels_through_the_pool(workers):
    completions = [{"id": "p", "sample": 0, "completion": "the limit is 7"},
                   {"id": "p", "sample": 1, "completion": "the limit is 7", "finish_reason": "length"}]
    verdicts = {v.sample: v.verdict.status
                for v in api.grade(PROBLEMS, completions, grader="math", workers=workers)}
    assert verdicts == {0: "correct", 1: "unparsable"}


def test_finish_reason_is_stored_and_read_back_for_grading(tmp_path):
    completions = [{"id": "p", "sample": 0, "completion": "the limit is 7", "finish_reason": "stop"},
                   {"id": "p", "sample": 1, "completion": "the limit is 7", "finish_reason": "length"}]
    db = str(tmp_path / "runs.sqlite")
    verdicts = {v.sample: v.verdict.status
                for v in api.grade(PROBLEMS, completions, grader="math", workers=0, db=db, run="r")}
    assert verdicts == {0: "correct", 1: "unparsable"}
    import sqlite3
    rows = sqlite3.connect(db).execute("SELECT sample, finish_reason FROM completions ORDER BY sample").fetchall()
    assert rows == [(0, "stop"), (1, "length")]
