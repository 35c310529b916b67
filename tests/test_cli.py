"""The `proctor` command: exact shape, exit codes, one-line errors."""
import json

import pytest


def write(path, lines):
    path.write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines))
    return path


@pytest.fixture
def problem_file(cli, tmp_path):
    result = cli("generate", "arith.integer", "--n", "20", "--seed", "3", "--param", "difficulty=2",
                 "-o", tmp_path / "problems.jsonl")
    assert result.code == 0, result.err
    return tmp_path / "problems.jsonl"


def problems_of(path):
    return [json.loads(l) for l in path.read_text().splitlines()]


def test_tasks_lists_grader_and_parameters(cli):
    result = cli("tasks")
    assert result.code == 0
    assert "arith.integer" in result.out and "numeric" in result.out and "difficulty" in result.out


def test_generate_to_stdout_is_deterministic(cli):
    a = cli("generate", "arith.integer", "--n", "5", "--seed", "9")
    b = cli("generate", "arith.integer", "--n", "5", "--seed", "9")
    assert a.code == 0 and a.out == b.out and len(a.out.splitlines()) == 5


def test_grade_writes_verdicts_and_a_summary_and_stores_the_run(cli, tmp_path, problem_file):
    problems = problems_of(problem_file)
    completions = [{"id": p["id"], "completion": f"\\boxed{{{p['reference']}}}"} for p in problems[:15]]
    completions += [{"id": p["id"], "completion": "Answer: 0.5"} for p in problems[15:]]
    completions += [{"id": problems[0]["id"], "completion": "no idea"}]  # a repeated id: its sample 1
    write(tmp_path / "c.jsonl", completions)
    result = cli("grade", problem_file, tmp_path / "c.jsonl", "-o", tmp_path / "v.jsonl", "--run", "r1")
    assert result.code == 0, result.err
    verdicts = [json.loads(l) for l in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert len(verdicts) == 21
    for v in verdicts:
        assert set(v) >= {"id", "sample", "task", "grader", "status", "score", "passed", "extracted", "reason",
                          "elapsed_ms"}
    assert sum(v["passed"] for v in verdicts) == 15
    assert "arith.integer" in result.err and "accuracy" in result.err

    assert "r1" in cli("runs").out
    report = cli("report", "r1", "--json")
    [row] = json.loads(report.out)
    assert row["items"] == 20 and row["samples"] == 21 and row["unscored"] == 0
    assert row["accuracy"] == pytest.approx((14 + 0.5 * 1) / 20 + 0.5 / 20 * 0)  # item 0 averages 1 and 0
    assert row["ci_low"] < row["accuracy"] < row["ci_high"]
    assert cli("export", "r1", "-o", tmp_path / "e.jsonl").code == 0
    exported = [json.loads(l) for l in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert len(exported) == 21 and all("completion" in e for e in exported)


def test_runs_never_cuts_a_name_on_an_80_column_terminal_and_has_json(cli, tmp_path, problem_file):
    """Names are what users paste into `report` and `gate`: they stay whole, even where cells must wrap."""
    write(tmp_path / "c.jsonl", [{"id": p["id"], "completion": "1"} for p in problems_of(problem_file)])
    name = "smoke-20261202-152512-123456-with-a-long-suffix"
    assert cli("grade", problem_file, tmp_path / "c.jsonl", "--run", name).code == 0
    for columns in ("80", "40"):
        listed = cli("runs", env={"COLUMNS": columns})
        assert listed.code == 0 and name in listed.out and "…" not in listed.out
    rows = json.loads(cli("runs", "--json").out)
    [row] = [r for r in rows if r["run"] == name]
    assert row["completions"] == row["verdicts"] == row["problems"] == 20 and row["problem_set_hash"]
    narrow = cli("report", name, env={"COLUMNS": "60"})
    assert narrow.code == 0 and "arith.integer" in narrow.out and "…" not in narrow.out


def test_grading_the_same_run_again_adds_nothing(cli, tmp_path, problem_file):
    problems = problems_of(problem_file)
    write(tmp_path / "c.jsonl", [{"id": p["id"], "completion": "1"} for p in problems])
    assert cli("grade", problem_file, tmp_path / "c.jsonl", "--run", "again").code == 0
    assert cli("grade", problem_file, tmp_path / "c.jsonl", "--run", "again", "-o", tmp_path / "v.jsonl").code == 0
    assert len((tmp_path / "v.jsonl").read_text().splitlines()) == 20


def test_grader_override(cli, tmp_path):
    write(tmp_path / "p.jsonl", [{"id": "x", "task": "outside.data", "prompt": "?", "reference": "42"}])
    write(tmp_path / "c.jsonl", [{"id": "x", "completion": "it is 42"}])
    assert cli("grade", tmp_path / "p.jsonl", tmp_path / "c.jsonl").code == 2  # unknown task, no override
    result = cli("grade", tmp_path / "p.jsonl", tmp_path / "c.jsonl", "--grader", "numeric",
                 "-o", tmp_path / "v.jsonl")
    assert result.code == 0, result.err
    assert json.loads((tmp_path / "v.jsonl").read_text())["status"] == "correct"


BAD_COMPLETIONS = [
    ('{"id": "x", "completion": "1"', "c.jsonl:2: not valid JSON"),
    ('[1, 2]', "c.jsonl:2: expected a JSON object"),
    ('{"completion": "1"}', "c.jsonl:2: missing field 'id'"),
    ('{"id": "PROBLEM", "completion": 5}', "c.jsonl:2: field 'completion' must be a string"),
    ('{"id": "nope", "completion": "1"}', "c.jsonl:2: field 'id': no problem with id 'nope'"),
    ('{"id": "PROBLEM", "completion": "1", "sample": -1}', "c.jsonl:2: field 'sample' must be a non-negative"),
]


@pytest.mark.parametrize("line, message", BAD_COMPLETIONS)
def test_bad_completion_lines_exit_2_with_one_line_naming_file_and_line(cli, tmp_path, problem_file, line, message):
    first = problems_of(problem_file)[0]["id"]
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": first, "completion": "1"}) + "\n"
                                      + line.replace("PROBLEM", first) + "\n")
    result = cli("grade", problem_file, "c.jsonl", "--run", "bad")
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert "bad" not in cli("runs").out  # nothing half-stored


@pytest.mark.parametrize("args, message", [
    (["generate", "no.such.task"], "unknown task 'no.such.task'"),
    (["generate", "arith.integer", "--param", "difficulty=9"], "difficulty must be an integer from 1 to 5"),
    (["generate", "arith.integer", "--param", "oops"], "must look like KEY=VALUE"),
    (["generate", "arith.integer", "--n", "1000", "--param", "difficulty=1"], "only 162 distinct problems"),
    (["grade", "missing.jsonl", "missing2.jsonl"], "missing.jsonl: no such file"),
    (["grade", "PROBLEMS", "PROBLEMS", "--grader", "nope"], "unknown grader 'nope'"),
    (["grade", "PROBLEMS", "PROBLEMS", "--timeout", "0"], "argument --timeout: must be a positive number"),
    (["report", "no-such-run"], "no run named 'no-such-run'"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(cli, problem_file, args, message):
    result = cli(*[str(problem_file) if a == "PROBLEMS" else a for a in args])
    assert result.code == 2, (result.out, result.err)
    assert message in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_problems_file_errors_name_the_line(cli, tmp_path):
    write(tmp_path / "p.jsonl", [{"id": "a", "task": "arith.integer", "prompt": "?", "reference": 1},
                                 {"id": "b", "task": "arith.integer", "prompt": "?"}])
    write(tmp_path / "c.jsonl", [{"id": "a", "completion": "1"}])
    result = cli("grade", "p.jsonl", "c.jsonl")
    assert result.code == 2 and "p.jsonl:2: missing field 'reference'" in result.err


def test_unreadable_store_is_an_infrastructure_failure(cli, tmp_path, problem_file):
    (tmp_path / "not-a-db").write_text("this is not sqlite" * 100)
    result = cli("runs", "--db", tmp_path / "not-a-db")
    assert result.code == 3 and "cannot open the run store" in result.err


def test_negative_workers_are_bad_input_for_run_too(cli, tmp_path):
    (tmp_path / "s.toml").write_text('[[family]]\ntask = "arith.integer"\nn = 1\n')
    result = cli("run", "s.toml", "--model", "file:none.jsonl", "--workers", "-1")
    assert result.code == 2 and "argument --workers: must be 0" in result.err
