"""Feed a child's stdin and collect its stdout/stderr under a byte cap and a deadline.

Shared by the backends that own a local child process (process, bwrap, and
bwrap's warm mode). One thread, one `selectors` loop: no reader threads to leak
when a candidate keeps a pipe open forever. The byte cap itself
(`append_capped`) is docker's too.
"""
from __future__ import annotations

import os
import select
import selectors
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Collected:
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_truncated: bool


# After a kill, descendants that escaped it may still hold the pipes open; stop
# reading after this long so the harness never hangs on them.
DRAIN_AFTER_KILL_SECONDS = 0.5
# How long a killed child may take to be reaped.
REAP_AFTER_KILL_SECONDS = 5


def append_capped(buf: bytearray, chunk: bytes, limit: int) -> bool:
    """Append to `buf` what fits under `limit` bytes; True when `chunk` did not fit whole."""
    room = limit - len(buf)
    buf += chunk[:max(room, 0)]
    return len(chunk) > room


def collect(stdin_fd: int | None, stdout_fd: int, stderr_fd: int, stdin: bytes,
            output_bytes: int, deadline: float, kill: Callable[[], None],
            done: Callable[[], bool] | None = None) -> Collected:
    """Pump the pipes until both outputs reach EOF (or `done()` says the run is
    over and the pipes are idle). Exceeding `output_bytes` on a stream, or the
    wall `deadline` (a `time.monotonic()` value), calls `kill()` once: an
    endless writer is stopped, not drained. Closes every fd it is given."""
    buffers = {stdout_fd: bytearray(), stderr_fd: bytearray()}
    truncated = timed_out = False
    killed_at: float | None = None
    sel = selectors.DefaultSelector()
    for fd in (stdout_fd, stderr_fd):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    pending = memoryview(stdin)
    if stdin_fd is not None:
        if pending:
            os.set_blocking(stdin_fd, False)
            sel.register(stdin_fd, selectors.EVENT_WRITE)
        else:
            os.close(stdin_fd)
            stdin_fd = None

    def stop(reason_timeout: bool) -> None:
        nonlocal killed_at, timed_out
        if killed_at is None:
            killed_at = time.monotonic()
            timed_out = reason_timeout
            kill()

    try:
        while sel.get_map():
            now = time.monotonic()
            if killed_at is None and now >= deadline:
                stop(True)
            if killed_at is not None and now - killed_at > DRAIN_AFTER_KILL_SECONDS:
                break
            limit = deadline if killed_at is None else killed_at + DRAIN_AFTER_KILL_SECONDS
            events = sel.select(max(0.0, min(limit - now, 0.05 if done else limit - now)))
            if not events and done is not None and done():
                break
            for key, _ in events:
                fd = key.fd
                if fd == stdin_fd:
                    try:
                        written = os.write(fd, pending[:65536])
                    except (BrokenPipeError, OSError):
                        written = len(pending)  # the child closed stdin: it does not want the rest
                    pending = pending[written:]
                    if not pending:
                        sel.unregister(fd)
                        os.close(fd)
                        stdin_fd = None
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(fd)
                    continue
                if append_capped(buffers[fd], chunk, output_bytes):
                    truncated = True
                    stop(False)
                    sel.unregister(fd)
    finally:
        sel.close()
        for fd in (stdin_fd, stdout_fd, stderr_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
    return Collected(bytes(buffers[stdout_fd]), bytes(buffers[stderr_fd]), timed_out, truncated)


def has_exited(pid: int) -> bool:
    """True once child `pid` has exited, without reaping it (WNOWAIT): `wait_exit`
    must still find it, for its status and rusage."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def wait_exit(pid: int, deadline: float) -> tuple[int, object] | None:
    """Reap child `pid` by the monotonic `deadline`: (wait status, rusage), or
    None if it is still running then. rusage comes from wait4, so CPU time is
    this child's and its reaped descendants', not every child of the harness."""
    pidfd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while True:
            remaining = deadline - time.monotonic()
            if not poller.poll(max(0, int(remaining * 1000) + 1)) and remaining <= 0:
                return None
            reaped, status, usage = os.wait4(pid, os.WNOHANG)
            if reaped == pid:
                return status, usage
    finally:
        os.close(pidfd)


def run_popen(proc, stdin: bytes, output_bytes: int, deadline: float, kill: Callable[[], None],
              done: Callable[[], bool] | None = None) -> tuple[Collected, object]:
    """`collect` for a Popen started with three pipes, then reap it: one still
    running at `deadline` counts as timed out and is killed. Sets
    `proc.returncode` (-9 if it was never reaped); returns (Collected, its rusage or None)."""
    fds = []
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        fds.append(os.dup(stream.fileno()))  # `collect` owns and closes its own copies
        stream.close()
    got = collect(fds[0], fds[1], fds[2], stdin, output_bytes, deadline, kill, done=done)
    reaped = wait_exit(proc.pid, deadline if not got.timed_out else time.monotonic() + REAP_AFTER_KILL_SECONDS)
    if reaped is None:
        got.timed_out = True
        kill()
        reaped = wait_exit(proc.pid, time.monotonic() + REAP_AFTER_KILL_SECONDS)
    status, usage = reaped if reaped else (None, None)
    proc.returncode = os.waitstatus_to_exitcode(status) if status is not None else -9
    return got, usage
