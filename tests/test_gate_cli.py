"""`proctor gate`, `plan` and `baseline` end to end: real problems, real grading, the real command.

One store is built per module: arith.integer problems graded three times
through `proctor grade` (the same completions twice, then with a tenth of the
answers corrupted), plus runs made through the Python API where a test needs a
suite config or grader timeouts.
"""
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

import hostile_graders  # noqa: F401  registers test.stuck_in_c; forked grading workers inherit it
import proctor
from proctor.gate.plan import auto_items
from proctor.gate.power import detection_probability, items_needed
from proctor.grading import grade_pending, ingest
from proctor.jsonl import read_completions, read_problems
from proctor.store import RunStore

JUNIT_XSD = Path(__file__).parent / "data" / "junit" / "junit-10.xsd"


class Proctor:
    def __init__(self, directory: Path):
        self.dir = directory
        self.db = directory / "proctor.db"

    def __call__(self, *args):
        env = dict(os.environ, PROCTOR_DB=str(self.db))
        return subprocess.run([sys.executable, "-m", "proctor.cli", *map(str, args)], capture_output=True, text=True,
                              env=env, cwd=self.dir, timeout=300)


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def boxed(value) -> str:
    return f"The answer is \\boxed{{{value}}}."


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("gate")
    run = Proctor(d)
    problems = []
    for level in (2, 3, 4):
        result = run("generate", "arith.integer", "--n", "100", "--seed", "11", "--param", f"difficulty={level}",
                     "-o", f"p{level}.jsonl")
        assert result.returncode == 0, result.stderr
        problems += [json.loads(line) for line in (d / f"p{level}.jsonl").read_text().splitlines()]
    write_jsonl(d / "problems.jsonl", problems)

    rng = random.Random(5)
    right = {p["id"]: rng.random() < 0.7 for p in problems}
    answer = {p["id"]: p["reference"] if right[p["id"]] else p["reference"] + 1 for p in problems}
    corrupted = {p["id"] for i, p in enumerate(problems) if i % 10 == 3}  # a tenth of the answers
    write_jsonl(d / "a.jsonl", [{"id": pid, "completion": boxed(answer[pid])} for pid in answer])
    write_jsonl(d / "b.jsonl", [{"id": pid, "completion": boxed(answer[pid] + 7 if pid in corrupted else answer[pid])}
                                for pid in answer])
    for name, completions in (("base", "a.jsonl"), ("same", "a.jsonl"), ("worse", "b.jsonl")):
        result = run("grade", "problems.jsonl", completions, "--run", name, "-o", f"{name}.verdicts.jsonl",
                     "--workers", "1")
        assert result.returncode == 0, result.stderr
    return {"run": run, "dir": d, "problems": problems, "answer": answer, "right": right, "corrupted": corrupted}


def gate(world, *args):
    return world["run"]("gate", *args)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def junit_validates(path: Path) -> etree._ElementTree:
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    return document


# --- pass, fail, and what the outputs say -------------------------------------------------------

def test_the_same_completions_graded_twice_pass_where_300_items_can_see_the_drop(world):
    """Identical runs never regress. 300 items cannot see the default 4-point drop (2 x the 0.02 margin)
    with 80% power even at perfect pairing, so by default that is inconclusive (exit 4); asked to see a
    5-point drop, the same runs pass."""
    d = world["dir"]
    default = gate(world, "--baseline", "base", "--candidate", "same", "--json", "-")
    assert default.returncode == 4, default.stderr
    report = json.loads(default.stdout)
    [family] = report["families"]
    assert report["status"] == "inconclusive" and family["verdict"] == "inconclusive"
    sensitivity = family["sensitivity"]
    assert sensitivity["correlation_source"] == "estimated"
    assert 0.04 < sensitivity["min_detectable_drop"] < 0.05 and sensitivity["items_needed"] > 300
    assert sensitivity["power"] < 0.8

    result = gate(world, "--baseline", "base", "--candidate", "same", "--detectable-drop", "0.05",
                  "--junit", d / "same.xml", "--markdown", d / "same.md", "--json", d / "same.json")
    assert result.returncode == 0, result.stderr
    assert "arith.integer" in result.stdout and "pass" in result.stdout

    report = read_json(d / "same.json")
    assert report["status"] == "pass" and report["exit_code"] == 0 and report["underpowered_allowed"] is False
    [family] = report["families"]
    assert family["n"] == 300 and family["delta"] == 0 and family["lost"] == [] and family["gained"] == []
    assert family["baseline_mean"] == pytest.approx(sum(world["right"].values()) / 300)
    assert family["sensitivity"]["min_detectable_drop"] <= 0.05 <= family["sensitivity"]["drop"]
    assert "same problem-set hash" in report["problems"]
    assert report["overall"]["test"] is None  # one family: its own test is the overall test

    document = junit_validates(d / "same.xml")
    cases = document.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["arith.integer", "unscored items"]
    assert not document.findall(".//failure") and not document.findall(".//error")
    assert "min_detectable_drop=0.04" in cases[0].find("system-out").text
    assert "PASS" in (d / "same.md").read_text()


