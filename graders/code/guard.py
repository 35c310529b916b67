"""Keeps the candidate's processes away from their supervisor (runs INSIDE the
sandbox next to driver.py; standard library only).

A candidate runs as the same uid as its supervisor, so the kernel lets it
signal the supervisor. Three layers, each enough for the verdict on its own:
- `shield()`: the supervisor ignores every signal that can be ignored (all but
  SIGKILL, SIGSTOP and SIGCHLD, which it needs to reap). Candidate processes get
  the dispositions back (`restore`), so their own Python behaves as usual.
- `install_filter()`: a seccomp filter, compiled by the system's libseccomp and
  loaded into the supervisor before the first fork, so every candidate process
  inherits it. It refuses (EPERM) signals aimed at the supervisor by pid, by
  process group or by kill(-1), pidfd_send_signal (a /proc/PID directory works
  as a pidfd) and F_SETSIG (which would let SIGIO carry any signal, SIGKILL
  included). The supervisor itself never does any of those. This is what stops
  SIGKILL and SIGSTOP where the supervisor is not pid 1 of its namespace (bwrap's
  warm mode, docker exec). Without libseccomp it is skipped: a killed supervisor
  then only costs the candidate its result.
- `become_subreaper()` and `sweep()`: orphans of candidate processes come back
  to the supervisor, which kills and reaps every one of them before it starts
  the next candidate process, so nothing a candidate started can hold the pids
  or CPU a later test needs.
And `enter_candidate()` makes each candidate process the OOM killer's first
choice, so filling the memory limit kills the candidate, not its supervisor.
"""
import os

try:
    import _signal  # the C module: `import signal` pulls in enum, a few ms of every run
except ImportError:  # pragma: no cover - every CPython has it
    _signal = None

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
SIGKILL, SIGSTOP, SIGCHLD = 9, 19, 17
EPERM = 1
F_SETSIG = 10
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO_EPERM = 0x00050000 | EPERM
SCMP_CMP_MASKED_EQ = 7
LOW_32_BITS = 0xFFFFFFFF
# Calls whose first argument is the pid (or -pgid, or -1) they signal.
BY_PID = ("kill", "rt_sigqueueinfo")
# Calls whose first argument is a thread group or thread id.
BY_THREAD = ("tkill", "tgkill", "rt_tgsigqueueinfo", "pidfd_open")
REFUSED = ("pidfd_send_signal",)


_LIBC: list = []


def _libc():
    """(ctypes, the C library), loaded once; (None, None) without ctypes."""
    if not _LIBC:
        try:
            import ctypes
            _LIBC.extend((ctypes, ctypes.CDLL(None, use_errno=True)))
        except Exception:  # a minimal image without ctypes: the shield and the sweep still hold
            _LIBC.extend((None, None))
    return _LIBC[0], _LIBC[1]


def shield() -> dict:
    """Ignore every signal that can be ignored; returns the previous dispositions."""
    saved = {}
    if _signal is None:
        return saved
    for number in _signal.valid_signals():
        if number in (SIGKILL, SIGSTOP, SIGCHLD):
            continue
        try:
            saved[number] = _signal.signal(number, _signal.SIG_IGN)
        except (OSError, ValueError, RuntimeError):  # signals glibc reserves for itself
            pass
    return saved


def restore(saved: dict) -> None:
    for number, handler in saved.items():
        try:
            _signal.signal(number, handler)
        except (OSError, ValueError, TypeError, RuntimeError):
            pass


def become_subreaper() -> bool:
    ctypes, libc = _libc()
    return libc is not None and libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _compile_filter(ctypes, supervisor: int, group: int) -> bytes | None:
    """The filter's BPF program for this architecture, or None without libseccomp."""
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return None

    class ArgCmp(ctypes.Structure):
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                    ("datum_b", ctypes.c_uint64)]

    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(ArgCmp)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        return None

    def rule(name: str, arg: int | None = None, value: int = 0) -> None:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # not a call on this architecture
            return
        # pid_t is 32 bits: compare only the low half, whatever the caller left above it.
        cmp = ArgCmp(arg, SCMP_CMP_MASKED_EQ, LOW_32_BITS, value & LOW_32_BITS) if arg is not None else None
        if lib.seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO_EPERM, number, int(cmp is not None),
                                      ctypes.byref(cmp) if cmp is not None else None) != 0:
            raise OSError(f"libseccomp refused a rule for {name}")

    try:
        for name in BY_PID:
            for target in sorted({supervisor, -supervisor, -group, -1}):
                rule(name, 0, target)
        for name in BY_THREAD:
            rule(name, 0, supervisor)
        for name in REFUSED:
            rule(name)
        rule("fcntl", 1, F_SETSIG)
        rule("fcntl64", 1, F_SETSIG)
        fd = os.memfd_create("proctor-guard", os.MFD_CLOEXEC)
        try:
            if lib.seccomp_export_bpf(ctx, fd) != 0:
                return None
            os.lseek(fd, 0, os.SEEK_SET)
            return os.read(fd, 1 << 20)
        finally:
            os.close(fd)
    finally:
        lib.seccomp_release(ctx)


def install_filter() -> bool:
    """Load the filter into this process (the supervisor), before it forks any
    candidate; True when it is in force."""
    ctypes, libc = _libc()
    if libc is None:
        return False
    try:
        program = _compile_filter(ctypes, os.getpid(), os.getpgid(0))
    except OSError:
        return False
    if not program:
        return False

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(Prog(len(program) // 8, program)), 0,
                      0) == 0


def enter_candidate(saved: dict) -> None:
    """In a freshly forked candidate process, before any candidate code."""
    restore(saved)
    # A fork of the non-dumpable supervisor is non-dumpable too, and then its own
    # /proc files belong to root: dumpable just long enough to write oom_score_adj.
    ctypes, libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
    except OSError:
        pass
    if libc is not None:
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _children() -> list[int]:
    """Pids whose parent is this process (/proc/PID/stat's fourth field)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(entry))
    return found


def sweep() -> int:
    """Kill and reap every descendant (orphans re-parent here: subreaper or pid 1).
    Returns how many were reaped."""
    reaped = 0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:  # some still run: kill every child, then wait for one
            for child in _children():
                try:
                    os.kill(child, SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return reaped
        reaped += 1
