"""The json.* task families: deterministic, well-formed, and their own answers grade correct."""
import copy
import hashlib
import json
import os
import subprocess
import sys

import pytest

from proctor import graders
from proctor import tasks
from proctor.graders.problem import canonical_json
from proctor.tasks.base import TaskParameterError

FAMILIES = ("json.extract", "json.conform", "json.convert", "json.toolcall")
LEVELS = (1, 2, 3, 4, 5)


def _answer(problem):
    reference = problem.reference
    return copy.deepcopy(reference["expected"] if "expected" in reference else reference["example"])


def test_families_are_registered_with_the_json_schema_grader():
    for name in FAMILIES:
        assert name in tasks.names()
        assert tasks.get(name).grader == "json_schema"


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("difficulty", LEVELS)
def test_self_check_the_reference_answer_grades_correct(name, difficulty):
    grader = graders.get("json_schema")
    for problem in tasks.get(name).generate(25, seed=11, difficulty=difficulty):
        for completion in (json.dumps(_answer(problem)),
                           "Here you go:\n```json\n" + json.dumps(_answer(problem), indent=2) + "\n```"):
            verdict = grader.grade(problem, completion)
            assert verdict.status == "correct", (problem.id, verdict.reason)
        assert problem.reference["schema"]["$schema"].endswith("2020-12/schema")
        assert "JSON Schema" in problem.prompt


@pytest.mark.parametrize("name", ("json.extract", "json.convert", "json.toolcall"))
def test_a_damaged_answer_loses_credit_but_keeps_partial_credit(name):
    grader = graders.get("json_schema")
    for problem in tasks.get(name).generate(10, seed=5, difficulty=4):
        answer = _answer(problem)
        target = answer["arguments"] if name == "json.toolcall" else answer[0] if isinstance(answer, list) else answer
        key = sorted(target)[0]
        target[key] = ["not", "this"]
        verdict = grader.grade(problem, json.dumps(answer))
        assert verdict.status == "incorrect" and 0 < verdict.score < 1, verdict.reason


def test_conform_rejects_an_object_missing_a_required_field():
    grader = graders.get("json_schema")
    for problem in tasks.get("json.conform").generate(10, seed=5, difficulty=3):
        example = dict(problem.reference["example"])
        del example[problem.reference["schema"]["required"][0]]
        verdict = grader.grade(problem, json.dumps(example))
        assert verdict.status == "incorrect" and "(required)" in verdict.reason


@pytest.mark.parametrize("name", FAMILIES)
def test_same_seed_same_bytes_other_seed_other_problems(name):
    task = tasks.get(name)
    first = [p.to_json() for p in task.generate(15, seed=3, difficulty=4)]
    assert first == [p.to_json() for p in task.generate(15, seed=3, difficulty=4)]
    assert first != [p.to_json() for p in task.generate(15, seed=4, difficulty=4)]
    assert len({json.loads(p)["prompt"] for p in first}) == 15


def test_problems_are_identical_in_another_process_and_hash_seed():
    script = ("import hashlib\nfrom proctor import tasks\n"
              "h = hashlib.sha256()\n"
              f"for name in {FAMILIES!r}:\n"
              "    for d in (1, 3, 5):\n"
              "        for p in tasks.get(name).generate(5, seed=9, difficulty=d):\n"
              "            h.update(p.to_json().encode())\n"
              "print(h.hexdigest())\n")
    digests = set()
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                             cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        digests.add(out.stdout.strip())
    local = hashlib.sha256()
    for name in FAMILIES:
        for d in (1, 3, 5):
            for p in tasks.get(name).generate(5, seed=9, difficulty=d):
                local.update(p.to_json().encode())
    assert digests == {local.hexdigest()}


def test_difficulty_grows_the_structure():
    def leaf_count(value):
        if isinstance(value, dict) and value:
            return sum(leaf_count(v) for v in value.values())
        if isinstance(value, list) and value:
            return sum(leaf_count(v) for v in value)
        return 1

    for name in FAMILIES:
        task = tasks.get(name)
        easy = [leaf_count(_answer(p)) for p in task.generate(20, seed=1, difficulty=1)]
        hard = [leaf_count(_answer(p)) for p in task.generate(20, seed=1, difficulty=5)]
        assert sum(hard) > sum(easy), name


def test_extract_level_5_has_unknown_values_as_null():
    for problem in tasks.get("json.extract").generate(8, seed=2, difficulty=5):
        assert None in problem.reference["expected"].values()


def test_toolcall_level_3_offers_a_choice_of_tools():
    for problem in tasks.get("json.toolcall").generate(8, seed=2, difficulty=3):
        assert len(problem.reference["schema"]["properties"]["name"]["enum"]) == 3


def test_parameters_are_checked():
    with pytest.raises(TaskParameterError):
        tasks.get("json.extract").generate(1, seed=0, difficulty=6)
    with pytest.raises(TaskParameterError):
        tasks.get("json.extract").generate(1, seed=0, kind="recipe")
    problems = tasks.get("json.extract").generate(5, seed=0, kind="invoice", difficulty=2)
    assert all(p.reference["schema"]["title"] == "invoice" for p in problems)


def test_references_are_canonical_json():
    for name in FAMILIES:
        for problem in tasks.get(name).generate(3, seed=0, difficulty=5):
            assert json.loads(canonical_json(problem.reference)) == problem.reference
