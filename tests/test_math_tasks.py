"""The math.* task families: every level generates, output is byte-identical in
any process, parameters are checked, each answer survives an independent
re-derivation, and the `math` grader accepts every reference against itself
(and rejects it when it is changed)."""
import hashlib
import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from proctor import graders
from proctor import tasks
from proctor.graders.problem import Problem
from proctor.tasks.base import CapacityError, TaskParameterError

FAMILIES = ("math.arithmetic", "math.linear", "math.quadratic", "math.system", "math.polynomial",
            "math.derivative", "math.integral", "math.limit", "math.inequality", "math.word")
LEVELS = (1, 2, 3, 4, 5)
KINDS = {"number", "expression", "set", "tuple", "interval"}
REPO = Path(__file__).resolve().parent.parent


def _math_grader():
    if importlib.util.find_spec("proctor.graders.math") is None:
        pytest.skip("the math grader (graders/math) is missing, so references cannot be self-graded")
    return graders.get("math")


def _boxed(answer: str) -> str:
    return f"Working through it step by step, the final answer is $\\boxed{{{answer}}}$."


def test_every_family_is_registered_with_the_math_grader():
    for name in FAMILIES:
        assert name in tasks.names()
        task = tasks.get(name)
        assert task.name == name and task.grader == "math"
        assert [p for p in task.params if p.name == "difficulty"][0].high == 5


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("difficulty", LEVELS)
def test_every_level_generates_distinct_well_formed_problems(name, difficulty):
    problems = tasks.get(name).generate(30, seed=3, difficulty=difficulty)
    assert len({p.prompt for p in problems}) == 30
    for problem in problems:
        assert "\\boxed{}" in problem.prompt
        assert isinstance(problem.reference, str) and problem.reference.strip()
        assert problem.metadata["answer_kind"] in KINDS
        assert problem.metadata["difficulty"] == difficulty
        problem.to_json()  # serializable as canonical JSON


def test_answer_shapes_match_their_kinds():
    shapes = {"math.quadratic": ("set", "\\{"), "math.system": ("tuple", "("),
              "math.inequality": ("interval", ("(", "["))}
    for name, (kind, start) in shapes.items():
        for problem in tasks.get(name).generate(40, seed=5, difficulty=4):
            assert problem.metadata["answer_kind"] == kind
            assert problem.reference.startswith(start)
    system = tasks.get("math.system").generate(5, seed=5, difficulty=5)
    assert all(p.metadata["variables"] == ["x", "y", "z"] and p.reference.count(",") == 2 for p in system)


def test_indefinite_integrals_are_marked_as_up_to_a_constant_and_definite_ones_are_not():
    task = tasks.get("math.integral")
    for problem in task.generate(40, seed=8, difficulty=3, kind="indefinite"):
        assert problem.metadata["antiderivative"] is True and problem.metadata["up_to_constant"] is True
        assert problem.metadata["variable"] == "x" and problem.metadata["answer_kind"] == "expression"
    for problem in task.generate(40, seed=8, difficulty=3, kind="definite"):
        assert "antiderivative" not in problem.metadata and "up_to_constant" not in problem.metadata
        assert problem.metadata["answer_kind"] == "number"
    drawn = {p.metadata.get("antiderivative", False) for p in task.generate(40, seed=8, difficulty=3)}
    assert drawn == {True, False}


def test_metadata_stays_with_its_problem_when_generators_interleave():
    # Each item's metadata comes back from `make` with its prompt; two generators
    # advanced in turn must not swap it.
    task = tasks.get("math.integral")
    definite = task.iter_generate(20, seed=4, kind="definite")
    indefinite = task.iter_generate(20, seed=4, kind="indefinite")
    for a, b in zip(definite, indefinite):
        assert "antiderivative" not in a.metadata and a.metadata["answer_kind"] == "number"
        assert b.metadata["antiderivative"] is True and b.metadata["answer_kind"] == "expression"
    assert [p.to_json() for p in task.iter_generate(20, seed=4, kind="definite")] == \
        [p.to_json() for p in task.generate(20, seed=4, kind="definite")]


def test_polynomial_mode_sets_the_requested_form():
    task = tasks.get("math.polynomial")
    assert {p.metadata["answer_form"] for p in task.generate(30, seed=1, mode="expand")} == {"expanded"}
    factored = task.generate(30, seed=1, mode="factor", difficulty=2)
    assert {p.metadata["answer_form"] for p in factored} == {"factored"}
    assert all("\\left(" in p.reference for p in factored)


def test_word_problems_name_their_unit():
    for problem in tasks.get("math.word").generate(50, seed=2, difficulty=3):
        assert problem.metadata["unit"] and problem.metadata["unit"] in problem.prompt


# --- determinism -----------------------------------------------------------------

_DUMP = """
import hashlib, sys
from proctor import tasks
digest = hashlib.sha256()
for name in sys.argv[1].split(","):
    for level in (1, 2, 3, 4, 5):
        for problem in tasks.get(name).generate(12, seed=2024, difficulty=level):
            digest.update(problem.to_json().encode() + b"\\n")
print(digest.hexdigest())
"""


