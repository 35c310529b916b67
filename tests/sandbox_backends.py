"""Opens the isolating sandbox backends for tests, or says why one cannot run here."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from proctor import sandbox
from proctor.sandbox import Limits, SandboxUnavailable

ROOT = Path(__file__).resolve().parent.parent
# "bwrap-warm": the bwrap backend's warm mode (sandbox/warm.py), held to the same tests.
ISOLATING = ["bwrap", "bwrap-warm", "docker"]
# Small limits keep every bomb short.
SMALL = Limits(wall_seconds=2, cpu_seconds=2, memory_mb=128, processes=32, output_bytes=64 << 10,
               file_size_mb=4, tmp_mb=8)


def _docker_ready() -> str | None:
    """None once an engine answers and the image exists, else why not. Starts the
    engine and builds the image (scripts/docker_engine.sh) when running as root."""
    try:
        sandbox.open_backend("docker", pool_size=0).close()
        return None
    except SandboxUnavailable as exc:
        why = str(exc)
    if sys.platform != "linux" or os.geteuid() != 0:
        return f"{why} (and not root, so scripts/docker_engine.sh cannot start one)"
    done = subprocess.run(["bash", str(ROOT / "scripts" / "docker_engine.sh")], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        return f"no Docker engine could be started: scripts/docker_engine.sh exit {done.returncode}: " \
               f"{done.stderr.strip()[-500:]}"
    return None


def open_or_skip(name: str):
    if name == "docker":
        why = _docker_ready()
        if why:
            pytest.skip(why)
    try:
        if name == "bwrap-warm":
            return sandbox.open_backend("bwrap", warm=True)
        return sandbox.open_backend(name)
    except SandboxUnavailable as exc:
        pytest.skip(f"sandbox backend {name!r} cannot isolate code here: {exc}")
