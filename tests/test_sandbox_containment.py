"""Hostile programs against every isolating backend: each must be contained,
and nothing the candidate started may still run when `run` returns."""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from proctor.sandbox import Limits
from tests.sandbox_backends import ISOLATING, SMALL, open_or_skip


@pytest.fixture(scope="module", params=ISOLATING)
def box(request):
    backend = open_or_skip(request.param)
    yield backend
    backend.close()


def _processes_with(token: str, starting: bytes = b"") -> list[tuple[int, str]]:
    """Live (not zombie) host processes whose command line holds `token` (and
    starts with `starting`)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if token.encode() in cmdline and cmdline.startswith(starting) and state != "Z":
            found.append((int(entry), state))
    return found


def run_python(box, code: str, limits: Limits = SMALL, **kwargs):
    """Runs `code` with a unique marker in its command line, then asserts that no
    process carrying the marker is alive on the host (SIGKILLed processes get a
    moment to finish dying; none may keep running)."""
    token = f"proctor-test-{uuid.uuid4().hex}"
    source = f"# {token}\n" + textwrap.dedent(code)
    result = box.run([box.python, "-I", "-c", source], limits=limits, **kwargs)
    deadline = time.monotonic() + 5
    while (left := _processes_with(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"still running after run() returned: {left}"
    return result


def lines(result) -> list[str]:
    return result.stdout.decode(errors="replace").split()


def test_fork_bomb(box):
    r = run_python(box, """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """)
    assert r.timed_out and r.exit_code is None


def test_process_count_is_capped(box):
    r = run_python(box, """
        import os, time
        n = 0
        for _ in range(200):
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                n += 1
            except OSError:
                break
        print(n, flush=True)
        os._exit(0)
    """)
    assert r.exit_code == 0, r
    assert 0 < int(lines(r)[0]) < SMALL.processes


def test_thread_bomb(box):
    r = run_python(box, """
        import threading, time
        n = 0
        try:
            while n < 10000:
                threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
                n += 1
        except RuntimeError:
            pass
        print(n, flush=True)
        import os; os._exit(0)
    """)
    assert r.exit_code == 0, r
    assert int(lines(r)[0]) < SMALL.processes


def test_memory_bomb(box):
    r = run_python(box, """
        chunks = []
        for _ in range(100):
            chunks.append(bytearray(16 << 20))  # 1.6 GB in 16 MB steps, each page touched
            chunks[-1][::4096] = b"x" * len(chunks[-1][::4096])
        print("survived")
    """)
    assert b"survived" not in r.stdout
    assert r.out_of_memory or b"MemoryError" in r.stderr, r


def test_cpu_spin(box):
    r = run_python(box, "while True:\n    pass\n", limits=Limits(**{**SMALL.__dict__, "cpu_seconds": 1}))
    assert r.exit_code != 0
    assert r.cpu_seconds <= 3


def test_sleep_forever_times_out(box):
    r = run_python(box, "import time\ntime.sleep(3600)\n")
    assert r.timed_out and r.exit_code is None


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_infinite_output(box, stream):
    r = run_python(box, f"""
        import sys
        while True:
            sys.{stream}.write("x" * 4096)
    """)
    assert r.output_truncated
    assert len(getattr(r, stream)) == SMALL.output_bytes


def test_disk_fill(box):
    r = run_python(box, """
        import os
        def fill(path):
            written = 0
            try:
                with open(path, "wb") as fh:
                    while written < (1 << 30):
                        fh.write(b"x" * (1 << 20))
                        fh.flush()
                        written += 1 << 20
            except OSError as exc:
                pass
            return written
        one = fill("big")
        total = 0
        for i in range(100):  # many files, each under the file size limit: the tmpfs size stops them
            try:
                with open(f"/tmp/f{i}", "wb") as fh:
                    fh.write(b"y" * (3 << 20))
                total += 3 << 20
            except OSError:
                break
        print(one, total, flush=True)
    """, limits=Limits(**{**SMALL.__dict__, "memory_mb": 256}))
    one, total = map(int, lines(r))
    assert one <= SMALL.file_size_mb << 20
    assert total <= SMALL.tmp_mb << 20


def test_a_million_small_files(box):
    r = run_python(box, """
        import os
        n = 0
        try:
            for n in range(1_000_000):
                open(f"f{n}", "w").close()
        except OSError as exc:
            print("stopped", n, exc)
        else:
            print("done")
    """)
    assert b"done" not in r.stdout
    assert r.timed_out or r.out_of_memory or b"stopped" in r.stdout


def test_writes_outside_the_work_dir(box):
    name = f"proctor-escape-{uuid.uuid4().hex}"
    read_only = [f"/{name}", f"/usr/{name}", f"/usr/bin/{name}", f"/etc/{name}", f"/root/{name}",
                 f"/home/{name}", f"/var/tmp/{name}", f"/bin/{name}"]
    # Private to the sandbox when writable at all: they must not reach the host.
    private = [f"/dev/shm/{name}", "/proc/sys/kernel/hostname"]
    hostname = socket.gethostname()
    r = run_python(box, f"""
        for path in {read_only + private!r}:
            try:
                with open(path, "w") as fh:
                    fh.write("owned")
                print("WROTE", path)
            except OSError:
                print("denied", path)
    """)
    assert r.exit_code == 0, r
    assert lines(r)[:2 * len(read_only)] == [w for path in read_only for w in ("denied", path)]
    for path in read_only + private[:1]:
        assert not os.path.exists(path)
    assert socket.gethostname() == hostname


def test_host_secrets_are_invisible(box, tmp_path):
    secret = f"proctor-secret-{uuid.uuid4().hex}"
    name = f"proctor-file-{uuid.uuid4().hex}.txt"  # the sandbox sees the names, never the content
    paths = [f"/root/{name}", f"/tmp/{name}", str(tmp_path / name)]
    for path in paths:
        with open(path, "w") as fh:
            fh.write(secret)
    try:
        r = run_python(box, f"""
            import os
            for path in {paths!r} + ["/etc/shadow", "/root/.bash_history", "/proc/1/environ"]:
                try:
                    print(open(path).read())
                except OSError as exc:
                    print("denied", path)
            for top in ["/", "/tmp", "/root", "/home", "/work"]:
                try:
                    print(top, os.listdir(top))
                except OSError:
                    pass
        """)
    finally:
        for path in paths:
            os.unlink(path)
    assert r.exit_code == 0, r
    assert secret.encode() not in r.stdout + r.stderr


def test_grader_environment_is_invisible(box, monkeypatch):
    secret = f"proctor-env-{uuid.uuid4().hex}"
    monkeypatch.setenv("PROCTOR_TEST_API_KEY", secret)
    r = run_python(box, """
        import os
        print(dict(os.environ))
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    print(open(f"/proc/{pid}/environ", "rb").read())
                except OSError:
                    pass
    """)
    assert r.exit_code == 0, r
    assert secret.encode() not in r.stdout + r.stderr
    assert b"PROCTOR_TEST_API_KEY" not in r.stdout


def test_no_network_outside(box):
    r = run_python(box, """
        import socket
        for host, port in [("1.1.1.1", 53), ("8.8.8.8", 443), ("deb.debian.org", 80)]:
            try:
                socket.create_connection((host, port), timeout=1).close()
                print("CONNECTED", host)
            except OSError:
                print("blocked", host)
    """)
    assert r.exit_code == 0, r
    assert b"CONNECTED" not in r.stdout
    assert lines(r).count("blocked") == 3


def test_no_network_to_a_host_listener(box):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        port = server.getsockname()[1]
        r = run_python(box, f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"hello")
                print("CONNECTED")
            except OSError:
                print("blocked")
        """)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    assert lines(r) == ["blocked"], r


