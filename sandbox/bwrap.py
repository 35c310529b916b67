"""The `bwrap` backend (the default): bubblewrap plus cgroups plus rlimits.

Flags follow what held on these machines (docs/design.md, Sandbox):
`--ro-bind / /` run as root is an ESCAPE (the candidate kept every capability
and remounted / read-write). Measured here too: bwrap started by root maps the
sandbox uid to host uid 0, and host uid 0 may write /proc/sys (a candidate
changed a global kernel setting; core_pattern would mean root code execution)
whatever its capabilities; so bwrap runs as nobody (setpriv), and the candidate
runs as uid 65534 inside and outside, in a new user namespace with every
capability dropped, every namespace unshared, no further
user namespaces, a cleared environment, and a root that holds only /usr (plus
the lib/bin links), /proc, a read-only /dev (device nodes and a private
devpts) and three size-limited private tmpfs: /work (the current directory,
where `files` go), /tmp and /dev/shm. No host /etc, /home, /root, /tmp
or project checkout is visible. Memory and process count are bounded by a
cgroup joined before the command starts; CPU time, file size and open files by
rlimits; a seccomp filter refuses kernel attack surface (sandbox/seccomp.py); a
wall timeout kills the whole tree (pid namespace plus cgroup).
"""
from __future__ import annotations

import atexit
import ctypes
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time

from proctor import sandbox
from proctor.sandbox.base import Limits, RunResult, Sandbox, SandboxError, SandboxUnavailable
from proctor.sandbox.cgroups import ROOT, Cgroups, CgroupUnavailable
from proctor.sandbox.files import checked_files, memfd, parent_dirs
from proctor.sandbox.interpreter import find_python
from proctor.sandbox.rlimits import MB, PRLIMIT_FLAGS, apply, rlimits_for
from proctor.sandbox.seccomp import deny_list_bpf
from proctor.sandbox.streams import run_popen

WORKDIR = "/work"
ENVIRONMENT = {"PATH": "/usr/bin:/bin", "HOME": WORKDIR, "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
ISOLATION_FLAGS = [
    "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
    "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--clearenv",
    # No bwrap reaper as pid 1: it would be a process the candidate can ptrace
    # (stopping it hangs the run) and whose /proc/1/cmdline shows bwrap's arguments.
    "--as-pid-1",
]
PR_SET_PDEATHSIG = 1
NOBODY = 65534
DROP_ROOT = ["--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups"]
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

# The probe proves, once per process, that this bubblewrap really drops privileges here.
_PROBE = ("import os\n"
          "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))]\n"
          "def writable(path):\n"
          "    try:\n"
          "        open(path, 'ab').close()\n"  # opened, never written: nothing changes
          "        return 'WRITABLE'\n"
          "    except OSError:\n"
          "        return 'denied'\n"
          "print(os.getuid(), os.getgid(), *caps, writable('/proc/sys/kernel/core_pattern'),\n"
          "      writable('/proc/sysrq-trigger'))\n")
_PROBE_EXPECTED = "65534 65534 0000000000000000 0000000000000000 0000000000000000 denied denied"


def _system_view() -> list[str]:
    """Mount arguments for a minimal read-only system: /usr, and /bin, /lib...
    as the host has them (symlinks into /usr on merged-/usr Debian)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = "/" + name
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    # The dynamic loader's cache: no secret, and it spares a search of every library dir.
    if os.path.exists("/etc/ld.so.cache"):
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args + ["--proc", "/proc", "--dev", "/dev"]


def _tool(name: str) -> str | None:
    """Path of system tool `name`: on $PATH, else /usr/bin (a cleared PATH)."""
    return shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)


def _drop_root() -> None:
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


def _read_child_pid(fd: int, deadline: float) -> int | None:
    """The sandboxed child's host pid from bwrap's --info-fd JSON, or None if
    bwrap exits first. The child may hold the pipe open: parse, don't wait for EOF."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    text = b""
    while True:
        if not poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            return None
        text += chunk
        try:
            return int(json.loads(text)["child-pid"])
        except ValueError:
            continue  # an incomplete document so far


@functools.lru_cache(maxsize=None)
def _probe(launcher: tuple[str, ...], bwrap: str, python: str) -> str | None:
    """None when bwrap isolates as required on this machine, else why not."""
    argv = [*launcher, bwrap, *ISOLATION_FLAGS, *_system_view(), python, "-I", "-S", "-c", _PROBE]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, env={},
                              preexec_fn=None if launcher or os.geteuid() != 0 else _drop_root)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return (f"bubblewrap could not run {python} in a sandbox here (are user namespaces disabled?): "
                f"{why[-1] if why else f'exit code {done.returncode}'}")
    got = done.stdout.decode(errors="replace").strip()
    if got != _PROBE_EXPECTED:
        return ("bubblewrap ran but did not drop privileges (uid gid CapEff CapPrm CapBnd "
                f"core_pattern sysrq-trigger = {got!r})")
    return None


