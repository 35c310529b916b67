"""A grading run killed with SIGKILL at any moment resumes and ends with exactly one verdict per item."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from proctor import tasks

N = 40_000


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    problems = tasks.get("arith.integer").generate(N, 11, difficulty=5)
    with open(folder / "problems.jsonl", "w") as out:
        out.writelines(p.to_json() + "\n" for p in problems)
    with open(folder / "completions.jsonl", "w") as out:
        for i, p in enumerate(problems):
            answer = p.reference if i % 3 else p.reference + 1
            out.write(f'{{"id": "{p.id}", "completion": "\\\\boxed{{{answer}}}"}}\n')
    return folder


def verdict_count(db):
    if not os.path.exists(db):
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def start(folder, db):
    return subprocess.Popen([sys.executable, "-m", "proctor.cli", "grade", folder / "problems.jsonl",
                             folder / "completions.jsonl", "--run", "killed", "--db", db, "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("kill_after", ["ingest", "grading"])
def test_sigkill_then_resume_loses_and_duplicates_nothing(big_input, tmp_path, kill_after):
    db = str(tmp_path / "store.db")
    proc = start(big_input, db)
    deadline = time.monotonic() + 120
    if kill_after == "ingest":
        time.sleep(1.0)  # inside the ingest transaction (it takes seconds for 40,000 items)
    else:
        while verdict_count(db) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
    before = verdict_count(db)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    if kill_after == "grading":
        assert 0 < before < N, "the kill must land mid-run for this test to mean anything"

    proc = start(big_input, db)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT id, sample, status FROM verdicts WHERE run = 'killed'").fetchall()
        completions = con.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
    assert completions == N
    assert len(rows) == N and len({(r[0], r[1]) for r in rows}) == N
    correct = sum(r[2] == "correct" for r in rows)
    assert correct == N - len(range(0, N, 3))
