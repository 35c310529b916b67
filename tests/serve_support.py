"""A real `proctor serve` in a subprocess on 127.0.0.1, for the serve tests.

The server is started through a launcher that imports this module first, so
the test graders below (and tests/hostile_graders.py) are registered in the
server, and in its pool workers, which fork from it. Each server runs in its
own session; stop() and the context manager's exit kill that process group
(the server and its workers) by id.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

import hostile_graders  # noqa: F401  (test.stuck_in_c and friends)
from proctor import graders
from proctor.graders import Grader, Verdict

TESTS = Path(__file__).resolve().parent
LAUNCHER = ("import sys, serve_support; from proctor.cli import main; "
            "sys.argv = ['proctor', 'serve'] + sys.argv[1:]; main()")


@graders.register("test.sleepy")
class Sleepy(Grader):
    """'sleep:S' sleeps S seconds, 'wait:PATH' waits while PATH exists (60 s at most); then correct.
    Any other text is correct at once (with the text)."""
    name = "test.sleepy"

    def check(self, problem, completion):
        if completion.startswith("sleep:"):
            time.sleep(float(completion.split(":", 1)[1]))
        elif completion.startswith("wait:"):
            end = time.monotonic() + 60
            while os.path.exists(completion[5:]) and time.monotonic() < end:
                time.sleep(0.05)
        return Verdict.correct(extracted=completion)


class Server:
    def __init__(self, *args: str, env: dict | None = None, cwd: Path | None = None, wait_ready: bool = False,
                 startup_timeout: float = 120):
        full_env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
        full_env.update(env or {})
        self.args = args
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=full_env, cwd=cwd,
                                     start_new_session=True)
        self._err: list[str] = []
        self._listening = threading.Event()
        self.port: int | None = None
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if not self._listening.wait(startup_timeout) or self.port is None:
            self.kill()
            raise RuntimeError(f"proctor serve did not start: {self.stderr}")
        self.url = f"http://127.0.0.1:{self.port}"
        if wait_ready:
            self.wait_ready()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self._err.append(line)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                self._listening.set()
        self._listening.set()  # the process ended

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def wait_ready(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if requests.get(self.url + "/readyz", timeout=10).status_code == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"never ready: {requests.get(self.url + '/readyz').text} {self.stderr}")

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        return requests.post(self.url + path, json=body, **kwargs) if body is not None else \
            requests.post(self.url + path, **kwargs)

    def signal(self, sig: int) -> None:
        os.kill(self.proc.pid, sig)

    def wait(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL to the server's whole process group (it and its grading workers)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


def serve_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """`proctor serve ARGS` expected to stop by itself (a refusal at start)."""
    full_env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", LAUNCHER, *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)
