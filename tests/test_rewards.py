"""proctor.rewards, called the way TRL's GRPOTrainer and veRL's reward managers call a reward function.

TRL (trainer/grpo_trainer.py, `_calculate_rewards`): every dataset column except
prompt/completion is passed as a keyword list with one entry per completion
(rows repeated num_generations times), plus completion_ids and trainer_state;
a None reward becomes NaN. veRL: the naive manager calls
compute_score(data_source=, solution_str=, ground_truth=, extra_info=) per
response; the batch manager calls it with plural list keywords.
"""
from __future__ import annotations

import json
import math

import pytest

import hostile_graders  # noqa: F401  (registers test.* graders before the pools fork)
import proctor
from isolation import unavailable
from proctor.rewards import (MisroutedRow, ProctorReward, completion_text, compute_score, compute_score_batch, trl_rows,
                             verl_rows)

NUM_GENERATIONS = 2


@pytest.fixture(scope="module")
def reward():
    with ProctorReward(workers=2, timeout=5) as fn:
        yield fn


def trl_call(fn, rows, completions, **extra):
    """What GRPOTrainer does with a batch: repeat each row per generation, pass the columns as kwargs."""
    inputs = [row for row in rows for _ in range(NUM_GENERATIONS)]
    keys = [k for k in inputs[0] if k not in ("prompt", "completion")]
    reward_kwargs = {k: [example[k] for example in inputs] for k in keys}
    return fn(prompts=[x["prompt"] for x in inputs], completions=completions,
              completion_ids=[[1, 2, 3]] * len(completions), trainer_state=object(), **extra, **reward_kwargs)


def boxed(value) -> str:
    return f"Working it out... the result is \\boxed{{{value}}}"


def test_trl_conversational_batch_scores_each_completion_in_order(reward):
    problems = proctor.generate("arith.integer", n=3, seed=11, difficulty=2)
    rows = trl_rows(problems)
    assert rows[0]["prompt"] == [{"role": "user", "content": problems[0].prompt}]
    completions = []
    for p in problems:  # first generation right, second wrong
        completions.append([{"role": "assistant", "content": boxed(p.reference)}])
        completions.append([{"role": "assistant", "content": boxed(int(p.reference) + 1)}])
    rewards = trl_call(reward, rows, completions)
    assert rewards == [1.0, 0.0] * 3
    assert reward.__name__ == "proctor_reward"  # TRL logs each reward function under its __name__


def test_trl_standard_format_plain_strings(reward):
    problems = proctor.generate("math.linear", n=2, seed=3)
    rows = trl_rows(problems, chat=False)
    assert isinstance(rows[0]["prompt"], str)
    answers = [f"x = {p.reference}" for p in problems]
    # a right answer and an unreadable one per problem
    completions = [answers[0], "I refuse", answers[1], ""]
    assert trl_call(reward, rows, completions) == [1.0, 0.0, 1.0, 0.0]


def test_rows_survive_an_arrow_dataset_round_trip(reward):
    datasets = pytest.importorskip("datasets", reason="datasets comes with lm-eval (dev extra)")
    problems = proctor.generate("arith.integer", n=2, seed=5) + proctor.generate("json.extract", n=2, seed=5)
    dataset = datasets.Dataset.from_list(trl_rows(problems))  # mixed reference shapes in one column
    rows = list(dataset)
    completions = [[{"role": "assistant", "content": "nothing useful"}]] * (2 * len(rows))
    assert trl_call(reward, rows, completions) == [0.0] * 8


def test_hostile_completions_never_raise_and_always_score(reward):
    problems = proctor.generate("arith.integer", n=1, seed=2)
    rows = trl_rows(problems) * 4  # 8 completions
    completions = [
        "9" * 5_000_000,                                   # a number of five million digits
        None,                                              # not text at all
        [{"role": "assistant", "content": None}],
        [{"role": "assistant", "content": [{"type": "text", "text": boxed(problems[0].reference)}]}],
        [{"role": "tool", "content": boxed(problems[0].reference)}],  # not the assistant's words
        "\\boxed{" * 10_000,                                # unclosed boxes
        "\x00\ud800 " + "(" * 5000,
        {"role": "assistant", "content": boxed(problems[0].reference)},  # a bare message dict
    ]
    rewards = trl_call(reward, rows, completions)
    assert len(rewards) == 8 and all(isinstance(r, float) and 0.0 <= r <= 1.0 for r in rewards)
    assert rewards[3] == 1.0 and rewards[7] == 1.0
    assert rewards[4] == 0.0  # a tool message is not the model's answer


def test_grader_timeouts_and_errors_score_zero_and_are_counted():
    problems = proctor.generate("arith.integer", n=1, seed=1)
    rows = trl_rows(problems) * 2
    with ProctorReward("test.stuck_in_c", workers=2, timeout=1) as fn:
        rewards = trl_call(fn, rows, ["hang", "fine", "fine", "fine"])
        assert rewards == [0.0, 1.0, 1.0, 1.0]
        assert fn.stats["timeout"] == 1 and fn.stats["correct"] == 3
    with ProctorReward("test.raises", workers=1, unscored_reward=None) as fn:
        assert trl_call(fn, rows[:1], ["a", "b"]) == [None, None]  # TRL turns None into NaN and skips it
        assert fn.stats["error"] == 2