@sandbox.register("bwrap")
class BwrapSandbox(Sandbox):
    """Options: `bwrap` (binary path), `python` (interpreter inside, under /usr),
    `cgroup_root`, `ro_binds` ({host path: sandbox path} extra read-only mounts,
    e.g. a site-packages directory the candidate may import from), `seccomp`
    (the deny-list of sandbox/seccomp.py, on by default when libseccomp exists),
    `warm` (run `python` commands in a warm interpreter: see sandbox/warm.py)."""

    name = "bwrap"

    def __init__(self, bwrap: str | None = None, python: str | None = None, cgroup_root: str = ROOT,
                 ro_binds: dict[str, str] | None = None, seccomp: bool = True, warm: bool = False):
        if not sys.platform.startswith("linux"):
            raise SandboxUnavailable(f"bubblewrap needs Linux; this is {sys.platform}")
        self.bwrap = bwrap or _tool("bwrap")
        if self.bwrap is None:
            raise SandboxUnavailable("bubblewrap is not installed (Debian: apt-get install bubblewrap; "
                                     "`make install` does it)")
        self.python = python or find_python(under="/usr")
        mounted = ["/usr/", *(inside.rstrip("/") + "/" for inside in (ro_binds or {}).values())]
        if self.python is None or not any(self.python.startswith(tree) for tree in mounted):
            raise SandboxUnavailable(f"no python3 binary under {', '.join(mounted)}, the trees the sandbox "
                                     f"mounts (got {self.python}; set PROCTOR_SANDBOX_PYTHON or ro_binds)")
        try:
            self.cgroups = Cgroups(cgroup_root)
        except CgroupUnavailable as exc:
            raise SandboxUnavailable(f"no memory/pids limits possible: {exc}") from exc
        self.seccomp = deny_list_bpf() if seccomp else None
        setpriv = _tool("setpriv")
        # bwrap started by root maps the sandbox's uid 65534 to host uid 0, and
        # the kernel lets host uid 0 write kernel settings in /proc/sys (core_pattern,
        # modprobe: code execution as root) and /proc/sysrq-trigger by file mode
        # alone, capabilities or not. So bwrap itself runs as nobody: the sandbox
        # uid is then host uid 65534 too. setpriv arms the lifeline after that switch
        # (a credential change clears PDEATHSIG).
        self.launcher = ([setpriv, "--pdeathsig", "KILL", *DROP_ROOT, "--"] if os.geteuid() == 0
                         else [setpriv, "--pdeathsig", "KILL", "--"]) if setpriv else []
        # rlimits are set in the exec chain (util-linux `prlimit`, after the switch to
        # nobody): setting them from here by pid would need CAP_SYS_RESOURCE over a
        # process of another user, which root in a container may lack.
        self.prlimit = _tool("prlimit")
        if not (self.launcher and self.prlimit):
            self.launcher = []  # everything in a preexec hook then: slower, same guarantees
        why = _probe(tuple(self.launcher), self.bwrap, self.python)
        if why:
            raise SandboxUnavailable(why)
        self.mounts = _system_view()
        for host, inside in (ro_binds or {}).items():
            self.mounts += ["--ro-bind", host, inside]
        # Warm mode: one warm sandbox per concurrent caller, at most one per CPU.
        self._warm: list | None = [] if warm else None
        self._warm_lock = threading.Lock()
        self._warm_max = max(1, os.cpu_count() or 1)
        if warm:  # the warm sandboxes and their cgroups go when this process exits normally
            atexit.register(self.close)

    def _argv(self, command: list[str], files: dict[str, bytes], limits: Limits) -> tuple[list[str], list[int]]:
        argv = [self.bwrap, *ISOLATION_FLAGS, *self.mounts,
                "--size", str(limits.tmp_mb * MB), "--perms", "0700", "--tmpfs", WORKDIR,
                "--size", str(limits.tmp_mb * MB), "--perms", "1777", "--tmpfs", "/tmp",
                # --dev makes /dev a writable tmpfs with no size limit, where a
                # run could leave files for the next warm run or fill the memory
                # limit: /dev is frozen and only /dev/shm (POSIX shared memory,
                # multiprocessing's semaphores) stays writable, size-limited.
                "--size", str(limits.tmp_mb * MB), "--perms", "1777", "--tmpfs", "/dev/shm",
                "--remount-ro", "/dev",
                "--chdir", WORKDIR]
        for key, value in ENVIRONMENT.items():
            argv += ["--setenv", key, value]
        for directory in parent_dirs(files):
            argv += ["--dir", f"{WORKDIR}/{directory}"]
        fds = []
        # Each file reaches the tmpfs through a memfd that bwrap copies: no host
        # directory is ever bind-mounted into the sandbox.
        for path, data in files.items():
            fds.append(memfd(data))
            argv += ["--perms", "0644", "--file", str(fds[-1]), f"{WORKDIR}/{path}"]
        if self.seccomp:
            fds.append(memfd(self.seccomp))
            argv += ["--seccomp", str(fds[-1])]
        # bwrap builds the root on a tmpfs of its own that would otherwise be
        # writable and unbounded: freeze it once everything is in place.
        return argv + ["--remount-ro", "/", "--", *command], fds

    def close(self) -> None:
        """Stop the warm sandboxes, if any; wait until every finished run's cgroup is gone."""
        for slot in self._warm or []:
            slot.close()
        self.cgroups.flush()

    def _run_warm(self, command, files, stdin, limits, start) -> RunResult | None:
        """A warm run in a free warm sandbox (made on demand), or None to run cold."""
        from proctor.sandbox.warm import WarmPython, parse_command
        if parse_command(self.python, command) is None:
            return None  # not a Python command the zygote can run
        tried: set[int] = set()
        while True:
            with self._warm_lock:
                slots = [slot for slot in self._warm if id(slot) not in tried]
                if not slots:  # every slot is busy with another thread's run
                    if len(self._warm) >= self._warm_max:
                        return None
                    slots = [WarmPython(self)]
                    self._warm.append(slots[0])
            for slot in slots:
                tried.add(id(slot))
                result = slot.run(command, files, stdin, limits, start)
                if result is not None:
                    return result

    def _launch(self, command: list[str], files: dict[str, bytes], limits: Limits, memory_bytes: int,
                max_pids: int, deadline: float, extra_fds: tuple[int, ...] = (), stdio=subprocess.PIPE):
        """Start bwrap for `command` and release it once it is confined:
        (Popen, RunCgroup). `extra_fds` are passed into the sandbox as they are."""
        argv, fds = self._argv(command, files, limits)
        group = self.cgroups.create(memory_bytes, max_pids)
        pairs = rlimits_for(limits, address_space=False)

        def in_child() -> None:
            # Only without setpriv/prlimit. Runs between fork and exec: no allocation, no locks.
            apply(pairs)
            if os.geteuid() == 0:  # see self.launcher: never let the sandbox be host uid 0
                _drop_root()
            _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the harness dies -> the sandbox dies

        launcher = []
        if self.launcher:
            launcher = [*self.launcher, self.prlimit,
                        *(f"--{PRLIMIT_FLAGS[which]}={value}:{value}" for which, value in pairs), "--"]

        # Forking the harness (a grader worker can hold hundreds of MB) to run a
        # preexec hook cost more than the sandbox itself, so bwrap starts through
        # vfork and `setpriv` (nobody, and the lifeline to this process) then
        # `prlimit` (the rlimits), and waits on --block-fd before exec'ing the
        # command until this process has put it in its cgroup.
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        argv[1:1] = ["--info-fd", str(info_w), "--block-fd", str(block_r)]
        # bwrap also holds the write end, so the child never sees EOF there: were
        # this process killed before setpriv armed the lifeline, the command would
        # block forever instead of running without its cgroup and rlimits.
        fds += [info_w, block_r, block_w]
        try:
            try:
                # An empty environment for bwrap itself too: --clearenv only cleans the
                # command's, and every process's environment is readable in /proc.
                proc = subprocess.Popen(
                    launcher + argv, stdin=stdio, stdout=stdio, env={}, stderr=stdio,
                    pass_fds=fds + list(extra_fds), preexec_fn=None if self.launcher else in_child)
            finally:
                for fd in fds:
                    if fd != block_w:
                        os.close(fd)
            try:
                child = _read_child_pid(info_r, deadline)
                if child is not None:  # else bwrap died in set-up: its stderr and exit code say why
                    try:
                        for pid in (proc.pid, child):
                            group.join(pid)
                    except OSError as exc:
                        proc.kill()
                        proc.wait()
                        raise SandboxError(f"could not put the sandbox under its limits: {exc}") from exc
                    os.write(block_w, b"go")
            finally:
                os.close(info_r)
                os.close(block_w)
        except BaseException:
            self.cgroups.discard(group)
            raise
        return proc, group

    def run(self, command, files=None, stdin=b"", limits=Limits()) -> RunResult:
        files = checked_files(files)
        start = time.monotonic()
        deadline = start + limits.wall_seconds
        if self._warm is not None:
            result = self._run_warm(list(command), files, stdin, limits, start)
            if result is not None:
                return result
        proc, group = self._launch(list(command), files, limits, limits.memory_mb * MB, limits.processes,
                                   deadline)
        try:
            def kill() -> None:
                # The command (pid 1 of its namespace) has PDEATHSIG from bwrap
                # (--die-with-parent): killing bwrap ends the whole pid namespace;
                # the cgroup catches anything caught mid-fork.
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                group.kill_all()

            got, usage = run_popen(proc, stdin, limits.output_bytes, deadline, kill)
            wall = time.monotonic() - start
            # Nothing may outlive the run. bwrap reports the exit code before its
            # pid 1 has finished tearing the namespace down: kill the stragglers now,
            # wait for them (and rmdir) in the background, off the critical path.
            left = group.signal_all()
            oom = group.oom_killed()
            cpu = group.cpu_seconds()
            if cpu is None:
                cpu = (usage.ru_utime + usage.ru_stime) if usage else 0.0
        finally:
            self.cgroups.discard(group)
        killed = got.timed_out or got.output_truncated or proc.returncode < 0
        return RunResult(
            exit_code=None if killed else proc.returncode, stdout=got.stdout, stderr=got.stderr,
            wall_seconds=wall, cpu_seconds=cpu,
            timed_out=got.timed_out, out_of_memory=oom, output_truncated=got.output_truncated,
            details={"backend": self.name, "cgroup": self.cgroups.version, "seccomp": bool(self.seccomp),
                     "killed_after_exit": len(left),
                     "cpu_limit_reached": cpu >= limits.cpu_seconds})
