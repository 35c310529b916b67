"""The code grader's supervisor against its own candidate, on every backend.

The candidate runs as the same uid as the supervisor that reports its results,
so it can try to signal it, starve it or leave processes behind. What it tries
must end as its own failure (`incorrect`), never as the grader's (`error`),
and the supervisor's own failures must be told apart without reading text the
candidate can write. Probes report what they saw as their answer: the reference
returns the expected observation, so `correct` proves the supervisor held.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from proctor.graders.code import protocol
from proctor.graders.code.grader import CodeGrader, SupervisorFailed
from proctor.graders.problem import Problem

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["bwrap-warm", "bwrap-cold", "docker", "process"]


def _grader(variant: str, monkeypatch, **options) -> CodeGrader:
    from proctor import sandbox
    backend = {"bwrap-warm": "bwrap", "bwrap-cold": "bwrap"}.get(variant, variant)
    try:
        sandbox.open_backend(backend, **({"pool_size": 0} if backend == "docker" else {})).close()
    except (sandbox.SandboxUnavailable, sandbox.RegistryError) as exc:
        if os.environ.get("CI") == "true" and backend != "process":
            pytest.fail(f"{backend} must run on CI: {exc}")
        pytest.skip(f"sandbox backend {backend!r} cannot run here: {exc}")
    monkeypatch.setenv("PROCTOR_SANDBOX_WARM", "0" if variant == "bwrap-cold" else "1")
    options = {"min_seconds": 2.0, "load_seconds": 2.0, "max_total_seconds": 6.0, **options}
    return CodeGrader(sandbox=backend, **options)


def _probe_problem(expected: str, name: str = "probe") -> Problem:
    return Problem(f"t/{name}", "test", name, {
        "kind": "function", "entry_point": "f", "solution": f"def f():\n    return {expected!r}\n",
        "tests": [{"args": protocol.encode(()), "expected": protocol.encode(expected)}]})


SIGNAL_PROBE = textwrap.dedent("""
    import ctypes, errno, fcntl, os, platform, signal

    def f():
        parent = os.getppid()
        seen = []

        def attempt(what, call):
            try:
                result = call()
                seen.append(f"{what}:{'refused' if result == -1 else 'sent'}")
            except PermissionError:
                seen.append(f"{what}:refused")
            except OSError as exc:
                seen.append(f"{what}:{errno.errorcode.get(exc.errno, exc.errno)}")

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGKILL, signal.SIGSTOP):
            attempt(signal.Signals(sig).name, lambda: os.kill(parent, sig))
        attempt("killpg", lambda: os.killpg(os.getpgid(parent), signal.SIGKILL))
        attempt("kill(-1)", lambda: os.kill(-1, signal.SIGKILL))
        number = {"x86_64": 234, "aarch64": 131}[platform.machine()]
        attempt("tgkill", lambda: ctypes.CDLL(None, use_errno=True).syscall(number, parent, parent, 9))
        attempt("pidfd", lambda: signal.pidfd_send_signal(os.open(f"/proc/{parent}", os.O_RDONLY), 9))
        r, w = os.pipe()
        attempt("F_SETSIG", lambda: fcntl.fcntl(r, 10, 9))
        return " ".join(seen)
""")
SIGNALS_REFUSED = ("SIGINT:refused SIGTERM:refused SIGHUP:refused SIGUSR1:refused SIGKILL:refused "
                   "SIGSTOP:refused killpg:refused kill(-1):refused tgkill:refused pidfd:refused F_SETSIG:refused")


@pytest.mark.parametrize("variant", BACKENDS)
def test_every_way_to_signal_the_supervisor_is_refused(variant, monkeypatch):
    """SIGKILL and SIGSTOP included: where the supervisor is not pid 1 of its
    namespace (warm bwrap, docker, process) only the seccomp filter stops them."""
    grader = _grader(variant, monkeypatch)
    try:
        verdict = grader.grade(_probe_problem(SIGNALS_REFUSED, "signals"), SIGNAL_PROBE)
    finally:
        grader.close()
    assert verdict.status == "correct", verdict


@pytest.mark.parametrize("variant", BACKENDS)
def test_candidate_is_the_oom_killers_first_choice(variant, monkeypatch):
    grader = _grader(variant, monkeypatch)
    try:
        verdict = grader.grade(_probe_problem("1000", "oom"),
                               "def f():\n    return open('/proc/self/oom_score_adj').read().strip()\n")
    finally:
        grader.close()
    assert verdict.status == "correct", verdict


STDIO_COUNTS_PROCESSES = textwrap.dedent("""
    import os, time
    print(sum(1 for p in os.listdir("/proc") if p.isdigit()))
    if os.fork() == 0:  # a daemon in a session of its own, out of reach of the group kill
        os.setsid()
        time.sleep(3600)
