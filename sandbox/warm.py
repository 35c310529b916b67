"""Warm mode of the bwrap backend: one sandbox, a waiting interpreter, many runs.

A cold run pays for bubblewrap's namespaces and a fresh Python interpreter every
time. In warm mode (`open_backend("bwrap", warm=True)`) one sandbox per set of
limits holds a Python fork server (the zygote, pid 1 of the sandbox); each
`python` command runs in a fresh fork of it, and the zygote then kills every
process the run left, reaps them and empties /work, /tmp and /dev/shm before it
reports and takes the next run. Runs in one sandbox are strictly sequential.

What keeps one run from reaching the next or the zygote: the zygote is pid 1
(signals from inside are ignored, SIGINT included), not dumpable (no
/proc/1/mem, /proc/1/fd or environ for the runs), ptrace and process_vm_* are
refused by the seccomp filter, the control socket is closed in every run before
its code starts, and SysV IPC (which outlives processes) is refused by
seccomp. Everything else of the cold mode holds: uid 65534, no capabilities,
no network, read-only system, cgroup memory and pids limits (for the run plus
the zygote's own few MB), per-run rlimits.

What it does not give: a fresh pid, mount or IPC namespace per run, and a
fresh interpreter (the run is a fork of one started with -I -S: `sys.flags` and
`sys.orig_argv` show that; modules the zygote imported are already loaded).
Only commands `[box.python, flags..., -c CODE | SCRIPT, args...]` with flags
among -I -S -B -E -s -P -u go warm; anything else runs cold. Any irregularity
(timeout, output cap, OOM, a cleanup that fails) destroys the sandbox and the
next run starts a fresh one.
"""
from __future__ import annotations

import dataclasses
import json
import marshal
import os
import select
import signal
import socket
import subprocess
import threading
import time

from proctor.sandbox.base import Limits, RunResult
from proctor.sandbox.files import memfd
from proctor.sandbox.rlimits import MB, rlimits_for
from proctor.sandbox.streams import collect

FLAGS = {"-I", "-S", "-B", "-E", "-s", "-P", "-u"}
# The zygote's own memory, on top of what the run may use.
ZYGOTE_MB = 32

# Runs inside the sandbox, as pid 1. Any failure ends it (and so the sandbox).
ZYGOTE = r'''
import ctypes, json, marshal, os, resource, signal, socket, sys
ctrl = socket.socket(fileno=int(sys.argv[1]))
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: runs cannot open /proc/1/{mem,fd,environ}
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Python's KeyboardInterrupt handler would let a run interrupt pid 1

def clear(top):
    found, pending = [], [top]
    while pending:
        path = pending.pop()
        if path != top:
            os.chmod(path, 0o700)
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                    found.append(entry.path)
                else:
                    os.unlink(entry.path)
    for path in reversed(found):
        os.rmdir(path)

def exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1

def become(req, fds):
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(3, 1 << 16)
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for which, value in req["rlimits"]:
        resource.setrlimit(which, (value, value))
    os.chdir("/work")
    import builtins, runpy, traceback, types
    flags = req["flags"]
    if "-S" not in flags:
        import site
        site.main()
    sys.argv = req["argv"]
    if "-I" not in flags and "-P" not in flags:
        sys.path.insert(0, "" if "code" in req else os.path.dirname(os.path.abspath(req["script"])))
    sys.dont_write_bytecode = "-B" in flags
    if "-u" in flags:
        sys.stdout.reconfigure(write_through=True)
        sys.stderr.reconfigure(write_through=True)
    status = 0
    try:
        if "code" in req:
            main = types.ModuleType("__main__")
            main.__builtins__ = builtins
            sys.modules["__main__"] = main
            exec(compile(req["code"], "<string>", "exec"), main.__dict__)
        else:
            runpy.run_path(os.path.abspath(req["script"]), run_name="__main__")  # __file__ is absolute, as in 3.9+
    except SystemExit as exc:
        status = exit_status(exc)
    except BaseException as exc:
        tb = exc.__traceback__.tb_next  # the traceback a fresh interpreter prints: without
        while tb is not None and tb.tb_frame.f_code.co_filename == "<frozen runpy>":  # these frames
            tb = tb.tb_next
        try:
            traceback.print_exception(type(exc), exc, tb)
        except BaseException:
            pass
        status = 1
    for finish in ("threading", "atexit"):
        try:
            if finish == "threading":
                import threading
                threading._shutdown()
            else:
                import atexit
                atexit._run_exitfuncs()
        except BaseException:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(status)

while True:
    msg, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 4)
    if not msg:
        os._exit(0)
    req = json.loads(msg)
    with os.fdopen(fds[3], "rb") as fh:
        files = marshal.loads(fh.read())
    for path, data in files.items():
        full = os.path.join("/work", path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(data)
    pid = os.fork()
    if pid == 0:
        try:
            become(req, fds[:3])
        finally:
            os._exit(70)
    for fd in fds[:3]:
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    while True:  # everything the run left behind: pid 1's kill(-1) reaches all but itself
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    for top in ("/work", "/tmp", "/dev/shm"):
        if os.path.isdir(top):
            clear(top)
    ctrl.send(json.dumps({"status": status, "cpu": usage.ru_utime + usage.ru_stime}).encode())
'''


