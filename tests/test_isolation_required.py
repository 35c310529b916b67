"""Under CI an isolating backend that cannot run fails the security suites; it never skips
them green. Each test runs a real suite file in a pytest of its own, with a backend made
unavailable for real (an engine socket that does not exist, a cgroup tree that does not)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_DOCKER = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
NO_BWRAP = {"PROCTOR_CGROUP_ROOT": "/nonexistent/cgroup"}  # bwrap refuses to run without memory/pids limits


def pytest_run(*args: str, ci: bool, env: dict) -> tuple[int, str]:
    full_env = {k: v for k, v in os.environ.items() if k != "CI"}
    full_env.update(env)
    if ci:
        full_env["CI"] = "true"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=600)
    return done.returncode, done.stdout + done.stderr


def summary(output: str) -> str:
    return output.strip().splitlines()[-1]


@pytest.mark.parametrize("suite, selection, env", [
    ("tests/test_sandbox_canary.py", "docker", NO_DOCKER),
    ("tests/test_sandbox_containment.py", "docker", NO_DOCKER),
    ("tests/test_sandbox_containment.py", "bwrap", NO_BWRAP),
    ("tests/test_code_reward_hacks.py", "", NO_BWRAP),
    ("tests/test_rewards.py", "reward_hacks", NO_BWRAP),
])
def test_an_unavailable_backend_fails_under_ci_and_skips_elsewhere(suite, selection, env):
    select = ["-k", selection] if selection else []
    code, output = pytest_run(suite, *select, ci=True, env=env)
    assert code == 1 and re.search(r"\b1 (failed|error)\b", summary(output)), output[-3000:]
    assert "isolation is required here" in output and "skipped" not in summary(output)

    code, output = pytest_run(suite, *select, ci=False, env=env)
    assert code == 0 and "skipped" in summary(output) and "failed" not in summary(output), output[-3000:]


def test_the_command_line_flag_requires_isolation_without_ci():
    code, output = pytest_run("tests/test_sandbox_canary.py", "-k", "docker", "--require-isolation", ci=False,
                              env=NO_DOCKER)
    assert code == 1 and "isolation is required here" in output, output[-3000:]


def test_ci_false_is_not_ci():
    code, output = pytest_run("tests/test_sandbox_canary.py", "-k", "docker", ci=False,
                              env=dict(NO_DOCKER, CI="false"))
    assert code == 0 and "skipped" in summary(output), output[-3000:]
