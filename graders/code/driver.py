"""The supervisor that runs INSIDE the sandbox (standard library only).

Why two processes. The candidate can do anything its own process can: walk
frames, patch builtins and the encoder, print, call os._exit. So the candidate
never shares a process with whatever reports results. This supervisor reads
the job, forks a candidate process that keeps only a write pipe for its records
(stdin, stdout and stderr go to /dev/null or to pipes the supervisor reads),
times every call from the outside, and only then reads the run's nonce from
stdin and writes one authenticated envelope to the real stdout.

What the candidate can no longer do:
- reach the real stdout: its fd is gone, and the supervisor is made
  non-dumpable, so /proc/<supervisor>/fd, /proc/<supervisor>/mem and ptrace
  are refused to a process of the same uid without capabilities;
- learn the nonce: it is read from stdin after the last candidate process was
  forked, so no candidate memory ever held it;
- fake its timing: the supervisor stamps every record on arrival;
- fake types: whatever it sends is only data, decoded strictly outside;
- signal the supervisor: it ignores every signal that can be ignored, and a
  seccomp filter it inherits refuses signals aimed at the supervisor, SIGKILL
  and SIGSTOP included (guard.py);
- leave processes behind: the supervisor is a subreaper and kills and reaps
  every descendant before the next candidate process and before it reports.
The first bytes on stdout (protocol.STARTED) prove the supervisor started
before any candidate code ran; a supervisor that started and then left no
envelope was killed or starved by the candidate (memory, time), which the
grader counts against the candidate. The supervisor's own failures are
reported inside the authenticated envelope ("supervisor_error"), never
inferred from text a candidate could also write. The expected outputs never
enter the sandbox at all.

Function mode: one candidate process loads the program, then answers every
call in order, one record each (first a load record). Stdio mode: one fresh
candidate process per test, stdin from a memfd, stdout and stderr read through
pipes under a byte cap. Either way each test has its own wall-clock limit.
"""
import builtins
import os
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I drops the script dir
import guard  # noqa: E402
import protocol  # noqa: E402

PR_SET_DUMPABLE = 4
SIGKILL = 9  # not `import signal`: it pulls in enum, a few ms of every run
READ_CHUNK = 65536


def make_undumpable() -> bool:
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except Exception:  # no ctypes in a minimal image: the nonce still holds
        return False


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, READ_CHUNK))
        if not chunk:
            raise EOFError("stdin ended early")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # a candidate's exception may refuse str()
        text = "?"
    return f"{type(exc).__name__}: {text}"[:300]


# The supervisor's signal dispositions before guard.shield(), for candidate processes.
SAVED_SIGNALS: dict = {}


def enter_candidate_process(stdin_fd: int, stdout_fd: int, stderr_fd: int, keep: int) -> None:
    """In the forked child, before any candidate code: own session (so the
    supervisor can kill the group), the usual signal dispositions, fds 0-2
    pointed where the supervisor says, every other inherited fd closed except `keep`."""
    os.setsid()
    guard.enter_candidate(SAVED_SIGNALS)
    for target, source in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd)):
        os.dup2(source, target)
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)