def test_a_worker_killed_by_its_grader_costs_one_score_only():
    rows = trl_rows(proctor.generate("arith.integer", n=2, seed=4))
    with ProctorReward("test.dies", workers=1, timeout=5) as fn:
        rewards = trl_call(fn, rows, ["ok", "die", "ok", "ok"])
    assert rewards == [1.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize("cell", ["{not json", json.dumps({"id": "x"}),
                                  json.dumps({"id": "x", "task": "math.linaer", "prompt": "", "reference": "1"})])
def test_a_row_that_is_no_problem_raises_naming_the_accepted_forms(reward, cell):
    problems = proctor.generate("arith.integer", n=1, seed=1)
    good = trl_rows(problems)[0]
    before = reward.stats["misrouted_row"]
    with pytest.raises(MisroutedRow, match=rf"reward row {NUM_GENERATIONS}: .*'proctor/<task>'"):
        trl_call(reward, [good, dict(good, problem=cell, grader=None)], [boxed(problems[0].reference)] * 2 * NUM_GENERATIONS)
    assert reward.stats["misrouted_row"] == before + 1


def test_a_dataset_without_problem_columns_is_a_configuration_error(reward):
    with pytest.raises(ValueError, match="needs a 'problem' column"):
        reward(prompts=["q"], completions=["a"], answer=["1"])
    with pytest.raises(ValueError, match="has 1 entries for 2 completions"):
        reward(prompts=["q", "q"], completions=["a", "b"], problem=["{}"])


def test_task_and_reference_columns_work_without_a_problem_column(reward):
    assert reward(prompts=["2+2?", "2+2?"], completions=["4", "5"], task=["arith.integer"] * 2,
                  reference=["4", "4"]) == [1.0, 0.0]


def test_sandboxed_code_rewards_and_reward_hacks():
    problems = proctor.generate("code.functions", n=1, seed=1)
    rows = trl_rows(problems)
    solution = f"```python\n{problems[0].reference['solution']}```"
    hack = "```python\nimport sys\nsys.exit(0)\n```"
    with ProctorReward(workers=2, timeout=30) as fn:
        rewards = trl_call(fn, rows, [solution, hack])
        if fn.stats["error"]:
            unavailable("the code grader's sandbox cannot run here (see tests/test_code_grader.py)")
    assert rewards == [1.0, 0.0]


def test_verl_naive_manager_calls_compute_score_per_response():
    problems = proctor.generate("arith.integer", n=3, seed=9)
    rows = verl_rows(problems)
    assert rows[0]["data_source"] == "proctor/arith.integer"
    assert json.loads(rows[0]["reward_model"]["ground_truth"])["id"] == problems[0].id
    scores = [compute_score(data_source=row["data_source"], solution_str=text,
                            ground_truth=row["reward_model"]["ground_truth"], extra_info=row["extra_info"])
              for row, text in zip(rows, [boxed(problems[0].reference), "no", "\\boxed{" * 50])]
    assert scores == [1.0, 0.0, 0.0]


def test_verl_bare_reference_with_a_proctor_data_source():
    assert compute_score("proctor/arith.integer", "so the answer is 12.", "12") == 1.0
    assert compute_score("proctor/arith.integer", "so the answer is 13.", "12") == 0.0


@pytest.mark.parametrize("source, message", [
    ("math.linear", r"data_source 'math.linear' names no proctor task \(did you mean 'proctor/math.linear'\?\)"),
    ("openai/gsm8k", r"data_source 'openai/gsm8k' names no proctor task and"),
    ("proctor/math.linaer", r"unknown task 'math.linaer'; known: .*math.linear"),
])
def test_a_misrouted_verl_row_raises_on_first_use_instead_of_scoring_zero(source, message):
    """Before: every such row printed a line and scored 0.0, and the trainer trained on zeros."""
    with pytest.raises(MisroutedRow, match=message):
        compute_score(source, "x = \\boxed{2}", "2")
    with pytest.raises(MisroutedRow, match="proctor/<task>"):
        compute_score_batch([source] * 3, ["1", "2", "3"], ["2"] * 3)


def test_verl_batch_manager_form():
    problems = proctor.generate("arith.integer", n=4, seed=6)
    rows = verl_rows(problems)
    texts = [boxed(p.reference) if i % 2 == 0 else "?" for i, p in enumerate(problems)]
    scores = compute_score_batch(data_sources=[r["data_source"] for r in rows], solution_strs=texts,
                                 ground_truths=[r["reward_model"]["ground_truth"] for r in rows],
                                 extra_infos=[r["extra_info"] for r in rows])
    assert scores == [1.0, 0.0, 1.0, 0.0]
    assert all(not math.isnan(s) for s in scores)


@pytest.mark.parametrize("value, text", [
    ("plain", "plain"),
    ([{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], "a\nb"),
    ([{"content": "no role means the completion"}], "no role means the completion"),
    ([{"role": "user", "content": "x"}], ""),
    (42, ""),
    ([["nested"]], ""),
])
def test_completion_text(value, text):
    assert completion_text(value) == text
