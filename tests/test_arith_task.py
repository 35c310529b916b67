import json
import os
import subprocess
import sys

import pytest

from proctor import graders
from proctor import tasks
from proctor.tasks import CapacityError, TaskParameterError

TASK = tasks.get("arith.integer")


def jsonl(problems):
    return "".join(p.to_json() + "\n" for p in problems)


def test_same_arguments_give_byte_identical_jsonl_in_other_processes():
    here = jsonl(TASK.generate(200, 42, difficulty=4))
    code = "import sys; from proctor import tasks; [sys.stdout.write(p.to_json()+'\\n') for p in tasks.get('arith.integer').generate(200, 42, difficulty=4)]"
    for hashseed in ("0", "1", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONHASHSEED=hashseed)).stdout
        assert out == here


def test_different_seeds_and_parameters_differ():
    a = TASK.generate(50, 1, difficulty=3)
    assert jsonl(a) != jsonl(TASK.generate(50, 2, difficulty=3))
    ids = {p.id for p in a} & {p.id for p in TASK.generate(50, 1, difficulty=4)}
    assert not ids, "two parameter sets must never share problem ids"


@pytest.mark.parametrize("difficulty", [1, 2, 3, 4, 5])
def test_every_difficulty_generates_distinct_prompts_with_metadata(difficulty):
    problems = TASK.generate(100, 0, difficulty=difficulty)
    assert len({p.prompt for p in problems}) == 100
    for index, p in enumerate(problems):
        assert p.metadata["seed"] == 0 and p.metadata["index"] == index
        assert p.metadata["difficulty"] == difficulty
        assert "\\boxed{}" in p.prompt


def test_harder_levels_have_more_operators():
    def operators(problem):
        body = problem.prompt.split("of ", 1)[1].split(".\n")[0]
        return sum(body.count(f" {op} ") for op in "+-*")
    assert operators(TASK.generate(1, 0, difficulty=1)[0]) == 1
    assert operators(TASK.generate(1, 0, difficulty=5)[0]) == 5


def test_reference_graded_against_itself_is_correct():
    grader = graders.get("numeric")
    for difficulty in range(1, 6):
        for p in TASK.generate(150, 7, difficulty=difficulty):
            assert grader.grade(p, f"\\boxed{{{p.reference}}}").status == "correct", p


@pytest.mark.parametrize("params, needle", [
    ({"difficulty": 6}, "difficulty must be an integer from 1 to 5"),
    ({"difficulty": "hard"}, "difficulty must be an integer from 1 to 5"),
    ({"colour": "red"}, "unknown parameter 'colour'; parameters: difficulty, digits, ops"),
    ({"ops": -1}, "ops must be an integer from 0 to 8"),
])
def test_bad_parameters_are_refused_naming_the_parameter(params, needle):
    with pytest.raises(TaskParameterError, match=needle):
        TASK.generate(3, 0, **params)


def test_asking_for_more_than_the_family_holds_is_refused_with_its_capacity():
    assert len(TASK.generate(162, 0, difficulty=1)) == 162  # exactly the capacity works
    with pytest.raises(CapacityError, match="only 162 distinct problems"):
        TASK.generate(163, 0, difficulty=1)


def test_problems_serialise_to_json_and_back():
    from proctor.graders import Problem
    for p in TASK.generate(5, 3, difficulty=5):
        assert Problem.from_dict(json.loads(p.to_json())) == p
