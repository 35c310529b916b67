"""The registry side of the sandbox package, and the unsafe `process` backend."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from proctor import sandbox
from proctor.sandbox import Limits, SandboxUnavailable
from proctor.sandbox.files import checked_files
from proctor.sandbox.interpreter import find_python
from tests.sandbox_backends import SMALL, open_or_skip


def test_builtin_names():
    assert {"bwrap", "docker", "process"} <= set(sandbox.names())
    assert sandbox.DEFAULT == "bwrap"


def test_process_backend_warns_and_still_bounds_the_run(capsys):
    import proctor.sandbox.process as process_backend
    process_backend._warned = False
    box = sandbox.open_backend("process")
    assert box.isolated is False
    r = box.run([box.python, "-c", "import sys; sys.stdout.write('x' * 10**7)"], limits=SMALL)
    assert process_backend.WARNING in capsys.readouterr().err
    assert r.output_truncated and len(r.stdout) == SMALL.output_bytes
    r = box.run([box.python, "-c", "import time; time.sleep(60)"], limits=Limits(wall_seconds=0.5))
    assert r.timed_out and r.exit_code is None
    r = box.run([box.python, "main.py"], files={"main.py": b"import sys; print(sys.stdin.read()[::-1])"},
                stdin=b"abc")
    assert (r.exit_code, r.stdout) == (0, b"cba\n")


@pytest.mark.parametrize("path", ["/etc/passwd", "../up", "a/../../up", ".", ""])
def test_files_must_stay_in_the_work_dir(path):
    with pytest.raises(ValueError):
        checked_files({path: b"x"})


def test_interpreter_is_a_real_binary_not_a_shim():
    python = find_python()
    assert python is not None
    with open(python, "rb") as fh:
        assert fh.read(4) == b"\x7fELF"


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(sandbox.RegistryError, match="bwrap"):
        sandbox.open_backend("no-such-backend")


def test_entry_point_backend(tmp_path, monkeypatch):
    """A third-party backend registered through the `proctor.sandboxes` group."""
    (tmp_path / "echo_backend.py").write_text(textwrap.dedent("""
        from proctor.sandbox.base import RunResult, Sandbox

        class EchoSandbox(Sandbox):
            name = "echo"
            def __init__(self, prefix=b""):
                self.prefix = prefix
            def run(self, command, files=None, stdin=b"", limits=None):
                return RunResult(0, self.prefix + stdin, b"", 0.0, 0.0)
    """))
    dist = tmp_path / "echo_backend-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-backend\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[proctor.sandboxes]\necho = echo_backend:EchoSandbox\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = sandbox.Registry("sandbox", "proctor.sandboxes", base=sandbox.Sandbox, instantiate=False,
                                builtin_modules=sandbox.BUILTINS)
    monkeypatch.setattr(sandbox, "backends", registry)
    assert "echo" in sandbox.names()
    box = sandbox.open_backend("echo", prefix=b">")
    assert box.run(["x"], stdin=b"hi").stdout == b">hi"


def test_bwrap_unavailable_says_why(tmp_path):
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        sandbox.open_backend("bwrap", bwrap=str(tmp_path / "no-bwrap-here"))
    with pytest.raises(SandboxUnavailable, match="cgroup"):
        sandbox.open_backend("bwrap", cgroup_root=str(tmp_path))


def test_bwrap_refuses_a_python_it_cannot_mount(tmp_path):
    with pytest.raises(SandboxUnavailable, match="the trees the sandbox mounts"):
        sandbox.open_backend("bwrap", python=str(tmp_path / "python3"))


def test_docker_unavailable_says_how_to_get_an_engine(tmp_path):
    pytest.importorskip("docker", reason="the docker SDK is the proctor[docker] extra (dev installs it); not installed here")
    with pytest.raises(SandboxUnavailable, match="docker_engine.sh"):
        sandbox.open_backend("docker", base_url=f"unix://{tmp_path}/no-engine.sock")


def test_docker_backend_opens_while_labelled_containers_come_and_go():
    """Every DockerSandbox sweeps the containers a dead proctor process left
    behind, listing all of proctor's containers to find them. Containers of
    live processes are removed all the time (each is used once), also between
    the listing and a look at one of them: that must not fail the opening (CI
    once did, with docker's NotFound from inside `containers.list`). The
    orphans themselves must go."""
    first = open_or_skip("docker")
    first.close()
    from proctor.sandbox.docker import OWNER_LABEL
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    client = first.client

    def create(owner: int):
        return client.containers.create(first.image, ["true"], labels={OWNER_LABEL: str(owner)},
                                        network_mode="none")

    orphans = [create(dead.pid) for _ in range(4)]
    live = [create(os.getpid()) for _ in range(40)]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            removals = [pool.submit(container.remove, force=True) for container in live]
            while not all(removal.done() for removal in removals):
                sandbox.open_backend("docker").close()  # close waits for its sweep
        left = client.api.containers(all=True, filters={"label": f"{OWNER_LABEL}={dead.pid}"})
        assert left == [], f"orphans survived the sweep: {[c['Id'][:12] for c in left]}"
    finally:
        for container in orphans + live:
            try:
                container.remove(force=True)
            except Exception:
                pass


def test_process_backend_survives_a_child_that_keeps_stdout_open():
    """The command exits while a background child still holds its stdout: the run must
    report the command's own exit code, not crash reaping it twice."""
    box = sandbox.open_backend("process")
    r = box.run(["sh", "-c", "sleep 2 & echo hi; exit 3"], limits=Limits(wall_seconds=10))
    assert r.exit_code == 3 and r.stdout == b"hi\n" and not r.timed_out
