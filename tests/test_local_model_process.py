"""`--model local` hosts llama-cpp-python in a child process: a native crash or a kill of
that process is one line and exit 3, never a crash of proctor, and the run resumes."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proctor.errors import InfrastructureError
from proctor.extras import installed
from proctor.models.base import Request
from proctor.suite import Decoding

if not installed("local"):
    pytest.skip("the local model is not installed; `make install` builds it (scripts/install_local_model.sh)",
                allow_module_level=True)

from proctor.models.local import LocalModel  # noqa: E402

SUITE = """
name = "tiny"
[defaults]
max_tokens = 24
temperature = 0.0

[[family]]
task = "arith.integer"
n = 8
seed = 5
params = { difficulty = 1 }
"""
ONE_REQUEST = Request(("p", 0), "What is 2 + 2?", Decoding(0.0, 8, ()), 1)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def completions(db: Path) -> dict:
    with sqlite3.connect(db) as con:
        return {(pid, s): text for pid, s, text in con.execute("SELECT id, sample, completion FROM completions")}


def wait_for(condition, seconds: float = 600):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def stored_count(db: Path) -> int:
    try:
        return len(completions(db)) if db.exists() else 0
    except sqlite3.OperationalError:  # the run is creating its tables
        return 0


def test_a_segfault_of_the_model_process_is_one_line_exit_3_and_the_run_resumes(tmp_path):
    suite, db = tmp_path / "tiny.toml", tmp_path / "crash.db"
    suite.write_text(SUITE)
    command = [sys.executable, "-m", "proctor.cli", "run", str(suite), "--model", "local",
               "--model-args", "threads=1", "--run", "c", "--db", str(db)]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: stored_count(db) >= 2 or run.poll() is not None)
    assert run.poll() is None, "the run ended before the model process could be killed"
    (model_pid,) = children(run.pid)
    os.kill(model_pid, signal.SIGSEGV)
    out, err = run.communicate(timeout=120)

    assert run.returncode == 3, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("proctor: error: model local (SmolLM2-135M-Instruct.Q4_1.gguf)")
    assert "SIGSEGV" in line and "install_local_model.sh" in line and "run the same command again" in line
    assert "Traceback" not in err + out and not re.search(r"^Segmentation fault", err, re.M)
    before = completions(db)
    assert 2 <= len(before) < 8
    assert f"{len(before)} completions of run 'c' are stored" in line
    log = re.search(r"its log: (\S+)\)", line).group(1)
    assert "Fatal Python error: Segmentation fault" in Path(log).read_text()  # faulthandler's stack, for a person
    Path(log).unlink()

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"asked the model {8 - len(before)} times" in resumed.stderr
    after = completions(db)
    assert len(after) == 8 and all(after[key] == text for key, text in before.items())
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM verdicts WHERE run = 'c'").fetchone()[0] == 8


@pytest.mark.parametrize("sig, words", [(signal.SIGABRT, "SIGABRT"), (signal.SIGKILL, "out-of-memory killer")])
def test_an_abort_or_a_kill_of_the_model_process_names_the_signal(sig, words):
    model = LocalModel(threads=1)
    assert model.complete(ONE_REQUEST).text.strip()
    os.kill(model.pid, sig)
    with pytest.raises(InfrastructureError, match=words) as caught:
        model.complete(ONE_REQUEST)
    assert "\n" not in str(caught.value) and signal.Signals(sig).name in str(caught.value)
    model.close()  # after a crash: nothing left to close, and no error
    assert Path(model.log_path).exists() and model.log_path in str(caught.value)
    Path(model.log_path).unlink()


def test_a_clean_close_leaves_no_log_behind():
    model = LocalModel(threads=1)
    model.close()
    assert model.log_path is None

def test_the_model_process_dies_with_the_run():
    """kill -9 of the run (tests/test_run_local.py does it) must not leave llama.cpp running."""
    script = ("import sys, time; from proctor.models.local import LocalModel; m = LocalModel(threads=1); "
              "print(m.pid, flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    model_pid = int(parent.stdout.readline())
    assert Path(f"/proc/{model_pid}").exists()
    parent.kill()
    parent.wait()
    wait_for(lambda: not Path(f"/proc/{model_pid}").exists() or
             Path(f"/proc/{model_pid}/stat").read_text().split(")")[1].split()[0] == "Z", seconds=30)


def test_a_model_file_llama_cpp_cannot_load_is_one_line_exit_3(cli, tmp_path):
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF" + os.urandom(4096))
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    result = cli("run", suite, "--model", "local", "--model-args", f"model_path={junk}")
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == 3 and len(lines) == 1, result.err
    assert "model local (junk.gguf)" in lines[0] and "loading" in lines[0] and "Traceback" not in result.err
    Path(re.search(r"its log: (\S+)\)", lines[0]).group(1)).unlink()


def test_a_model_path_that_is_not_a_file_is_bad_input(cli, tmp_path):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    result = cli("run", suite, "--model", "local", "--model-args", f"model_path={tmp_path / 'nothing.gguf'}")
    assert result.code == 2 and "no such file" in result.err