def test_a_tenth_of_the_answers_corrupted_fails_with_exit_1(world):
    d = world["dir"]
    result = gate(world, "--baseline", "base", "--candidate", "worse", "--junit", d / "worse.xml",
                  "--markdown", d / "worse.md", "--json", d / "worse.json")
    assert result.returncode == 1, result.stderr
    assert "regressed" in result.stdout and "REGRESSION in arith.integer" in result.stdout

    # The lost items are exactly the corrupted ones the baseline had right; nothing was gained.
    expected_lost = {pid for pid in world["corrupted"] if world["right"][pid]}
    report = read_json(d / "worse.json")
    [family] = report["families"]
    assert report["status"] == "regressed" and family["verdict"] == "regressed"
    assert {c["problem_id"] for c in family["lost"]} == expected_lost and family["gained"] == []
    assert family["delta"] == pytest.approx(-len(expected_lost) / 300)
    assert family["ci_high"] < -family["margin"] and family["p_adjusted"] <= 0.05
    change = family["lost"][0]
    pid = change["problem_id"]
    # Both runs' extracted answers, as the numeric grader read them from the completions.
    assert float(change["baseline"]["extracted"]) == world["answer"][pid]
    assert float(change["candidate"]["extracted"]) == world["answer"][pid] + 7

    document = junit_validates(d / "worse.xml")
    [failure] = document.findall(".//failure")
    assert failure.getparent().get("name") == "arith.integer" and failure.get("type") == "regression"
    assert pid in failure.text
    assert document.getroot().get("failures") == "1"

    markdown = (d / "worse.md").read_text()
    assert markdown.startswith("## :x: proctor gate: REGRESSION in arith.integer")
    row = next(line for line in markdown.splitlines() if line.startswith("| arith.integer |"))
    assert "**regressed**" in row and f"| {len(expected_lost)}/0 |" in row
    assert f"`{pid}`" in markdown and f"{len(expected_lost)} items lost, 0 gained" in markdown


def test_verdict_files_are_gated_like_runs_and_say_they_were_checked_by_ids(world):
    d = world["dir"]
    result = gate(world, "--baseline", d / "base.verdicts.jsonl", "--candidate", d / "worse.verdicts.jsonl",
                  "--json", "-")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert "ids only" in report["problems"]
    from_runs = json.loads(gate(world, "--baseline", "base", "--candidate", "worse", "--json", "-").stdout)
    assert report["families"][0]["p_value"] == from_runs["families"][0]["p_value"]  # the same numbers


# --- bad input and infrastructure ----------------------------------------------------------------

