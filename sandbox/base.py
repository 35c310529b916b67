"""The one interface every isolation backend implements.

A backend runs a command over a set of files, with stdin, under `Limits`, and
returns a `RunResult`. Network is always off. Backends register with
`@sandbox.register(name)` or through the `proctor.sandboxes` entry point group.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from proctor.registry import PLUGIN_API


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 10.0
    cpu_seconds: float = 10.0
    memory_mb: int = 512
    processes: int = 64
    output_bytes: int = 1 << 20  # per stream
    file_size_mb: int = 16
    tmp_mb: int = 64


@dataclass(frozen=True)
class RunResult:
    exit_code: int | None  # None when killed by the harness
    stdout: bytes
    stderr: bytes
    wall_seconds: float
    cpu_seconds: float
    timed_out: bool = False
    out_of_memory: bool = False
    output_truncated: bool = False
    details: dict = field(default_factory=dict)


class SandboxUnavailable(RuntimeError):
    """This backend cannot isolate code on this machine; the message says why."""


class SandboxError(RuntimeError):
    """The harness failed during one run (not the candidate's doing): the caller
    reports its own failure (an `error` verdict), never a wrong answer."""


class Sandbox:
    """Subclass per backend. `files` maps relative paths in the work dir to bytes."""

    name: str = ""  # required: the registered name; the registry refuses a mismatch
    plugin_api: int = PLUGIN_API  # the contract version this backend was written for
    isolated: bool = True  # False only for the explicitly unsafe `process` backend
    # How to start Python inside this backend: a real interpreter binary (never
    # pyenv's bash shim), e.g. /usr/bin/python3.11 under bwrap, /usr/bin/python3 in the image.
    python: str = "python3"

    def run(self, command: list[str], files: dict[str, bytes] | None = None, stdin: bytes = b"",
            limits: Limits = Limits()) -> RunResult:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        """Release pooled resources (warm containers, zygotes)."""
