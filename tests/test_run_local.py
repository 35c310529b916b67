"""`proctor run` end to end with the bundled real model (SmolLM2-135M-Instruct via llama-cpp-python)."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed; `make install` builds it")

SUITE = """
name = "tiny"
[defaults]
max_tokens = 40
temperature = 0.0

[[family]]
task = "arith.integer"
n = {n}
seed = 3
params = {{ difficulty = 1 }}
"""


def suite_file(tmp_path, n):
    path = tmp_path / f"tiny{n}.toml"
    path.write_text(SUITE.format(n=n))
    return path


def completions(db, run):
    with sqlite3.connect(db) as con:
        return dict(((pid, s), text) for pid, s, text in
                    con.execute("SELECT id, sample, completion FROM completions WHERE run = ?", (run,)))


def test_run_stores_everything_and_a_rerun_asks_nothing(cli, tmp_path):
    suite = suite_file(tmp_path, 4)
    first = cli("run", suite, "--model", "local", "--run", "r", "--db", tmp_path / "a.db")
    assert first.code == 0, first.err
    assert "asked the model 4 times" in first.err and "arith.integer" in first.out
    again = cli("run", suite, "--model", "local", "--run", "r", "--db", tmp_path / "a.db")
    assert again.code == 0 and "asked the model 0 times" in again.err
    stored = completions(tmp_path / "a.db", "r")
    assert len(stored) == 4 and all(isinstance(t, str) for t in stored.values())
    report = cli("report", "r", "--json", "--db", tmp_path / "a.db")
    assert '"items": 4' in report.out
    # llama-cpp says how each answer ended and what it cost; the run keeps it.
    with sqlite3.connect(tmp_path / "a.db") as con:
        usage = con.execute("SELECT finish_reason, prompt_tokens, completion_tokens, latency_ms FROM completions "
                            "WHERE run = 'r'").fetchall()
    assert all(reason in ("stop", "length") and prompt > 0 and 0 < tokens <= 40 and latency > 0
               for reason, prompt, tokens, latency in usage)


def test_greedy_decoding_is_identical_across_processes(cli, tmp_path):
    suite = suite_file(tmp_path, 3)
    assert cli("run", suite, "--model", "local", "--run", "x", "--db", tmp_path / "1.db").code == 0
    assert cli("run", suite, "--model", "local", "--run", "x", "--db", tmp_path / "2.db").code == 0
    one, two = completions(tmp_path / "1.db", "x"), completions(tmp_path / "2.db", "x")
    assert one == two and len(one) == 3
    assert any(text.strip() for text in one.values())


def test_killed_while_asking_the_model_resumes_without_asking_again(tmp_path):
    suite, db = suite_file(tmp_path, 8), tmp_path / "k.db"
    command = [sys.executable, "-m", "proctor.cli", "run", str(suite), "--model", "local", "--run", "k",
               "--db", str(db)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    before = {}
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(db):
            try:
                before = completions(db, "k")
            except sqlite3.OperationalError:
                before = {}
            if len(before) >= 2:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = completions(db, "k")
    assert 0 < len(before) < 8, "the kill must land while the model is answering"

    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    asked = int(re.search(r"asked the model (\d+) times", done.stderr).group(1))
    assert asked == 8 - len(before)
    after = completions(db, "k")
    assert len(after) == 8
    assert all(after[key] == text for key, text in before.items())
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM verdicts WHERE run='k'").fetchone()[0] == 8


def test_file_model_grades_completions_made_elsewhere(cli, tmp_path):
    suite = suite_file(tmp_path, 5)
    problems = cli("generate", "arith.integer", "--n", "5", "--seed", "3", "--param", "difficulty=1")
    import json
    lines = [json.loads(l) for l in problems.out.splitlines()]
    (tmp_path / "c.jsonl").write_text("".join(
        json.dumps({"id": p["id"], "completion": f"\\boxed{{{p['reference']}}}"}) + "\n" for p in lines))
    result = cli("run", suite, "--model", f"file:{tmp_path / 'c.jsonl'}", "--run", "f")
    assert result.code == 0, result.err
    assert "1.000" in result.out
    (tmp_path / "short.jsonl").write_text(json.dumps({"id": lines[0]["id"], "completion": "1"}) + "\n")
    missing = cli("run", suite, "--model", f"file:{tmp_path / 'short.jsonl'}", "--run", "g")
    assert missing.code == 2 and "no completion for problem" in missing.err


@pytest.mark.parametrize("spec", ["nonsense", "openai:no-url", "file:", "openai:m@ftp://x"])
def test_bad_model_specs_exit_2(cli, tmp_path, spec):
    result = cli("run", suite_file(tmp_path, 2), "--model", spec)
    assert result.code == 2 and "--model" in result.err and "Traceback" not in result.err