def test_mismatched_problem_sets_exit_2_saying_how_they_differ(world):
    d = world["dir"]
    problems = [dict(p) for p in world["problems"][:290]]
    problems[0]["reference"] += 1  # same id, another answer
    extra = world["run"]("generate", "arith.integer", "--n", "4", "--seed", "99", "-o", "extra.jsonl")
    assert extra.returncode == 0
    problems += [json.loads(line) for line in (d / "extra.jsonl").read_text().splitlines()]
    write_jsonl(d / "other.jsonl", problems)
    write_jsonl(d / "other-c.jsonl", [{"id": p["id"], "completion": "1"} for p in problems])
    graded = world["run"]("grade", "other.jsonl", "other-c.jsonl", "--run", "other", "-o", "other.verdicts.jsonl",
                          "--workers", "1")
    assert graded.returncode == 0, graded.stderr

    result = gate(world, "--baseline", "base", "--candidate", "other")
    assert result.returncode == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert "hold different problem sets" in message
    assert "10 ids only in the baseline" in message and "4 ids only in the candidate" in message
    assert "1 id in both but with different problems" in message and problems[0]["id"] in message

    by_ids = gate(world, "--baseline", d / "base.verdicts.jsonl", "--candidate", d / "other.verdicts.jsonl")
    assert by_ids.returncode == 2 and "compared by ids only" in by_ids.stderr
    assert "1 id in both" not in by_ids.stderr  # a verdicts file cannot see a changed reference

    assert gate(world, "--baseline", "no-such-run", "--candidate", "base").returncode == 2


def test_many_grader_timeouts_exit_3_not_1(world):
    d = world["dir"]
    problems = world["problems"][:100]  # each hang costs a killed worker: keep the run small
    db = str(world["run"].db)
    answers = [{"id": p["id"], "completion": boxed(world["answer"][p["id"]])} for p in problems]
    list(proctor.grade(problems, answers, run="small", db=db, workers=1))
    # Real timeouts: a grader stuck inside one C call, killed by the pool's hard per-item limit.
    hang = {p["id"] for p in problems[::40]}  # 3 of 100: over the 2% allowed
    completions = [{"id": c["id"], "completion": "hang" if c["id"] in hang else c["completion"]} for c in answers]
    verdicts = list(proctor.grade(problems, completions, grader="test.stuck_in_c", run="hung", db=db, workers=2,
                                  timeout=0.5))
    assert {v.id for v in verdicts if v.verdict.status == "timeout"} == hang

    result = gate(world, "--baseline", "small", "--candidate", "hung", "--junit", d / "hung.xml",
                  "--json", d / "hung.json", "--markdown", d / "hung.md")
    assert result.returncode == 3, result.stderr
    report = read_json(d / "hung.json")
    assert report["status"] == "unscored"
    assert report["unscored_share"] == {"baseline": 0.0, "candidate": len(hang) / 100}
    [family] = report["families"]
    assert family["unscored"] == {"items": 100, "baseline": 0, "candidate": len(hang), "excluded": len(hang)}
    assert family["n"] == 100 - len(hang)  # unscored items are left out of the test, not counted wrong
    document = junit_validates(d / "hung.xml")
    [error] = document.findall(".//error")
    assert error.getparent().get("name") == "unscored items" and "over the 2.0% allowed" in error.get("message")
    assert "UNSCORED" in (d / "hung.md").read_text()

    # Allowing more unscored items lets the statistics on the scored ones decide: this grader
    # passes every answer it does not hang on, so the candidate gained items and shows no regression;
    # 97 items cannot see a 4-point drop, which --allow-underpowered accepts, saying so.
    relaxed = gate(world, "--baseline", "small", "--candidate", "hung", "--max-unscored", "0.05", "--json", "-")
    assert relaxed.returncode == 4 and json.loads(relaxed.stdout)["status"] == "inconclusive"
    allowed = gate(world, "--baseline", "small", "--candidate", "hung", "--max-unscored", "0.05",
                   "--allow-underpowered", "--json", "-")
    report = json.loads(allowed.stdout)
    assert allowed.returncode == 0 and report["status"] == "pass" and report["underpowered_allowed"] is True
    assert report["families"][0]["verdict"] == "inconclusive"
    assert "PASS (underpowered, allowed by --allow-underpowered)" in allowed.stderr


# --- suites: margins from the run's config, promoted baselines -----------------------------------

def store_suite_run(world, name: str, completions: str, config: dict) -> None:
    d = world["dir"]
    with RunStore(world["run"].db) as store:
        ingest(store, name, read_problems(d / "problems.jsonl"), read_completions(d / completions),
               model="toy", config=config)
        grade_pending(store, name, workers=1)