def test_killing_the_parent(box):
    r = run_python(box, """
        import os, signal
        for pid in (os.getppid(), 1):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        import time; time.sleep(5)
    """)
    # The harness (this process) survived and got a result back.
    assert r.exit_code != 0 or r.timed_out


def test_kill_minus_one(box):
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        r = run_python(box, """
            import os, signal
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError as exc:
                print("refused", exc)
            print("alive")
        """)
        assert bystander.poll() is None, "a host process was killed from inside the sandbox"
        assert r is not None
    finally:
        bystander.kill()
        bystander.wait()


def test_daemon_does_not_outlive_the_run(box):
    # run_python itself asserts that the grandchild is gone when run() returns.
    r = run_python(box, """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.closerange(0, 3)
                time.sleep(3600)
            os._exit(0)
        print("parent done", flush=True)
    """, limits=Limits(**{**SMALL.__dict__, "wall_seconds": 10}))
    assert r.exit_code == 0 and b"parent done" in r.stdout
    assert not r.timed_out


def test_ptrace_mount_unshare_fail(box):
    r = run_python(box, """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        PTRACE_ATTACH, CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 16, 0x10000000, 0x00020000, 0x40000000
        os.makedirs("mnt", exist_ok=True)
        results = {
            "ptrace_init": libc.ptrace(PTRACE_ATTACH, 1, None, None),
            "ptrace_parent": libc.ptrace(PTRACE_ATTACH, os.getppid(), None, None),
            "mount_tmpfs": libc.mount(b"none", b"mnt", b"tmpfs", 0, None),
            "remount_root_rw": libc.mount(None, b"/", None, 32 | 4096, None),  # MS_REMOUNT|MS_BIND... rw
            "unshare_user": libc.unshare(CLONE_NEWUSER),
            "unshare_mount": libc.unshare(CLONE_NEWNS),
            "unshare_net": libc.unshare(CLONE_NEWNET),
            "setuid_root": libc.setuid(0),
            "chroot": libc.chroot(b"/tmp"),
        }
        for name, rc in results.items():
            print(name, rc)
    """)
    assert r.exit_code == 0, r
    got = dict(line.split() for line in r.stdout.decode().splitlines())
    assert len(got) == 9
    assert all(rc == "-1" for rc in got.values()), got


