"""Every number a user hands proctor is checked: finite, in its range, and an
integer that reaches the run store fits SQLite's 64-bit INTEGER. A bad one is
exit 2 with one line naming the option or the file, line and field; a store that
cannot be written is exit 3 naming what is wrong with the file. And a clean
exit leaves no cgroup directory behind."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from proctor.options import SQLITE_MAX


@pytest.fixture
def files(cli, tmp_path):
    assert cli("generate", "arith.integer", "--n", "2", "-o", "p.jsonl").code == 0
    ids = [json.loads(line)["id"] for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    return tmp_path, ids


def _one_line(result) -> str:
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    return result.err


@pytest.mark.parametrize("option, value, message", [
    ("--timeout", "nan", "argument --timeout: must be a finite number"),
    ("--timeout", "inf", "argument --timeout: must be a finite number"),
    ("--timeout", "1e999", "argument --timeout: must be a finite number"),
    ("--timeout", "-1", "argument --timeout: must be a positive number"),
    ("--timeout", "soon", "argument --timeout: 'soon' is not a number"),
    ("--memory-mb", "-5", "argument --memory-mb: must be a positive number of MB"),
    ("--memory-mb", "0", "argument --memory-mb: must be a positive number of MB"),
    ("--memory-mb", str(2 ** 60), "argument --memory-mb: must be a positive number of MB"),
    ("--workers", "-1", "argument --workers: must be 0"),
    ("--workers", "100000", "argument --workers: must be 0"),
    ("--workers", "1e3", "argument --workers: '1e3' is not an integer"),
])
def test_bad_grading_options_are_bad_input(cli, files, option, value, message):
    _, ids = files
    (files[0] / "c.jsonl").write_text(json.dumps({"id": ids[0], "completion": "4"}) + "\n")
    result = cli("grade", "p.jsonl", "c.jsonl", option, value)
    assert result.code == 2 and message in _one_line(result)


@pytest.mark.parametrize("args, message", [
    (["generate", "arith.integer", "--n", "0"], "argument --n: must be a positive integer"),
    (["generate", "arith.integer", "--seed", "9" * 30], "argument --seed: must be an integer from"),
    (["generate", "arith.integer", "--seed", "9" * 5000], "got one of 5000 digits"),
    (["run", "s.toml", "--model", "file:x.jsonl", "--step", "-1"], "argument --step: must be a non-negative integer"),
    (["run", "s.toml", "--model", "file:x.jsonl", "--timeout", "nan"], "argument --timeout: must be a finite number"),
    (["gate", "--candidate", "a", "--alpha", "nan"], "argument --alpha: must be a finite number"),
    (["gate", "--candidate", "a", "--alpha", "0.7"], "argument --alpha: must be a number in (0, 0.5)"),
    (["gate", "--candidate", "a", "--margin", "inf"], "argument --margin: must be a finite number"),
    (["gate", "--candidate", "a", "--max-unscored", "-0.1"], "argument --max-unscored: must be a number in [0, 1]"),
    (["plan", "--margin", "0.02", "--baseline-acc", "nan"], "argument --baseline-acc: must be a finite number"),
    (["lm-eval-tasks", "out", "--n", "-3"], "argument --n: must be a positive integer"),
])
def test_bad_numeric_options_of_every_command_are_bad_input(cli, tmp_path, args, message):
    result = cli(*args)
    assert result.code == 2 and message in _one_line(result)


@pytest.mark.parametrize("sample, message", [
    ("1e30", "field 'sample' must be a non-negative integer, got 1e+30"),
    ("9" * 5000, "not valid JSON (an integer has more than 4,300 digits)"),
    (str(SQLITE_MAX + 1), "field 'sample' must be a non-negative integer from 0 to 9,223,372,036,854,775,807"),
    ("-1", "field 'sample' must be a non-negative integer"),
    ("NaN", "not valid JSON (NaN is not a JSON number)"),
    ("Infinity", "not valid JSON (Infinity is not a JSON number)"),
    ("true", "field 'sample' must be a non-negative integer, got True"),
])
def test_bad_sample_fields_name_the_line(cli, files, sample, message):
    tmp_path, ids = files
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": ids[0], "completion": "4"}) + "\n"
                                      + f'{{"id": "{ids[1]}", "completion": "5", "sample": {sample}}}\n')
    result = cli("grade", "p.jsonl", "c.jsonl")
    assert result.code == 2 and f"c.jsonl:2: {message}" in _one_line(result)


def test_the_largest_sample_is_accepted_and_stored(cli, files):
    tmp_path, ids = files
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": ids[0], "completion": "4", "sample": SQLITE_MAX}) + "\n")
    assert cli("grade", "p.jsonl", "c.jsonl", "--run", "big", "-o", "v.jsonl").code == 0
    assert json.loads((tmp_path / "v.jsonl").read_text())["sample"] == SQLITE_MAX


def test_the_python_api_refuses_an_out_of_range_sample():
    import proctor
    from proctor.errors import BadInput
    problem = proctor.generate("arith.integer", n=1, seed=0)[0]
    with pytest.raises(BadInput, match="'sample' must be a non-negative integer"):
        list(proctor.grade([problem], [{"id": problem.id, "sample": 10 ** 30, "completion": "4"}], workers=0))


def test_a_read_only_store_says_what_is_wrong_with_the_file(cli, files):
    """Made immutable (root ignores file modes) or, for another user, not writable."""
    tmp_path, ids = files
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": ids[0], "completion": "4"}) + "\n")
    store = tmp_path / "ro.db"
    assert cli("grade", "p.jsonl", "c.jsonl", "--db", store, "--run", "first").code == 0
    for leftover in (tmp_path / "ro.db-wal", tmp_path / "ro.db-shm"):
        leftover.unlink(missing_ok=True)
    if os.geteuid() == 0 and shutil.which("chattr") and \
            subprocess.run(["chattr", "+i", str(store)], capture_output=True).returncode == 0:
        try:
            result = cli("grade", "p.jsonl", "c.jsonl", "--db", store, "--run", "second")
        finally:
            subprocess.run(["chattr", "-i", str(store)], check=True)
    else:
        store.chmod(0o444)
        result = cli("grade", "p.jsonl", "c.jsonl", "--db", store, "--run", "second")
    assert result.code == 3
    line = _one_line(result)
    assert f"{store}: cannot write the run store: it is read-only" in line and "internal error" not in line


def _run_cgroups() -> set[str]:
    """Every run cgroup directory proctor's hierarchy holds now (read only: no sweep)."""
    from proctor.sandbox.cgroups import ROOT, detect
    version = detect(ROOT)
    controllers = ("memory", "pids", "cpuacct") if version == "v1" else ("",) if version == "v2" else ()
    parents = [os.path.join(ROOT, c, "proctor") for c in controllers]
    return {os.path.join(p, leaf) for p in parents if os.path.isdir(p) for leaf in os.listdir(p)
            if leaf.startswith("run-")}


@pytest.mark.parametrize("workers", ["2", "0"])
def test_code_grading_leaves_no_cgroup_behind(cli, tmp_path, workers):
    """Each worker's warm sandbox had one cgroup directory (proctor/run-PID-0)
    that outlived a clean exit. Other processes on the machine may create and
    remove their own meanwhile, so only new directories of exited processes count."""
    from proctor.sandbox.processes import process_alive
    from code_support import require_backend
    require_backend("bwrap")
    assert cli("generate", "code.functions", "--n", "3", "-o", "code.jsonl").code == 0
    ids = [json.loads(line)["id"] for line in (tmp_path / "code.jsonl").read_text().splitlines()]
    (tmp_path / "cc.jsonl").write_text("".join(json.dumps({"id": i, "completion": "def f():\n    return 1\n"}) + "\n"
                                               for i in ids))
    before = _run_cgroups()
    result = cli("grade", "code.jsonl", "cc.jsonl", "--workers", workers)
    assert result.code == 0, result.err
    left = [d for d in _run_cgroups() - before if not process_alive(int(os.path.basename(d).split("-")[1]))]
    assert not left, left
