"""Per-process resource limits (setrlimit), applied in the child before exec."""
from __future__ import annotations

import math
import resource

from proctor.sandbox.base import Limits

MB = 1 << 20
# The option of util-linux's `prlimit` command for each resource.
PRLIMIT_FLAGS = {
    resource.RLIMIT_CPU: "cpu", resource.RLIMIT_FSIZE: "fsize", resource.RLIMIT_NOFILE: "nofile",
    resource.RLIMIT_CORE: "core", resource.RLIMIT_MEMLOCK: "memlock", resource.RLIMIT_MSGQUEUE: "msgqueue",
    resource.RLIMIT_AS: "as",
}


def rlimits_for(limits: Limits, address_space: bool) -> list[tuple[int, int]]:
    """(resource, value) pairs for `limits`. `address_space` adds RLIMIT_AS, the
    only memory bound when no memory cgroup is available; with a cgroup it is
    left off, since it also counts untouched reservations (thread stacks, arenas)."""
    cpu = max(1, math.ceil(limits.cpu_seconds))
    pairs = [
        # Per process, not per tree: the wall timeout and the pids limit bound the tree.
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * MB),
        (resource.RLIMIT_NOFILE, 256),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_MEMLOCK, 0),
        (resource.RLIMIT_MSGQUEUE, 0),
    ]
    if address_space:
        pairs.append((resource.RLIMIT_AS, limits.memory_mb * MB))
    return pairs


def apply(pairs: list[tuple[int, int]]) -> None:
    """setrlimit each pair as both soft and hard limit (the child cannot raise them)."""
    for which, value in pairs:
        resource.setrlimit(which, (value, value))