def test_ordinary_program_runs_with_files_and_stdin(box):
    main = b"import hashlib, sys, pkg.data as d\nprint(d.X, hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"
    stdin = os.urandom(300_000)  # more than a pipe buffer holds: the feeder must not deadlock
    r = box.run([box.python, "main.py"], files={"main.py": main, "pkg/__init__.py": b"", "pkg/data.py": b"X = 'a'\n"},
                stdin=stdin, limits=SMALL)
    assert r.exit_code == 0, r
    assert r.stdout == f"a {hashlib.sha256(stdin).hexdigest()}\n".encode()
    assert not (r.timed_out or r.out_of_memory or r.output_truncated)


def test_exit_codes_pass_through(box):
    r = box.run([box.python, "-I", "-c", "import sys; sys.exit(3)"], limits=SMALL)
    assert r.exit_code == 3 and not r.timed_out


def test_kernel_attack_surface_is_filtered(box):
    # io_uring, bpf, perf_event_open, userfaultfd and keyctl have a record of
    # privilege-escalation bugs: both backends' seccomp filters refuse them.
    r = run_python(box, """
        import ctypes, platform
        libc = ctypes.CDLL(None, use_errno=True)
        numbers = {"x86_64": {"io_uring_setup": 425, "bpf": 321, "perf_event_open": 298,
                              "userfaultfd": 323, "keyctl": 250},
                   "aarch64": {"io_uring_setup": 425, "bpf": 280, "perf_event_open": 241,
                               "userfaultfd": 282, "keyctl": 219}}[platform.machine()]
        params = ctypes.create_string_buffer(256)
        for name, nr in numbers.items():
            rc = libc.syscall(nr, 1, params, 0, 0, 0)
            print(name, rc, ctypes.get_errno())
    """)
    assert r.exit_code == 0, r
    got = [line.split() for line in r.stdout.decode().splitlines()]
    assert len(got) == 5
    assert all(rc == "-1" for _, rc, _ in got), got


