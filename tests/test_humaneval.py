"""All 164 HumanEval canonical solutions pass the code grader (one sandbox run
per problem, every check() call batched in it), and every official check,
replayed outside, rejects a candidate that answers None."""
from __future__ import annotations

import pytest

from proctor.graders.code import protocol, replay
from code_support import canonical, full_solution, grader, humaneval_problems


def test_dataset_is_complete_and_ids_are_humaneval_ids():
    problems = humaneval_problems()
    assert len(problems) == 164
    assert sorted(problems, key=lambda pid: int(pid.split("/")[1])) == [f"HumanEval/{i}" for i in range(164)]
    assert all(p.task == "code.humaneval" and p.reference["kind"] == "check" for p in problems.values())


def test_all_canonical_solutions_pass():
    code_grader = grader("bwrap")
    failures = {}
    for problem_id, problem in humaneval_problems().items():
        verdict = code_grader.grade(problem, canonical(problem_id))
        if verdict.status != "correct":
            failures[problem_id] = (verdict.status, verdict.reason)
    assert failures == {}


@pytest.mark.parametrize("problem_id", ["HumanEval/32", "HumanEval/38", "HumanEval/53", "HumanEval/107"])
def test_full_definition_in_a_fence_passes(problem_id):
    """The other accepted form: the whole function in a ```python block after prose."""
    code_grader = grader("bwrap")
    answer = "Here is my solution.\n\n```python\n" + full_solution(problem_id) + "```\nDone."
    verdict = code_grader.grade(humaneval_problems()[problem_id], answer)
    assert verdict.status == "correct", verdict


def test_every_check_rejects_none_answers_on_replay():
    """Replay is the judge, so each official check must fail a candidate whose
    every result is None (run outside, no sandbox needed: only trusted code)."""
    lenient = []
    for problem_id, problem in humaneval_problems().items():
        ref = problem.reference
        program = ref["prompt"] + ref["canonical_solution"]
        recording = replay.record(program, ref["test"], ref["entry_point"])
        assert replay.replay(program, ref["test"], recording, [protocol.decode(o) for o in recording.outputs]) is None
        if replay.replay(program, ref["test"], recording, [None] * len(recording.calls)) is None:
            lenient.append(problem_id)
    assert lenient == []