def _digest_in_process() -> str:
    digest = hashlib.sha256()
    for name in FAMILIES:
        for level in LEVELS:
            for problem in tasks.get(name).generate(12, seed=2024, difficulty=level):
                digest.update(problem.to_json().encode() + b"\n")
    return digest.hexdigest()


def test_the_same_seed_gives_byte_identical_jsonl_under_any_hash_seed():
    expected = _digest_in_process()
    for hash_seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", _DUMP, ",".join(FAMILIES)], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300, check=True)
        assert out.stdout.strip() == expected, f"PYTHONHASHSEED={hash_seed} changed the problems"


def test_a_different_seed_gives_different_problems():
    for name in FAMILIES:
        first = [p.prompt for p in tasks.get(name).generate(10, seed=1, difficulty=3)]
        second = [p.prompt for p in tasks.get(name).generate(10, seed=2, difficulty=3)]
        assert first != second


# --- parameters ---------------------------------------------------------------------

@pytest.mark.parametrize("name", FAMILIES)
def test_bad_parameters_are_refused(name):
    task = tasks.get(name)
    for bad in (0, 6, "hard", 2.5, True):
        with pytest.raises(TaskParameterError, match="difficulty"):
            task.generate(1, seed=1, difficulty=bad)
    with pytest.raises(TaskParameterError, match="unknown parameter"):
        task.generate(1, seed=1, level=2)
    assert len(task.generate(2, seed=1, difficulty="4")) == 2  # command-line strings are coerced


def test_family_options_are_checked():
    with pytest.raises(TaskParameterError, match="mode"):
        tasks.get("math.polynomial").generate(1, seed=1, mode="simplify")
    with pytest.raises(TaskParameterError, match="kind"):
        tasks.get("math.integral").generate(1, seed=1, kind="improper")


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("difficulty", LEVELS)
def test_asking_for_more_problems_than_the_family_has_is_refused(name, difficulty):
    task = tasks.get(name)
    capacity = task.capacity(task.resolve_params({"difficulty": difficulty}))
    assert isinstance(capacity, int) and capacity > 0
    with pytest.raises(CapacityError, match="distinct problems"):
        task.generate(capacity + 1, seed=1, difficulty=difficulty)


@pytest.mark.parametrize("name, params", [("math.quadratic", {"difficulty": 1}),
                                          ("math.polynomial", {"difficulty": 1, "mode": "factor"}),
                                          ("math.inequality", {"difficulty": 3}),
                                          ("math.limit", {"difficulty": 5})])
def test_small_families_can_fill_half_their_capacity(name, params):
    # The capacity is an upper bound; it must not be so loose that half of it is out of reach.
    task = tasks.get(name)
    half = task.capacity(task.resolve_params(params)) // 2
    assert len({p.prompt for p in task.generate(half, seed=9, **params)}) == half


# --- correctness ----------------------------------------------------------------------

@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("difficulty", LEVELS)
def test_each_answer_survives_an_independent_derivation(name, difficulty):
    # `verify` re-derives the answer another way: sympy's solve/linsolve/limit/
    # solve_univariate_inequality, difference quotients, quadrature, parsing the prompt.
    task = tasks.get(name)
    params = task.resolve_params({"difficulty": difficulty})
    for seed in range(6):
        item = task.build(random.Random(f"verify|{name}|{seed}"), params)
        assert task.verify(item), (name, difficulty, item.prompt, item.reference)


@pytest.mark.parametrize("name", FAMILIES)
def test_self_check_every_reference_grades_correct_against_itself(name):
    grader = _math_grader()
    rejected = []
    for difficulty in LEVELS:
        for problem in tasks.get(name).generate(60, seed=31, difficulty=difficulty):
            verdict = grader.grade(problem, _boxed(problem.reference))
            if verdict.status != "correct":
                rejected.append((problem.id, problem.reference, verdict.status, verdict.reason))
    assert not rejected, rejected[:5]


def _wrong_answer(problem: Problem, others: list[Problem]) -> str:
    kind = problem.metadata["answer_kind"]
    if kind in ("number", "expression"):
        # F + 1 is still an antiderivative; F + x is not.
        shift = "x" if problem.metadata.get("antiderivative") else "1"
        return f"\\left({problem.reference}\\right) + {shift}"
    # Sets, tuples and intervals are printed canonically, so a different string is a different answer.
    return next(o.reference for o in others if o.reference != problem.reference)


@pytest.mark.parametrize("name", FAMILIES)
def test_self_check_is_not_vacuous_a_changed_reference_is_rejected(name):
    grader = _math_grader()
    for difficulty in LEVELS:
        problems = tasks.get(name).generate(12, seed=77, difficulty=difficulty)
        for problem in problems:
            verdict = grader.grade(problem, _boxed(_wrong_answer(problem, problems)))
            assert verdict.status == "incorrect", (problem.reference, verdict.extracted, verdict.reason)
