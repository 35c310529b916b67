"""The issue's scenario end to end: 4 families x 60 items, a candidate 10 points worse overall.

Runs go through the real main job (`proctor run SUITE --model file:COMPLETIONS`) and the
real graders, then `proctor gate`. The per-family 2x2 counts are fixed, so every number
is reproducible:

    family            both right  lost  gained  both wrong   delta
    json.extract          20       14      6        20       -13.3 points
    math.quadratic        20       14      6        20       -13.3
    math.linear           20       13      7        20       -10.0
    arith.integer         20       10      8        22        -3.3

Each family's 90% interval lies below zero (json.extract's wholly), yet 60 items
cannot see a 4-point drop: the gate must say "inconclusive" (exit 4), never "pass".
The same candidate on a suite sized by `proctor plan` is a regression (exit 1).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from lxml import etree

from proctor import tasks

JUNIT_XSD = Path(__file__).parent / "data" / "junit" / "junit-10.xsd"
CELLS = {  # both right, lost, gained, both wrong: per 60 items
    "json.extract": (20, 14, 6, 20),
    "math.quadratic": (20, 14, 6, 20),
    "math.linear": (20, 13, 7, 20),
    "arith.integer": (20, 10, 8, 22),
}


def right_answer(problem) -> str:
    if problem.task == "json.extract":
        return json.dumps(problem.reference["expected"])
    return f"The answer is \\boxed{{{problem.reference}}}."


def wrong_answer(problem) -> str:
    if problem.task == "json.extract":
        return json.dumps({"nothing": "extracted"})
    return "The answer is \\boxed{123456789}."


def suite_text(name: str, families: list[tuple[str, str, dict, str]]) -> str:
    """families: (family name, task, params, n as TOML)."""
    lines = [f'name = "{name}"', "[defaults]", "margin = 0.02", "seed = 3"]
    for family, task, params, n in families:
        lines += ["[[family]]", f'name = "{family}"', f'task = "{task}"', f"n = {n}",
                  "params = { " + ", ".join(f"{k} = {v}" for k, v in params.items()) + " }"]
    return "\n".join(lines) + "\n"


def write_runs(directory: Path, families: list[tuple[str, str, dict, int, tuple]], seed: int) -> None:
    """Completions for the baseline and the candidate, family by family, with the given 2x2 counts.

    The candidate's json.extract answers also report a finish reason: 40% were cut at max_tokens."""
    rng = random.Random(seed)
    base, cand = [], []
    for family, task, params, n, counts in families:
        problems = tasks.get(task).generate(n, 3, **params)
        outcomes = [cell for cell, count in enumerate(counts) for _ in range(count)]
        assert len(outcomes) == n
        rng.shuffle(outcomes)
        for i, (problem, cell) in enumerate(zip(problems, outcomes)):
            b_right, c_right = cell in (0, 1), cell in (0, 2)
            usage = {"finish_reason": "length" if i % 5 < 2 else "stop", "completion_tokens": 512 if i % 5 < 2 else 40,
                     "latency_ms": 900.0} if task == "json.extract" else {}
            base.append({"id": problem.id, "completion": (right_answer if b_right else wrong_answer)(problem)})
            cand.append({"id": problem.id, "completion": (right_answer if c_right else wrong_answer)(problem),
                         **usage})
    for path, rows in (("base.jsonl", base), ("cand.jsonl", cand)):
        (directory / path).write_text("".join(json.dumps(r) + "\n" for r in rows))


def run_both(cli, directory: Path) -> None:
    for run, completions in (("base", "base.jsonl"), ("cand", "cand.jsonl")):
        result = cli("run", "suite.toml", "--model", f"file:{completions}", "--run", run, "--workers", "1",
                     cwd=directory)
        assert result.code == 0, result.err


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("scenario")
    families = [(name, name, {"difficulty": 2}, 60, counts) for name, counts in CELLS.items()]
    (d / "suite.toml").write_text(suite_text("scenario", [(f, t, p, str(n)) for f, t, p, n, _ in families]))
    write_runs(d, families, seed=14)
    return d


