"""Opens the isolating sandbox backends for tests, or says why one cannot run here:
a skip on a developer's machine, a failure under CI (tests/isolation.py).

Tests never install packages or start daemons: `make test` starts the Docker engine
and builds its image (scripts/docker_engine.sh) before pytest runs."""
from __future__ import annotations

from proctor import sandbox
from proctor.sandbox import Limits, SandboxUnavailable

from isolation import unavailable

# "bwrap-warm": the bwrap backend's warm mode (sandbox/warm.py), held to the same tests.
ISOLATING = ["bwrap", "bwrap-warm", "docker"]
# Small limits keep every bomb short.
SMALL = Limits(wall_seconds=2, cpu_seconds=2, memory_mb=128, processes=32, output_bytes=64 << 10,
               file_size_mb=4, tmp_mb=8)


def open_or_skip(name: str):
    try:
        if name == "bwrap-warm":
            return sandbox.open_backend("bwrap", warm=True)
        return sandbox.open_backend(name)
    except SandboxUnavailable as exc:
        hint = " (as root, scripts/docker_engine.sh or `make docker` starts an engine)" if name == "docker" else ""
        unavailable(f"sandbox backend {name!r} cannot isolate code here: {exc}{hint}")