def test_baseline_promote_show_and_gate_against_the_promoted_baseline(world):
    run = world["run"]
    refused = run("baseline", "promote", "base")
    assert refused.returncode == 2 and "--suite" in refused.stderr
    no_baseline = gate(world, "--candidate", "worse")
    assert no_baseline.returncode == 2 and "--baseline" in no_baseline.stderr

    store_suite_run(world, "nightly-1", "a.jsonl", {"suite": "smoke", "step": 1000})
    store_suite_run(world, "nightly-2", "b.jsonl", {"suite": "smoke", "step": 2000,
                                                    "margins": {"arith.integer": 0.05}})
    missing = gate(world, "--candidate", "nightly-2")
    assert missing.returncode == 2 and "no baseline promoted for suite 'smoke'" in missing.stderr

    promoted = run("baseline", "promote", "nightly-1")  # the suite comes from the run's config
    assert promoted.returncode == 0 and "smoke" in promoted.stdout
    assert run("baseline", "promote", "base", "--suite", "adhoc").returncode == 0
    shown = run("baseline", "show", "--json")
    assert shown.returncode == 0
    rows = {row["suite"]: row for row in json.loads(shown.stdout)}
    assert rows["smoke"]["run"] == "nightly-1" and rows["smoke"]["model"] == "toy"
    assert rows["adhoc"]["run"] == "base"
    assert "nightly-1" in run("baseline", "show").stdout

    # No --baseline: the candidate's suite's promoted baseline; its suite's per-family margin applies.
    result = gate(world, "--candidate", "nightly-2", "--margin", "0.01", "--json", "-")
    report = json.loads(result.stdout)
    assert report["baseline_run"] == "nightly-1" and report["candidate_run"] == "nightly-2"
    [family] = report["families"]
    assert family["margin"] == 0.05
    assert result.returncode == {"pass": 0, "regressed": 1}[report["status"]]
    # The default margin is what --margin sets for families the suite gives none.
    other = gate(world, "--baseline", "base", "--candidate", "worse", "--margin", "0.01", "--json", "-")
    assert json.loads(other.stdout)["families"][0]["margin"] == 0.01


# --- plan ----------------------------------------------------------------------------------------