def test_4_families_of_60_items_are_inconclusive_and_every_output_shows_what_they_can_detect(cli, small):
    d = small
    run_both(cli, d)
    result = cli("gate", "--baseline", "base", "--candidate", "cand", "--json", "gate.json", "--junit", "gate.xml",
                 "--markdown", "gate.md", cwd=d)
    assert result.code == 4, result.err + result.out
    report = json.loads((d / "gate.json").read_text())
    assert report["status"] == "inconclusive" and report["exit_code"] == 4
    families = {f["family"]: f for f in report["families"]}
    assert set(families) == set(CELLS)
    for name, (both, lost, gained, neither) in CELLS.items():
        f = families[name]
        assert f["n"] == 60 and f["delta"] == pytest.approx((gained - lost) / 60)
        assert f["verdict"] == "inconclusive" and f["ci_low"] < 0
        s = f["sensitivity"]
        assert s["min_detectable_drop"] > 0.15 and s["power"] < 0.3 and s["items_needed"] > 1000
    assert families["json.extract"]["ci_high"] < 0  # wholly below zero, and still no evidence beyond the margin
    overall = report["overall"]["test"]
    assert overall["n"] == 240 and overall["delta"] == pytest.approx(-0.1)
    assert overall["verdict"] == "inconclusive" and overall["p_adjusted"] > 0.05
    assert report["overall"]["inconclusive"] == ["arith.integer", "json.extract", "math.linear", "math.quadratic",
                                                 "overall"]

    # The table, the Markdown and the JUnit each show every family's minimum detectable drop.
    shown = {name: f"{families[name]['sensitivity']['min_detectable_drop']:.3f}" for name in CELLS}
    assert "INCONCLUSIVE" in result.out
    markdown = (d / "gate.md").read_text()
    assert markdown.startswith("## :warning: proctor gate: INCONCLUSIVE")
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    junit = etree.parse(str(d / "gate.xml"))
    assert schema.validate(junit), schema.error_log
    cases = {c.get("name"): c for c in junit.findall(".//testcase")}
    for name, value in shown.items():
        assert value in result.out
        row = next(line for line in markdown.splitlines() if line.startswith(f"| {name} |"))
        assert value in row and "*inconclusive*" in row
        [failure] = cases[name].findall("failure")
        assert failure.get("type") == "inconclusive" and f"min_detectable_drop={value}" in failure.get("message")
    assert "overall (all families, stratified)" in cases

    # What the completions cost, beside each delta: 40% of the candidate's json.extract answers were cut.
    usage = families["json.extract"]["usage"]["candidate"]
    assert usage["truncation_rate"] == pytest.approx(0.4) and usage["mean_latency_ms"] == 900.0
    assert families["json.extract"]["usage"]["baseline"]["truncation_rate"] is None  # the baseline said nothing
    json_row = next(line for line in markdown.splitlines() if line.startswith("| json.extract |"))
    assert "-/40%" in json_row and "-/900ms" in json_row

    allowed = cli("gate", "--baseline", "base", "--candidate", "cand", "--allow-underpowered", "--json", "-",
                  "--junit", "allowed.xml", cwd=d)
    assert allowed.code == 0
    report = json.loads(allowed.out)
    assert report["status"] == "pass" and report["underpowered_allowed"] is True
    assert "PASS (underpowered, allowed by --allow-underpowered)" in allowed.err
    junit = etree.parse(str(d / "allowed.xml"))
    assert not junit.findall(".//failure")
    assert "allowed by --allow-underpowered" in junit.find(".//testcase").find("system-out").text


def test_the_same_candidate_on_a_suite_sized_by_proctor_plan_regresses(cli, tmp_path):
    """Four families of one task (arith.integer at difficulties 2 to 5, named apart), each sized by the
    plan (n = "auto" at margin 0.02, the accuracy and correlation the scenario shows), the same drops."""
    plan = cli("plan", "--margin", "0.02", "--baseline-acc", "0.57", "--correlation", "0.35", "--json")
    n = json.loads(plan.out)["items_per_family"]
    scale = n / 60
    names = ["arith.d2", "arith.d3", "arith.d4", "arith.d5"]
    families = []
    for (level, name), counts in zip(enumerate(names, start=2), CELLS.values()):
        both, lost, gained = (round(c * scale) for c in counts[:3])
        families.append((name, "arith.integer", {"difficulty": level}, n, (both, lost, gained, n - both - lost - gained)))
    suite = suite_text("planned", [(f, t, p, '"auto"') for f, t, p, _, _ in families])
    suite = suite.replace("margin = 0.02", "margin = 0.02\nbaseline_acc = 0.57\ncorrelation = 0.35")
    (tmp_path / "suite.toml").write_text(suite)
    write_runs(tmp_path, families, seed=15)
    run_both(cli, tmp_path)
    result = cli("gate", "--baseline", "base", "--candidate", "cand", "--json", "-", cwd=tmp_path)
    assert result.code == 1, result.err
    report = json.loads(result.out)
    by_name = {f["family"]: f for f in report["families"]}
    assert set(by_name) == set(names) and all(f["n"] == n for f in by_name.values())
    assert {name for name, f in by_name.items() if f["verdict"] == "regressed"} >= {"arith.d2", "arith.d3",
                                                                                     "arith.d4"}
    assert report["overall"]["test"]["verdict"] == "regressed"
    assert "REGRESSION in" in result.err
