"""The `docker` backend: each run in a fresh container of a local image.

A container has no network, a read-only root, tmpfs /work and /tmp, memory,
pids and CPU limits, every capability dropped, no-new-privileges, and runs as
uid 65534 under the engine's default seccomp profile. A container runs untrusted
code once and is then destroyed: a candidate's daemon must never meet the next
run. Starting a container costs about 0.3 s here while `docker exec` into a
running one costs about 0.06 s, so a small pool of started, never-used
containers per set of limits is kept warm in the background (`pool_size`).
"""
from __future__ import annotations

import atexit
import io
import os
import select
import socket
import struct
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from proctor import sandbox
from proctor.extras import require
from proctor.sandbox.base import Limits, RunResult, Sandbox, SandboxError, SandboxUnavailable
from proctor.sandbox.cgroups import RunCgroup
from proctor.sandbox.files import checked_files
from proctor.sandbox.processes import process_alive
from proctor.sandbox.rlimits import MB
from proctor.sandbox.seccomp import deny_list_bpf
from proctor.sandbox.streams import append_capped

DEFAULT_IMAGE = os.environ.get("PROCTOR_DOCKER_IMAGE", "proctor-python:bookworm")
OWNER_LABEL = "proctor.sandbox.owner"
USER = "65534:65534"
ENVIRONMENT = {"PATH": "/usr/bin:/bin", "HOME": "/work", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
# Unpacks the run's files from the first N bytes of stdin, then becomes the
# command, which reads the rest of stdin. GNU head -c never reads past N bytes.
UNPACK = 'head -c "$0" | tar -x -m -C /work -f - && exec "$@"'
# Docker 20.10's default seccomp profile still allows io_uring (later engines
# block it). Filters stack, so the exec'd command first installs proctor's
# deny-list (sandbox/seccomp.py, compiled on the host) and then becomes the command.
SECCOMP_LOADER = (
    "import ctypes, os, sys\n"
    "class Prog(ctypes.Structure):\n"
    "    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_char_p)]\n"
    "bpf = bytes.fromhex(sys.argv[1])\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "if libc.prctl(22, 2, ctypes.byref(Prog(len(bpf) // 8, bpf)), 0, 0) != 0:\n"  # PR_SET_SECCOMP, FILTER
    "    sys.exit('proctor: cannot install the seccomp filter: ' + os.strerror(ctypes.get_errno()))\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def _client(base_url: str | None):
    require("docker", "the docker sandbox backend")
    import docker  # the SDK is imported only when this backend is chosen
    try:
        client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
        client.ping()
    except Exception as exc:  # the SDK raises several types for "no engine"
        raise SandboxUnavailable(
            f"no Docker engine answers ({type(exc).__name__}: {exc}); as root, "
            "scripts/docker_engine.sh installs and starts one and builds the image") from exc
    return client


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@sandbox.register("docker")
class DockerSandbox(Sandbox):
    """Options: `image` (must hold /bin/sh, head, tar and, for Python code,
    `python`), `python` (interpreter path in the image), `pool_size` (warm
    containers kept per set of limits; 0 disables the pool), `base_url`,
    `seccomp` (stack proctor's deny-list on the engine's profile; needs ctypes
    in the image's Python)."""

    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, python: str = "/usr/bin/python3", pool_size: int = 2,
                 base_url: str | None = None, seccomp: bool = True):
        self.client = _client(base_url)
        self.seccomp = deny_list_bpf() if seccomp else None
        import docker.errors
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(
                f"Docker image {image!r} is missing; scripts/docker_engine.sh builds it "
                "(no registry is needed)") from exc
        self.image, self.python, self.pool_size = image, python, pool_size
        self._pool: dict[Limits, list] = {}
        self._lock = threading.Lock()
        self._background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="proctor-docker")
        self._closed = False
        self._remove_orphans()
        atexit.register(self.close)

    def _remove_orphans(self) -> None:
        """Containers a crashed proctor process left behind on this engine."""
        # The low-level listing, not containers.list(): that one inspects each
        # container after listing it, and a container another proctor process
        # removes in between turns the inspection into a NotFound error.
        for entry in self.client.api.containers(all=True, filters={"label": OWNER_LABEL}):
            owner = (entry.get("Labels") or {}).get(OWNER_LABEL, "")
            if owner.isdigit() and not process_alive(int(owner)):
                self._background.submit(self._destroy, self.client.containers.prepare_model(entry))

    def _start_container(self, limits: Limits):
        from docker.types import Ulimit
        cpu = max(1, int(limits.cpu_seconds + 0.999))
        tmpfs = f"size={limits.tmp_mb}m,uid=65534,gid=65534,mode=0700,nosuid,nodev"
        # (a directory the image has keeps its owner; uid= makes it the candidate's)
        # The container's own `sleep` runs as root without capabilities, so the
        # candidate (uid 65534, via exec) can neither ptrace nor signal it.
        return self.client.containers.run(
            self.image, ["sleep", "infinity"], detach=True, user="0:0", working_dir="/work",
            network_mode="none", read_only=True, tmpfs={"/work": tmpfs, "/tmp": tmpfs},
            mem_limit=limits.memory_mb * MB, memswap_limit=limits.memory_mb * MB,
            pids_limit=limits.processes + 1,  # + the container's own `sleep`
            nano_cpus=1_000_000_000, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            ulimits=[Ulimit(name="cpu", soft=cpu, hard=cpu),
                     Ulimit(name="fsize", soft=limits.file_size_mb * MB, hard=limits.file_size_mb * MB),
                     Ulimit(name="nofile", soft=256, hard=256), Ulimit(name="core", soft=0, hard=0)],
            environment=ENVIRONMENT, hostname="sandbox", labels={OWNER_LABEL: str(os.getpid())})

    def _destroy(self, container) -> None:
        try:
            container.remove(force=True)
        except Exception:
            pass  # already gone

    def _refill(self, limits: Limits) -> None:
        if self._closed:
            return
        try:
            container = self._start_container(limits)
        except Exception:
            return  # the next run starts one itself and reports the engine's error
        with self._lock:
            if self._closed:
                self._background.submit(self._destroy, container)
            else:
                self._pool.setdefault(limits, []).append(container)

    def _take(self, limits: Limits):
        with self._lock:
            warm = self._pool.setdefault(limits, [])
            container = warm.pop(0) if warm else None
            missing = self.pool_size - len(warm) - (0 if container else 1)
        for _ in range(max(missing, 0)):
            self._background.submit(self._refill, limits)
        return container or self._start_container(limits)

    def _cgroup_file(self, container_id: str, controller: str, name: str) -> str | None:
        path = f"/sys/fs/cgroup/{controller}/docker/{container_id}/{name}"
        return path if os.path.exists(path) else None

    def run(self, command, files=None, stdin=b"", limits=Limits()) -> RunResult:
        import docker.errors
        files = checked_files(files)
        start = time.monotonic()
        try:
            container = self._take(limits)
            try:
                return self._run_in(container, list(command), files, stdin, limits, start)
            finally:
                self._background.submit(self._destroy, container)  # used once, never again
        except (docker.errors.DockerException, OSError) as exc:  # requests' errors are OSErrors
            raise SandboxError(f"the Docker engine failed during the run: {exc}") from exc

    def _run_in(self, container, command, files, stdin, limits, start) -> RunResult:
        api = self.client.api
        payload = _tar(files) if files else b""
        if self.seccomp:
            command = [self.python, "-I", "-S", "-c", SECCOMP_LOADER, self.seccomp.hex(), *command]
        if payload:
            command = ["/bin/sh", "-c", UNPACK, str(len(payload)), *command]
        exec_id = api.exec_create(container.id, command, stdin=True, user=USER, workdir="/work",
                                  environment=ENVIRONMENT)["Id"]
        conn = api.exec_start(exec_id, socket=True)
        sock: socket.socket = conn._sock  # the hijacked HTTP connection: a raw stream socket
        deadline = start + limits.wall_seconds
        out = {1: bytearray(), 2: bytearray()}
        timed_out = truncated = False

        def feed() -> None:
            try:
                sock.sendall(payload + stdin)
                sock.shutdown(socket.SHUT_WR)  # the engine closes the exec's stdin
            except OSError:
                pass  # the command exited or was killed before reading all of it

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        pending = bytearray()
        exited = False
        poller = select.poll()  # not select.select: a busy grader may hold fds past 1024
        poller.register(sock, select.POLLIN)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                ready = poller.poll(int(min(remaining, 0.05) * 1000) + 1)
                if not ready:
                    # The stream stays open while any descendant holds stdout: the
                    # command's own exit ends the run, as in the bwrap backend.
                    if exited:
                        break
                    exited = not api.exec_inspect(exec_id).get("Running", True)
                    continue
                chunk = sock.recv(65536)
                if not chunk:
                    break
                pending += chunk
                # Docker multiplexes both streams: 8-byte header (stream, 0, 0, 0, size).
                while len(pending) >= 8:
                    stream, size = pending[0], struct.unpack(">I", pending[4:8])[0]
                    if len(pending) < 8 + size:
                        break
                    data = bytes(pending[8:8 + size])
                    del pending[:8 + size]
                    buf = out.get(stream)
                    if buf is not None and append_capped(buf, data, limits.output_bytes):
                        truncated = True
                if truncated:
                    break
        finally:
            wall = time.monotonic() - start
            oom, cpu = self._accounting(container.id)  # read before a kill removes the cgroup
            # Hang up first: the engine's kill waits up to 10 s for an exec whose
            # output nobody reads any more. shutdown() ends the connection even
            # while the stdin feeder thread still holds the socket.
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
            sock.close()
            if timed_out or truncated or self._has_leftovers(container.id):
                try:
                    container.kill()  # now, not in the background: nothing may outlive run()
                except Exception:
                    pass
        exit_code = None
        if not (timed_out or truncated):
            exit_code = api.exec_inspect(exec_id).get("ExitCode")
        return RunResult(exit_code=exit_code, stdout=bytes(out[1]), stderr=bytes(out[2]), wall_seconds=wall,
                         cpu_seconds=cpu, timed_out=timed_out, out_of_memory=oom, output_truncated=truncated,
                         details={"backend": self.name, "image": self.image, "container": container.id[:12],
                                  "seccomp": "engine default" + (" + proctor deny-list" if self.seccomp else "")})

    def _has_leftovers(self, container_id: str) -> bool:
        """Whether anything besides the container's own `sleep` still runs in it."""
        procs = self._cgroup_file(container_id, "pids", "cgroup.procs") or \
            self._cgroup_file(container_id, "memory", "cgroup.procs")
        if procs is None:
            return True  # cannot tell: assume the worst and kill now
        try:
            with open(procs) as fh:
                return len(fh.read().split()) > 1
        except OSError:
            return False  # the cgroup is gone: so is every process in it

    def _accounting(self, container_id: str) -> tuple[bool, float]:
        """(OOM kill seen, CPU seconds) from the container's cgroup, when the host exposes it;
        (False, 0.0) when it does not or the container died under us."""
        group = RunCgroup([], [], self._cgroup_file(container_id, "memory", "memory.oom_control") or "",
                          "oom_kill", self._cgroup_file(container_id, "cpuacct", "cpuacct.usage"))
        try:
            cpu = group.cpu_seconds() or 0.0
        except ValueError:
            cpu = 0.0
        return group.oom_killed(), cpu

    def close(self) -> None:
        """Remove the warm containers."""
        with self._lock:
            self._closed = True
            warm = [c for containers in self._pool.values() for c in containers]
            self._pool.clear()
        for container in warm:
            self._destroy(container)
        self._background.shutdown(wait=True)