def test_plan_prints_the_items_the_gate_needs_for_80_percent_power(world):
    run = world["run"]
    result = run("plan", "--margin", "0.02", "--baseline-acc", "0.7", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    n = plan["items_per_family"]
    assert n == items_needed(0.02, 0.7, 0.5)
    # Enough, and no more than needed, for a true drop of twice the margin.
    assert detection_probability(n, 0.02, 0.7, 0.5) >= 0.8 > detection_probability(n - 1, 0.02, 0.7, 0.5)
    paired, unpaired, textbook = plan["designs"]
    assert unpaired["items"] > 1.8 * paired["items"]  # pairing at correlation 0.5 halves the items
    assert textbook["items"] < paired["items"] and textbook["power"] < 0.8

    table = run("plan", "--margin", "0.02", "--baseline-acc", "0.7", "--correlation", "0.8")
    assert table.returncode == 0 and f"items per family: {items_needed(0.02, 0.7, 0.8)}" in table.stdout
    assert items_needed(0.02, 0.7, 0.8) < n  # more correlated checkpoints need fewer items
    bad = run("plan", "--margin", "0.02", "--baseline-acc", "1.5")
    assert bad.returncode == 2 and "baseline_acc" in bad.stderr


def test_auto_items_without_an_accuracy_covers_every_accuracy():
    worst = auto_items(0.02)
    assert all(worst >= items_needed(0.02, acc / 100, 0.5) for acc in range(20, 100, 5))
    assert auto_items(0.02, baseline_acc=0.7) == items_needed(0.02, 0.7, 0.5)


@pytest.mark.parametrize("line, message", [
    ('{"id": "a", "task": "t", "status": "correct", "score": 1.0', ":2: not valid JSON"),
    ('{"id": "a", "status": "correct", "score": 1.0}', ":2: field 'task' must be a task name"),
    ('{"id": "a", "task": "t", "status": "wrong", "score": 0.0}', ":2: not a verdict"),
    ('{"id": "a", "task": "t", "status": "correct", "score": 2.0}', ":2: not a verdict"),
    ('{"id": "z", "task": "t", "status": "correct", "score": 1.0}', ":2: problem 'z' sample 0 appears twice"),
])
def test_a_bad_verdicts_file_exits_2_naming_file_and_line(world, tmp_path, line, message):
    path = tmp_path / "v.jsonl"
    path.write_text('{"id": "z", "task": "t", "status": "correct", "score": 1.0}\n' + line + "\n")
    result = gate(world, "--baseline", path, "--candidate", path)
    assert result.returncode == 2
    assert f"v.jsonl{message}" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- pass@k, and what a verdicts file says about usage ---------------------------------------------

def k_sample_verdicts(path: Path, solve: dict[str, int], k: int, family: str = "code.x") -> Path:
    """Verdict lines with k samples per problem, `solve[id]` of them correct."""
    rows = []
    for pid, right in solve.items():
        for sample in range(k):
            ok = sample < right
            rows.append({"id": pid, "task": "code.functions", "family": family, "sample": sample,
                         "status": "correct" if ok else "incorrect", "score": 1.0 if ok else 0.0,
                         "finish_reason": "stop" if ok else "length", "completion_tokens": 100})
    return write_jsonl(path, rows)


def test_the_gate_can_compare_pass_at_k(world, tmp_path):
    from proctor.passk import pass_at_k

    rng = random.Random(9)
    base_solve = {f"p{i}": rng.randint(0, 10) for i in range(200)}
    cand_solve = {pid: max(0, right - rng.randint(0, 4)) for pid, right in base_solve.items()}
    base = k_sample_verdicts(tmp_path / "b.jsonl", base_solve, 10)
    cand = k_sample_verdicts(tmp_path / "c.jsonl", cand_solve, 10)

    result = gate(world, "--baseline", base, "--candidate", cand, "--pass-at", "5", "--json", "-")
    report = json.loads(result.stdout)
    [family] = report["families"]
    assert report["pass_at"] == 5 and family["family"] == "code.x" and family["method"] == "bootstrap"
    assert family["baseline_mean"] == pytest.approx(sum(pass_at_k(10, c, 5) for c in base_solve.values()) / 200)
    assert family["candidate_mean"] == pytest.approx(sum(pass_at_k(10, c, 5) for c in cand_solve.values()) / 200)
    assert result.returncode == {"regressed": 1, "inconclusive": 4, "pass": 0}[report["status"]]
    # The default compares the mean score per problem: pass@1.
    default = json.loads(gate(world, "--baseline", base, "--candidate", cand, "--json", "-").stdout)
    assert default["families"][0]["baseline_mean"] == pytest.approx(sum(base_solve.values()) / 2000)
    # What the verdict lines say about each completion shows beside the delta.
    usage = default["families"][0]["usage"]
    assert usage["baseline"]["truncation_rate"] == pytest.approx(1 - sum(base_solve.values()) / 2000)
    assert usage["candidate"]["mean_completion_tokens"] == 100

    too_many = gate(world, "--baseline", base, "--candidate", cand, "--pass-at", "11")
    assert too_many.returncode == 2 and "pass@11 needs at least 11" in too_many.stderr


@pytest.mark.parametrize("args, message", [
    (["--power", "1.5"], "--power must be a probability"),
    (["--detectable-drop", "0.01"], "must lie between its margin (0.02) and 1"),
    (["--detectable-drop", "1x"], "the factor must be above 1"),
    (["--detectable-drop", "lots"], "give a drop in accuracy points"),
    (["--overall-margin", "0.7"], "--overall-margin"),
    (["--pass-at", "0"], "--pass-at must be a positive integer"),
])
def test_bad_gate_options_exit_2_with_one_line(world, args, message):
    result = gate(world, "--baseline", "base", "--candidate", "same", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
