"""Facts about host processes that several backends need."""
from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while `pid` runs (owned by anyone): the owner of a leftover cgroup or
    container. A zombie counts as gone: it has exited and only waits for its
    parent to reap it (a stopped pool's workers, just after it stops)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except OSError:  # no /proc here, or it exited meanwhile
        return os.path.exists(f"/proc/{pid}") if os.path.isdir("/proc") else True