""")


@pytest.mark.parametrize("variant", BACKENDS[:3])
def test_nothing_a_test_leaves_reaches_the_next_test(variant, monkeypatch):
    """Each stdio test counts the processes it can see, then leaves a daemon. The
    supervisor reaps every descendant before the next test, so every test counts
    what the reference counted (which leaves nothing) and the answer is correct."""
    grader = _grader(variant, monkeypatch)
    try:
        count = "import os\nprint(sum(1 for p in os.listdir('/proc') if p.isdigit()))\n"
        tests = [{"input": str(i), "output": "?"} for i in range(4)]
        reference = {"kind": "stdio", "solution": count, "tests": tests}
        # The expected output is what the reference prints in this very sandbox.
        backend = grader.backend_for(None)
        seen = backend.run([backend.python, "-I", "-S", "-c", "import os\nprint(sum(1 for p in os.listdir('/proc') "
                                                                "if p.isdigit()) + 1)"], {}, b"")
        assert seen.exit_code == 0, seen
        for test in tests:
            test["output"] = seen.stdout.decode().strip()
        verdict = grader.grade(Problem("t/stdio-daemon", "test", "count", reference), STDIO_COUNTS_PROCESSES)
    finally:
        grader.close()
    assert verdict.status == "correct", verdict


@pytest.mark.parametrize("variant", ["bwrap-warm", "process"])
def test_a_huge_integer_answer_is_wrong_not_an_error(variant, monkeypatch):
    grader = _grader(variant, monkeypatch)
    try:
        verdict = grader.grade(_probe_problem("small"), "def f():\n    return 1 << 20000\n")
    finally:
        grader.close()
    assert verdict.status == "incorrect", verdict
    assert verdict.reason == "wrong answer on test 0" and verdict.details["got"] == "<int of 20001 bits>"


@pytest.mark.parametrize("variant", ["bwrap-warm", "docker", "process"])
def test_a_fake_traceback_on_stderr_is_the_candidates_failure(variant, monkeypatch):
    """The old grader called a run `error` when stderr held a Traceback naming
    driver.py; stderr is the candidate's to write."""
    grader = _grader(variant, monkeypatch)
    fake = ("import os, sys\nsys.stderr.write('Traceback (most recent call last):\\n  File \"driver.py\", line 9\\n'\n"
            "                 '  File \"graders/code/grader.py\"\\nKeyboardInterrupt\\n')\nsys.stderr.flush()\nos._exit(1)\n")
    try:
        verdict = grader.grade(_probe_problem("x"), fake)
    finally:
        grader.close()
    assert verdict.status == "incorrect", verdict


def test_the_supervisors_own_failure_is_an_error_from_its_envelope(monkeypatch):
    """A job the supervisor cannot run (a field missing) makes it fail before
    any candidate code: it says so in its authenticated envelope."""
    grader = _grader("bwrap-warm", monkeypatch)
    job = {"mode": "function", "source": "x = 1", "call_seconds": [1.0], "load_seconds": 1.0}  # no entry_point...
    try:
        with pytest.raises(SupervisorFailed, match="supervisor failed: KeyError"):
            grader._run(_probe_problem("x"), job)
    finally:
        grader.close()


def test_a_supervisor_that_never_started_is_an_error(monkeypatch):
    """No start mark on stdout: the sandbox never ran the supervisor, which no
    candidate code can cause (none has run)."""
    grader = _grader("bwrap-cold", monkeypatch)
    backend = grader.backend_for(None)
    monkeypatch.setattr(backend, "python", "/usr/bin/no-such-python3")
    try:
        verdict = grader.grade(_probe_problem("x"), "def f():\n    return 'x'\n")
    finally:
        grader.close()
    assert verdict.status == "error" and "did not start" in verdict.reason, verdict


def test_the_shield_ignores_what_a_candidate_can_send():
    """guard.shield() alone (no filter): a process that ignores signals survives
    every catchable one sent to it."""
    code = textwrap.dedent("""
        import os, signal, sys, time
        sys.path.insert(0, sys.argv[1])
        import guard
        guard.shield()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE, signal.SIGUSR1,
                    signal.SIGUSR2, signal.SIGALRM, signal.SIGSEGV, signal.SIGABRT, signal.SIGXCPU, signal.SIGTSTP,
                    signal.SIGIO, signal.SIGTTIN, signal.SIGTTOU, signal.SIGRTMIN, signal.SIGRTMAX):
            os.kill(os.getpid(), sig)
        time.sleep(0.05)
        print("alive")
    """)
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / "graders" / "code")], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0 and done.stdout == "alive\n", done
