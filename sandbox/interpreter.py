"""Find a real Python interpreter binary to run inside a sandbox.

pyenv's `python3` is a bash shim costing 60-80 ms per start, and a venv's
python is a symlink into a tree a sandbox does not mount: resolve the ELF binary
once. Debian's /usr/bin/python3 is preferred since the bwrap backend mounts /usr.
"""
from __future__ import annotations

import functools
import os
import shutil
import sys


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


@functools.lru_cache(maxsize=None)
def find_python(under: str | None = None) -> str | None:
    """Absolute path of a real python3 binary (symlinks resolved), or None.
    `under` restricts the answer to binaries inside that directory (e.g. "/usr"
    for a sandbox that only mounts /usr). $PROCTOR_SANDBOX_PYTHON wins when set."""
    candidates = [os.environ.get("PROCTOR_SANDBOX_PYTHON", ""), "/usr/bin/python3",
                  "/usr/local/bin/python3", getattr(sys, "_base_executable", ""), sys.executable,
                  shutil.which("python3") or ""]
    for candidate in candidates:
        if not candidate:
            continue
        real = os.path.realpath(candidate)
        if under is not None and not real.startswith(under.rstrip("/") + "/"):
            continue
        if os.access(real, os.X_OK) and _is_elf(real):
            return real
    return None
