"""The `process` backend: a plain subprocess under rlimits. It ISOLATES NOTHING.

The candidate runs as the grader's user, sees the whole filesystem and the
network, and a daemon that leaves the process group outlives the run. It exists
for machines where no isolating backend works and for trusted code; every run
warns on stderr (once per process) so nobody mistakes it for a sandbox.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from proctor import sandbox
from proctor.sandbox.base import Limits, RunResult, Sandbox
from proctor.sandbox.files import checked_files
from proctor.sandbox.interpreter import find_python
from proctor.sandbox.rlimits import apply, rlimits_for
from proctor.sandbox.streams import has_exited, run_popen

WARNING = ("proctor: WARNING: sandbox backend 'process' isolates nothing: the code under test "
           "runs as this user with this machine's files and network\n")
_warned = False


def _warn_once() -> None:
    global _warned
    if not _warned:
        _warned = True
        sys.stderr.write(WARNING)
        sys.stderr.flush()


@sandbox.register("process")
class ProcessSandbox(Sandbox):
    name = "process"
    isolated = False

    def __init__(self, python: str | None = None):
        self.python = python or find_python() or sys.executable

    def run(self, command, files=None, stdin=b"", limits=Limits()) -> RunResult:
        _warn_once()
        files = checked_files(files)
        pairs = rlimits_for(limits, address_space=True)
        # The environment is the grader's secrets' most likely home: pass almost none of it.
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
        workdir = tempfile.mkdtemp(prefix="proctor-run-")
        try:
            for rel, data in files.items():
                path = os.path.join(workdir, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(data)
            env["HOME"] = env["TMPDIR"] = workdir
            start = time.monotonic()
            try:
                proc = subprocess.Popen(
                    list(command), cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, start_new_session=True, preexec_fn=lambda: apply(pairs))
            except OSError as exc:
                return RunResult(None, b"", f"cannot start {command[0]!r}: {exc}".encode(), 0.0, 0.0,
                                 details={"backend": self.name, "error": "exec"})

            def kill() -> None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            got, usage = run_popen(proc, stdin, limits.output_bytes, start + limits.wall_seconds, kill,
                                   done=lambda: has_exited(proc.pid))
            kill()  # whatever stayed in the group (not what escaped it: this backend isolates nothing)
            wall = time.monotonic() - start
            cpu = usage.ru_utime + usage.ru_stime if usage else 0.0  # this run's, not every child's
            killed = proc.returncode < 0
            return RunResult(
                exit_code=None if killed else proc.returncode, stdout=got.stdout, stderr=got.stderr,
                wall_seconds=wall, cpu_seconds=cpu, timed_out=got.timed_out,
                out_of_memory=False, output_truncated=got.output_truncated,
                details={"backend": self.name, "signal": -proc.returncode if killed else None})
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