def test_sandbox_dies_with_its_harness(tmp_path):
    """A grader worker killed mid-run (pebble's hard timeout does that) must not
    leave the candidate running. bwrap only: a docker container outlives its
    client by design; the next DockerSandbox removes it (`_remove_orphans`)."""
    python = open_or_skip("bwrap").python.encode()
    token = f"proctor-test-{uuid.uuid4().hex}"
    harness = tmp_path / "harness.py"
    harness.write_text(textwrap.dedent(f"""
        from proctor import sandbox
        box = sandbox.open_backend("bwrap")
        print("ready", flush=True)
        box.run([box.python, "-c", "# {token}\\nimport time\\ntime.sleep(60)"],
                limits=sandbox.Limits(wall_seconds=60))
    """))
    proc = subprocess.Popen([sys.executable, str(harness)], stdout=subprocess.PIPE,
                            cwd=str(Path(__file__).resolve().parent.parent))
    try:
        assert proc.stdout.readline() == b"ready\n"
        deadline = time.monotonic() + 10
        # The command itself, not just bwrap (whose arguments hold the token too).
        while not _processes_with(token, starting=python) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _processes_with(token, starting=python), "the sandboxed command never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while (left := _processes_with(token)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"the candidate outlived its killed harness: {left}"
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def warm_box():
    backend = open_or_skip("bwrap-warm")
    yield backend
    backend.close()


def test_warm_runs_leave_nothing_for_the_next(warm_box):
    first = run_python(warm_box, """
        import os, subprocess, time
        for d in (".", "/tmp", "/dev/shm"):
            with open(os.path.join(d, "left-behind"), "w") as fh:
                fh.write("x")
        os.makedirs("deep/er/est")
        os.chmod("deep/er", 0)  # a directory the cleanup cannot enter without fixing it first
        if os.fork() == 0:
            os.setsid()
            time.sleep(3600)
        print("ok", flush=True)
    """)
    second = run_python(warm_box, """
        import os
        print(sorted(os.listdir(".")), os.listdir("/tmp"), os.listdir("/dev/shm"))
        print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) == [1, os.getpid()])
    """)
    assert first.details.get("warm") and second.details.get("warm"), (first, second)
    assert first.exit_code == 0 and second.exit_code == 0, (first, second)
    listing, pids = second.stdout.decode().splitlines()
    assert listing == "[] [] []"
    assert pids == "True"  # only the zygote and this run: the first run's daemon is gone


def test_warm_runs_cannot_reach_the_zygote(warm_box):
    r = run_python(warm_box, """
        import os, signal
        for path in ("/proc/1/mem", "/proc/1/environ", "/proc/1/fd/3", "/proc/1/maps"):
            try:
                open(path, "rb").read(1)
                print("READ", path)
            except OSError:
                print("denied", path)
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGSTOP):
            os.kill(1, sig)
    """)
    assert r.exit_code == 0, r
    assert b"READ" not in r.stdout
    after = warm_box.run([warm_box.python, "-c", "print('still serving')"], limits=SMALL)
    assert after.stdout == b"still serving\n" and after.details.get("warm"), after


def test_warm_mode_matches_a_fresh_interpreter(warm_box):
    code = "import sys\nprint(sys.argv)\nraise SystemExit('bye')"
    warm = warm_box.run([warm_box.python, "-I", "-c", code, "x"], limits=SMALL)
    cold = warm_box.run([warm_box.python, "-X", "dev", "-I", "-c", code, "x"], limits=SMALL)  # -X: runs cold
    assert warm.details.get("warm") and not cold.details.get("warm")
    assert (warm.exit_code, warm.stdout, warm.stderr) == (cold.exit_code, cold.stdout, cold.stderr) == \
        (1, b"['-c', 'x']\n", b"bye\n")
    r = warm_box.run([warm_box.python, "main.py"], files={"main.py": b"import helper\nhelper.boom()\n",
                                                         "helper.py": b"def boom():\n    raise ValueError(7)\n"},
                     limits=SMALL)
    assert r.exit_code == 1 and r.details.get("warm")
    assert r.stderr.decode().splitlines()[1:] == [
        '  File "/work/main.py", line 2, in <module>', "    helper.boom()",
        '  File "/work/helper.py", line 2, in boom', "    raise ValueError(7)", "ValueError: 7"]