def kill_group(pid: int):
    """SIGKILL the candidate's process group, reap it, then every other
    descendant it left (daemons in new sessions too): its wait status."""
    try:
        os.killpg(pid, SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        status = os.waitpid(pid, 0)[1]
    except ChildProcessError:
        status = None
    guard.sweep()
    return status


def exit_watch(pid: int):
    """A pidfd that turns readable when `pid` exits, or None (no pidfd_open in
    this kernel or sandbox: the caller polls instead)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


# --- function mode ------------------------------------------------------------

def function_child(job: dict, out: int) -> None:
    def send(record: dict) -> None:
        write_all(out, protocol.frame_record(record))

    namespace = {"__name__": "__candidate__", "__builtins__": builtins}
    try:
        exec(compile(job["source"], "<candidate>", "exec"), namespace)
        function = namespace.get(job["entry_point"])
        if not callable(function):
            raise NameError(f"the program defines no function {job['entry_point']!r}")
    except BaseException as exc:
        send({"load": "error", "error": describe(exc)})
        return
    send({"load": "ok"})
    for call in job["calls"]:
        args = protocol.decode(call["args"])
        kwargs = protocol.decode(call["kwargs"]) if "kwargs" in call else {}
        try:
            value = function(*args, **kwargs)
        except BaseException as exc:  # SystemExit too: exiting is not an answer
            send({"ok": False, "error": describe(exc)})
            continue
        try:
            send({"ok": True, "value": protocol.encode(value)})
        except protocol.Unencodable as exc:
            send({"ok": False, "unencodable": str(exc)[:300]})


def run_function(job: dict) -> dict:
    limits = [job["load_seconds"]] + list(job["call_seconds"])
    record_cap = job["record_bytes"]
    read_end, write_end = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    pid = os.fork()
    if pid == 0:
        try:
            enter_candidate_process(devnull, devnull, devnull, write_end)
            function_child(job, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    os.close(devnull)
    records, times, status = [], [], None
    buffer = bytearray()
    last = time.monotonic()
    # Once the candidate process has exited, what it wrote is all there is, even
    # if a daemon it left still holds the pipe open.
    pidfd = exit_watch(pid)
    exited = False
    while len(records) < len(limits):
        deadline = last + limits[len(records)]
        wait = deadline - time.monotonic()
        if wait <= 0:
            status = "time limit"
            break
        watch = [read_end] if exited or pidfd is None else [read_end, pidfd]
        ready = select.select(watch, [], [], 0 if exited else wait)[0]
        if not ready:
            status = "crashed" if exited else "time limit"
            break
        if pidfd is not None and pidfd in ready:
            exited = True
            if read_end not in ready:
                continue
        chunk = os.read(read_end, READ_CHUNK)
        if not chunk:
            status = "crashed"
            break
        buffer += chunk
        arrived = time.monotonic()
        while len(buffer) >= protocol.RECORD_HEADER.size and len(records) < len(limits):
            (length,) = protocol.RECORD_HEADER.unpack_from(buffer)
            if length > record_cap:
                status = "output limit"
                break
            if len(buffer) < protocol.RECORD_HEADER.size + length:
                break
            end = protocol.RECORD_HEADER.size + length
            records.append(bytes(buffer[protocol.RECORD_HEADER.size:end]).decode("latin-1"))
            times.append(round(arrived - last, 6))
            last = arrived
            del buffer[:end]
        if status:
            break
    kill_group(pid)
    os.close(read_end)
    if pidfd is not None:
        os.close(pidfd)
    results = [{"status": "ok", "record": r, "seconds": t} for r, t in zip(records, times)]
    if len(results) < len(limits):
        results.append({"status": status or "crashed", "record": None,
                        "seconds": round(time.monotonic() - last, 6)})
    while len(results) < len(limits):
        results.append({"status": "not run", "record": None, "seconds": 0.0})
    return {"load": results[0], "calls": results[1:]}


# --- stdio mode ---------------------------------------------------------------

def stdio_child(source: str) -> int:
    try:
        exec(compile(source, "<candidate>", "exec"), {"__name__": "__main__", "__builtins__": builtins})
        code = 0
    except SystemExit as exc:
        code = exc.code if type(exc.code) is int else (0 if exc.code is None else 1)
    except BaseException as exc:
        try:
            sys.stderr.write(describe(exc) + "\n")
        except BaseException:
            pass
        code = 1
    try:
        sys.stdout.flush()
    except BaseException:
        code = code or 1
    return code


def run_stdio_test(source: str, given: str, seconds: float, output_cap: int) -> dict:
    stdin_fd = os.memfd_create("stdin") if hasattr(os, "memfd_create") else None
    if stdin_fd is None:
        import tempfile
        stdin_fd = tempfile.TemporaryFile().detach().fileno()  # pragma: no cover - non-Linux
    write_all(stdin_fd, given.encode())
    os.lseek(stdin_fd, 0, os.SEEK_SET)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    result_r, result_w = os.pipe()  # unused by the child; keeps the fd layout uniform
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            enter_candidate_process(stdin_fd, out_w, err_w, result_w)
            code = stdio_child(source)
        finally:
            os._exit(code)
    for fd in (out_w, err_w, result_w, stdin_fd):
        os.close(fd)
    os.close(result_r)
    buffers = {out_r: bytearray(), err_r: bytearray()}
    caps = {out_r: output_cap, err_r: 2048}
    status = None
    pidfd = exit_watch(pid)
    open_fds = [out_r, err_r]
    exited = False
    while open_fds and not exited:
        wait = start + seconds - time.monotonic()
        if wait <= 0:
            status = "time limit"
            break
        watch = open_fds + ([pidfd] if pidfd is not None else [])
        ready = select.select(watch, [], [], wait if pidfd is not None else min(wait, 0.02))[0]
        if pidfd is None and not ready:
            exited = os.waitpid(pid, os.WNOHANG)[0] != 0
        for fd in ready:
            if fd == pidfd:
                exited = True
                continue
            chunk = os.read(fd, READ_CHUNK)
            if not chunk:
                open_fds.remove(fd)
                continue
            buffers[fd] += chunk
            if len(buffers[fd]) > caps[fd]:
                if fd == out_r:
                    status = "output limit"
                del buffers[fd][caps[fd]:]
        if status:
            break
    seconds_used = time.monotonic() - start
    if exited and not status:
        for fd in open_fds:  # the child is gone: take what it left in the pipes
            os.set_blocking(fd, False)
            try:
                while len(buffers[fd]) <= caps[fd]:
                    chunk = os.read(fd, READ_CHUNK)
                    if not chunk:
                        break
                    buffers[fd] += chunk
            except BlockingIOError:
                pass
            if fd == out_r and len(buffers[fd]) > caps[fd]:
                status = "output limit"
    wait_status = kill_group(pid)
    for fd in [out_r, err_r] + ([pidfd] if pidfd is not None else []):
        os.close(fd)
    exit_code = os.waitstatus_to_exitcode(wait_status) if wait_status is not None else None
    return {"status": status or "ok", "exit": exit_code, "seconds": round(seconds_used, 6),
            "stdout": bytes(buffers[out_r][:output_cap]).hex(),
            "stderr": bytes(buffers[err_r]).decode("utf-8", "replace")}


def run_stdio(job: dict) -> dict:
    tests = []
    for given, seconds in zip(job["inputs"], job["call_seconds"]):
        try:
            tests.append(run_stdio_test(job["source"], given, seconds, job["output_bytes"]))
        except OSError as exc:
            if not tests:  # nothing of the candidate has run yet: this supervisor's failure
                raise
            # Every earlier candidate process is dead and reaped, but the files it
            # left (tmpfs counts against the memory limit) may be why this one
            # could not start: the candidate's doing.
            tests.append({"status": "could not start", "exit": None, "seconds": 0.0, "stdout": "",
                          "stderr": describe(exc)})
    return {"tests": tests}


def main() -> int:
    write_all(1, protocol.STARTED)
    SAVED_SIGNALS.update(guard.shield())
    undumpable = make_undumpable()
    subreaper = guard.become_subreaper()
    try:
        (length,) = protocol.JOB_HEADER.unpack(read_exact(0, protocol.JOB_HEADER.size))
        job = protocol.read_job(read_exact(0, length))
        guarded = guard.install_filter()
        envelope = run_function(job) if job["mode"] == "function" else run_stdio(job)
        envelope["guarded"] = guarded
    except Exception as exc:  # this supervisor's own failure, told in the authenticated envelope
        guard.sweep()
        envelope = {"supervisor_error": describe(exc)}
    envelope["undumpable"] = undumpable
    envelope["subreaper"] = subreaper
    # Only now, with every candidate process forked and killed, does the nonce
    # enter this process.
    nonce = read_exact(0, protocol.NONCE_BYTES).decode("ascii")
    write_all(1, protocol.frame_envelope(nonce, envelope))
    return 0


if __name__ == "__main__":
    sys.exit(main())
