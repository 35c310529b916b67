"""Memory and process-count limits for one sandbox run, through Linux cgroups.

cgroup v1 (these machines) keeps one hierarchy per controller: a run gets a
directory under /sys/fs/cgroup/memory/proctor and one under
/sys/fs/cgroup/pids/proctor (and cpuacct, for CPU time). cgroup v2 has one
directory per run under /sys/fs/cgroup/proctor with both controllers enabled.
A run's processes join before the untrusted command starts (so nothing escapes
the limits), the harness kills through the member list, and the directories
are removed afterwards, off the critical path.
"""
from __future__ import annotations

import itertools
import os
import queue
import signal
import threading
import time

from proctor.sandbox.processes import process_alive

# A non-root user on cgroup v2 can point this at a subtree systemd delegated to them.
ROOT = os.environ.get("PROCTOR_CGROUP_ROOT", "/sys/fs/cgroup")
_counter = itertools.count()


class CgroupUnavailable(RuntimeError):
    pass


def detect(root: str = ROOT) -> str | None:
    """'v2', 'v1', or None when neither memory+pids layout is present."""
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        return "v2"
    if os.path.isdir(os.path.join(root, "memory")) and os.path.isdir(os.path.join(root, "pids")):
        return "v1"
    return None


def _write(path: str, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


class RunCgroup:
    """The cgroup directories of one run."""

    def __init__(self, dirs: list[str], procs_files: list[str], oom_file: str, oom_key: str,
                 cpu_file: str | None = None):
        self.dirs = dirs
        self._cpu_file = cpu_file
        self.procs_files = procs_files  # each run's processes are listed in every one of these
        self._oom_file = oom_file
        self._oom_key = oom_key

    def join(self, pid: int) -> None:
        """Move process `pid` in (before it runs anything untrusted)."""
        for procs in self.procs_files:
            _write(procs, str(pid))

    def pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            try:
                found.update(int(line) for line in _read(procs).split())
            except FileNotFoundError:
                pass
        return sorted(found)

    def signal_all(self) -> list[int]:
        """One SIGKILL to every current member, without waiting for them to die;
        a SIGKILLed process never runs user code again. Returns whom it hit."""
        members = self.pids()
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return members

    def kill_all(self, patience: float = 2.0) -> bool:
        """SIGKILL every member until none is left (a forking member can add new
        ones between reading the list and the kills; the pids limit bounds that).
        True when the group is empty."""
        end = time.monotonic() + patience
        while True:
            if not self.signal_all():
                return True
            if time.monotonic() > end:
                return not self.pids()
            time.sleep(0.001)

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in the group."""
        try:
            for line in _read(self._oom_file).splitlines():
                key, _, value = line.partition(" ")
                if key == self._oom_key:
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def oom_killed(self) -> bool:
        return self.oom_kills() > 0

    def cpu_seconds(self) -> float | None:
        """CPU time of every process that ever ran in the group, reaped or not."""
        if self._cpu_file is None:
            return None
        try:
            text = _read(self._cpu_file)
        except OSError:
            return None
        if self._cpu_file.endswith("cpuacct.usage"):
            return int(text) / 1e9
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) / 1e6
        return None

    def remove(self) -> bool:
        """rmdir every directory; False if one is still busy."""
        ok = True
        for path in self.dirs:
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        return ok


class Cgroups:
    """Creates per-run cgroups; removes finished ones in a background thread."""

    def __init__(self, root: str = ROOT, name: str = "proctor"):
        self.version = detect(root)
        if self.version is None:
            raise CgroupUnavailable(f"no cgroup v1 memory+pids hierarchy or cgroup v2 under {root}")
        if self.version == "v1":
            # cpuacct is optional: it only measures (CPU time of killed processes too).
            self.parents = {c: os.path.join(root, c, name) for c in ("memory", "pids", "cpuacct")
                            if c != "cpuacct" or os.path.isdir(os.path.join(root, c))}
        else:
            self.parents = {"unified": os.path.join(root, name)}
        self._swap_accounting = False
        try:
            for controller, parent in self.parents.items():
                os.makedirs(parent, exist_ok=True)
                if self.version == "v2":
                    # v2 only hands controllers down to children that the parent enables.
                    for level in (root, parent):
                        _write(os.path.join(level, "cgroup.subtree_control"), "+memory +pids")
                elif controller == "memory":
                    memsw = os.path.join(parent, "memory.memsw.limit_in_bytes")
                    self._swap_accounting = os.path.exists(memsw)
        except OSError as exc:
            raise CgroupUnavailable(
                f"cannot create cgroups under {root} ({exc.strerror}): run as root or delegate a "
                f"cgroup to this user") from exc
        self._trash: queue.SimpleQueue[RunCgroup] = queue.SimpleQueue()
        self._sweeper: threading.Thread | None = None
        self._lock = threading.Lock()
        self._unswept = 0
        self._discard_orphans()

    def _discard_orphans(self) -> None:
        """Queue for removal the run cgroups of proctor processes that died
        mid-run (a hard-killed grader worker never removes its own)."""
        leaves: dict[str, list[str]] = {}
        for parent in self.parents.values():
            try:
                names = os.listdir(parent)
            except OSError:
                continue
            for leaf in names:
                parts = leaf.split("-")
                if (len(parts) == 3 and parts[0] == "run" and parts[1].isdigit()
                        and not process_alive(int(parts[1]))):
                    leaves.setdefault(leaf, []).append(os.path.join(parent, leaf))
        for dirs in leaves.values():
            self.discard(RunCgroup(dirs, [os.path.join(d, "cgroup.procs") for d in dirs], "", ""))

    def create(self, memory_bytes: int, max_pids: int) -> RunCgroup:
        leaf = f"run-{os.getpid()}-{next(_counter)}"
        if self.version == "v1":
            mem = os.path.join(self.parents["memory"], leaf)
            pids = os.path.join(self.parents["pids"], leaf)
            cpu = os.path.join(self.parents["cpuacct"], leaf) if "cpuacct" in self.parents else None
            dirs = [d for d in (mem, pids, cpu) if d]
            os.mkdir(mem)
            try:
                os.mkdir(pids)
                if cpu:
                    os.mkdir(cpu)
                _write(os.path.join(mem, "memory.limit_in_bytes"), str(memory_bytes))
                if self._swap_accounting:
                    # Without it a machine with swap lets the candidate page out past the limit.
                    _write(os.path.join(mem, "memory.memsw.limit_in_bytes"), str(memory_bytes))
                _write(os.path.join(pids, "pids.max"), str(max_pids))
            except OSError:
                RunCgroup(dirs, [], "", "").remove()
                raise
            return RunCgroup(dirs, [os.path.join(d, "cgroup.procs") for d in dirs],
                             os.path.join(mem, "memory.oom_control"), "oom_kill",
                             os.path.join(cpu, "cpuacct.usage") if cpu else None)
        path = os.path.join(self.parents["unified"], leaf)
        os.mkdir(path)
        try:
            _write(os.path.join(path, "memory.max"), str(memory_bytes))
            if os.path.exists(os.path.join(path, "memory.swap.max")):
                _write(os.path.join(path, "memory.swap.max"), "0")
            _write(os.path.join(path, "pids.max"), str(max_pids))
        except OSError:
            RunCgroup([path], [], "", "").remove()
            raise
        return RunCgroup([path], [os.path.join(path, "cgroup.procs")], os.path.join(path, "memory.events"),
                         "oom_kill", os.path.join(path, "cpu.stat"))

    def discard(self, group: RunCgroup) -> None:
        """Kill what is left and remove the directories later, in the background:
        a memory cgroup's rmdir waits for the kernel to uncharge its pages."""
        with self._lock:
            self._unswept += 1
        self._trash.put(group)
        if self._sweeper is None or not self._sweeper.is_alive():
            self._sweeper = threading.Thread(target=self._sweep, name="proctor-cgroup-sweeper", daemon=True)
            self._sweeper.start()

    def _sweep(self) -> None:
        while True:
            group = self._trash.get()
            for _ in range(200):
                group.kill_all(patience=0.5)
                if group.remove():
                    break
                time.sleep(0.01)
            with self._lock:
                self._unswept -= 1

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every discarded cgroup is gone (tests, shutdown)."""
        end = time.monotonic() + timeout
        while self._unswept and time.monotonic() < end:
            time.sleep(0.005)


def sweep_orphans(root: str = ROOT, timeout: float = 10.0) -> None:
    """Remove the run cgroups whose proctor process has exited, and wait until
    they are gone. A grading pool calls this once its workers are stopped: a
    worker is killed, not asked to exit, so it never removes the cgroup of its
    warm sandbox itself. Does nothing where proctor cannot manage cgroups."""
    if detect(root) is None:
        return
    try:
        groups = Cgroups(root)  # queues every orphan for removal
    except CgroupUnavailable:
        return
    groups.flush(timeout)