def parse_command(python: str, command: list[str]) -> dict | None:
    """The zygote's request for `command`, or None when it must run cold."""
    if not command or command[0] != python:
        return None
    i = 1
    while i < len(command) and command[i] in FLAGS:
        i += 1
    flags = command[1:i]
    if i >= len(command):
        return None
    if command[i] == "-c":
        if i + 1 >= len(command):
            return None
        return {"flags": flags, "code": command[i + 1], "argv": ["-c", *command[i + 2:]]}
    if command[i].startswith("-"):
        return None
    return {"flags": flags, "script": command[i], "argv": command[i:]}


class WarmPython:
    """The warm sandbox of one BwrapSandbox (see the module docstring)."""

    def __init__(self, box):
        self.box = box
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._group = None
        self._ctrl: socket.socket | None = None
        self._key: tuple | None = None
        self._oom_seen = 0
        self._oom_at_stop = False

    def run(self, command, files, stdin, limits: Limits, start: float) -> RunResult | None:
        """The result of a warm run, or None to have the caller run it elsewhere."""
        request = parse_command(self.box.python, command)
        if request is None or not self._lock.acquire(blocking=False):
            return None  # not a Python command, or another thread is using this warm sandbox
        try:
            return self._run(request, files, stdin, limits, start)
        finally:
            self._lock.release()

    def _ensure(self, limits: Limits, deadline: float) -> None:
        key = (limits.memory_mb, limits.processes, limits.tmp_mb)
        if self._proc is not None and self._proc.poll() is None and self._key == key:
            return
        self._stop()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # The zygote's own CPU time accumulates over runs: each run gets its
            # own RLIMIT_CPU in its fork instead.
            zygote_limits = dataclasses.replace(limits, cpu_seconds=86400)
            self._proc, self._group = self.box._launch(
                [self.box.python, "-I", "-S", "-c", ZYGOTE, str(child.fileno())], {}, zygote_limits,
                (limits.memory_mb + ZYGOTE_MB) * MB, limits.processes + 1, deadline,
                extra_fds=(child.fileno(),), stdio=subprocess.DEVNULL)
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self._ctrl, self._key, self._oom_seen = parent, key, 0

    def _stop(self) -> None:
        """Destroy the warm sandbox (kill the tree, drop the cgroup)."""
        if self._proc is not None:
            try:
                os.kill(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._group.signal_all()
            self._oom_at_stop = self._group.oom_kills() > self._oom_seen
            self._proc.wait()
            self.box.cgroups.discard(self._group)
        if self._ctrl is not None:
            self._ctrl.close()
        self._proc = self._group = self._ctrl = self._key = None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _run(self, request, files, stdin, limits, start) -> RunResult | None:
        deadline = start + limits.wall_seconds
        self._ensure(limits, deadline)
        request["rlimits"] = rlimits_for(limits, address_space=False)
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        files_fd = memfd(marshal.dumps(files), "proctor-files")
        try:
            socket.send_fds(self._ctrl, [json.dumps(request).encode()], [in_r, out_w, err_w, files_fd])
        except OSError:
            self._stop()  # the zygote died between runs: start afresh, cold this once
            for fd in (in_r, in_w, out_r, out_w, err_r, err_w, files_fd):
                os.close(fd)
            return None
        for fd in (in_r, out_w, err_w, files_fd):
            os.close(fd)
        self._oom_at_stop = False
        got = collect(in_w, out_r, err_r, stdin, limits.output_bytes, deadline, self._stop)
        reply = None
        if not (got.timed_out or got.output_truncated):
            reply = self._reply(deadline)
            if reply is None:
                got.timed_out = time.monotonic() >= deadline
        wall = time.monotonic() - start
        oom = self._oom_at_stop
        if self._group is not None:
            kills = self._group.oom_kills()
            oom, self._oom_seen = oom or kills > self._oom_seen, kills
        # A timeout, an output cap, an OOM kill or a zygote the run killed (by
        # exhausting memory or pids while it cleaned up): never reuse. The run
        # gets no exit code, like any run the harness had to kill; it is not a
        # harness failure, or a candidate could turn its wrong answer into one.
        zygote_died = reply is None and not (got.timed_out or got.output_truncated)
        if reply is None or oom:
            self._stop()
        exit_code = None
        cpu = 0.0
        if reply is not None:
            exit_code = os.waitstatus_to_exitcode(reply["status"])
            if exit_code < 0:
                exit_code = 128 - exit_code  # a signal, reported as bwrap and docker do
            cpu = reply["cpu"]
        return RunResult(
            exit_code=exit_code, stdout=got.stdout, stderr=got.stderr, wall_seconds=wall, cpu_seconds=cpu,
            timed_out=got.timed_out, out_of_memory=oom, output_truncated=got.output_truncated,
            details={"backend": self.box.name, "warm": True, "zygote_died": zygote_died,
                     "cgroup": self.box.cgroups.version,
                     "seccomp": bool(self.box.seccomp), "cpu_limit_reached": cpu >= limits.cpu_seconds})

    def _reply(self, deadline: float) -> dict | None:
        """The zygote's report on the run, once it has cleaned up; None if it
        does not come by the deadline or the zygote died."""
        poller = select.poll()
        poller.register(self._ctrl, select.POLLIN)
        if not poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
            return None
        try:
            data = self._ctrl.recv(1 << 16)
            return json.loads(data) if data else None
        except (OSError, ValueError):
            return None