# What a run does to reach the next run in the same warm sandbox: files in every
# writable place (filled to their caps), /dev rewired, a daemon. It prints the
# zygote's start time, so the test knows both runs shared one warm sandbox.
WARM_WRITER = """
    import os, time
    zygote = open("/proc/1/stat").read().rpartition(")")[2].split()[19]
    done = []
    for place in ("/dev", "/dev/shm", "/dev/pts", "/tmp", "/work", "/"):
        try:
            for i in range(256):  # up to 256 MB: more than any cap, more than the memory limit
                with open(os.path.join(place, f"left-behind-{i}"), "wb") as fh:
                    if not i:
                        done.append(place)
                    fh.write(b"x" * (1 << 20))
        except OSError:
            pass
    for name in ("stdout", "stdin"):
        try:
            os.unlink("/dev/" + name)
            os.symlink("/work/left-behind-0", "/dev/" + name)
            done.append("/dev/" + name)
        except OSError:
            pass
    if os.fork() == 0:
        os.setsid()
        time.sleep(3600)
    print(zygote, *done, flush=True)
"""
WARM_READER = """
    import os, resource
    zygote = open("/proc/1/stat").read().rpartition(")")[2].split()[19]
    listing = {place: sorted(os.listdir(place)) for place in ("/dev", "/dev/shm", "/tmp", "/work")}
    links = {name: os.readlink("/dev/" + name) for name in ("stdout", "stdin", "stderr")}
    limits = [resource.getrlimit(getattr(resource, name)) for name in
              ("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_AS")]
    others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid()))
    blob = bytearray(96 << 20)  # most of the 128 MB limit, every page touched
    for i in range(0, len(blob), 4096):
        blob[i] = 1
    print(zygote)
    print(listing, links, limits, others, len(blob))
"""


def test_warm_writer_then_reader_in_the_same_slot(warm_box):
    """A later run in the same warm sandbox finds nothing of an earlier one: the
    same files, links, limits and free memory as the first run of a fresh sandbox."""
    fresh = run_python(warm_box, WARM_READER)
    writer = run_python(warm_box, WARM_WRITER)
    reader = run_python(warm_box, WARM_READER)
    assert all(r.details.get("warm") for r in (fresh, writer, reader)), (fresh, writer, reader)
    assert fresh.exit_code == writer.exit_code == reader.exit_code == 0, (fresh, writer, reader)
    zygote, *wrote = writer.stdout.decode().split()
    assert zygote == reader.stdout.decode().splitlines()[0], "the reader ran in another warm sandbox"
    # Only the size-capped tmpfs mounts took the files; /dev and / refused them.
    assert set(wrote) == {"/dev/shm", "/tmp", "/work"}, wrote
    assert fresh.stdout.decode().splitlines()[1] == reader.stdout.decode().splitlines()[1]


@pytest.mark.parametrize("name", ["bwrap", "bwrap-warm"])
def test_dev_is_read_only_and_dev_shm_is_capped(name):
    backend = open_or_skip(name)
    try:
        r = run_python(backend, """
            import os
            for path in ("/dev/x", "/dev/shm/x"):
                try:
                    for i in range(64):  # 1 MB files: the file size limit (4 MB) is not what stops them
                        with open(f"{path}{i}", "wb") as fh:
                            fh.write(b"x" * (1 << 20))
                    print(path, "unbounded")
                except OSError as exc:
                    print(path, exc.strerror)
        """)
    finally:
        backend.close()
    assert r.exit_code == 0, r
    assert r.stdout.decode().splitlines() == ["/dev/x Read-only file system", "/dev/shm/x No space left on device"]
