import os
import subprocess
import sys
from pathlib import Path

import pytest

import isolation

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption(isolation.OPTION, action="store_true",
                     help="an isolating sandbox backend (bwrap, docker) that cannot run is a failure, not a skip "
                          "(also when CI=true)")


def pytest_configure(config):
    isolation._required_by_option = config.getoption(isolation.OPTION)


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr


@pytest.fixture
def cli(tmp_path):
    """Runs the real `proctor` command in a subprocess, with its own store in tmp_path."""

    def run(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 300) -> CliResult:
        full_env = dict(os.environ, PROCTOR_DB=str(tmp_path / "proctor.db"))
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, "-m", "proctor.cli", *map(str, args)], capture_output=True,
                              text=True, env=full_env, cwd=cwd or tmp_path, timeout=timeout)
        return CliResult(proc)

    return run
