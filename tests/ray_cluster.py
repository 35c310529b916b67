"""A real Ray cluster on this machine for the tests: a head and worker nodes, each
its own `ray start --block` process tree, and drivers that are real `proctor`
processes.

Everything runs in a private network namespace holding only a loopback device:
Ray then binds and talks on 127.0.0.1 alone (on the host network it uses the
machine's outward address), and the cluster cannot meet another Ray on this
machine by port or by its address file. Its own RAY_TMPDIR and token file
(token authentication stays on, as Ray ships it) keep ~/.ray and /tmp/ray
untouched. Every process carries a marker in its environment, so `leftovers()`
finds anything still running after `stop()`, down to a grading worker.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
MARKER = "PROCTOR_TEST_RAY_CLUSTER"


def _dies_with_the_tests(signal_number: int):
    """A preexec hook: the child gets `signal_number` when the test process dies, even by
    SIGKILL or a CI timeout, so no node outlives a run cut short (`ray start --block`
    stops its node's processes on SIGTERM)."""
    def arm() -> None:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal_number)  # PR_SET_PDEATHSIG
    return arm


def unavailable_reason() -> str | None:
    """Why a cluster cannot start here, or None."""
    if not Path(RAY).exists():
        return "Ray is not installed (make install adds it: the dev extra pins ray)"
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (util-linux / iproute2)"
    if os.geteuid() != 0:
        return "a private network namespace for the test cluster needs root"
    return None


class Node:
    def __init__(self, name: str, process: subprocess.Popen, log: Path):
        self.name, self.process, self.log = name, process, log

    def raylet_pid(self) -> int:
        """The node's raylet: a child of its `ray start` process."""
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            if name == "raylet" and int(rest[1]) == self.process.pid:
                return int(entry.name)
        raise LookupError(f"node {self.name} has no raylet")


class LocalRayCluster:
    def __init__(self, root: Path, env: dict[str, str] | None = None):
        # Ray's socket paths must stay under 107 bytes: a short private RAY_TMPDIR.
        self.tmp = Path(f"/tmp/prx-{uuid.uuid4().hex[:8]}")
        self.tmp.mkdir()
        self.root = root
        self.marker = uuid.uuid4().hex
        token = self.tmp / "token"
        token.write_text(secrets.token_hex(32))
        self.env = dict(os.environ, **(env or {}), RAY_TMPDIR=str(self.tmp), RAY_AUTH_MODE="token",
                        RAY_AUTH_TOKEN_PATH=str(token), RAY_USAGE_STATS_ENABLED="0", **{MARKER: self.marker})
        for name in ("RAY_ADDRESS", "PROCTOR_DB"):
            self.env.pop(name, None)
        # The namespace lives as long as this process does.
        self.holder = subprocess.Popen(["unshare", "--net", "--", "sleep", "86400"], env=self.env,
                                       start_new_session=True, preexec_fn=_dies_with_the_tests(signal.SIGKILL))
        self.nodes: list[Node] = []
        self.address = "127.0.0.1:6379"
        own = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + 30
        while os.readlink(f"/proc/{self.holder.pid}/ns/net") == own:  # until unshare has made the namespace
            if self.holder.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("unshare --net could not make a network namespace")
            time.sleep(0.02)
        subprocess.run(self.inside(["ip", "link", "set", "lo", "up"]), check=True)

    def inside(self, argv: list[str]) -> list[str]:
        """`argv` run in the cluster's network namespace (nsenter execs it: the pid is the program's)."""
        return ["nsenter", f"--net=/proc/{self.holder.pid}/ns/net", "--", *map(str, argv)]

    def start_head(self, num_cpus: int = 1, env: dict[str, str] | None = None) -> Node:
        return self._start("head", ["--head", "--port=6379", "--include-dashboard=false"], num_cpus, env)

    def add_worker(self, name: str, num_cpus: int = 1, env: dict[str, str] | None = None) -> Node:
        return self._start(name, [f"--address={self.address}"], num_cpus, env)

    def _start(self, name: str, args: list[str], num_cpus: int, env: dict[str, str] | None) -> Node:
        log = self.root / f"ray-{name}.log"
        agent_port = 20000 + len(self.nodes) * 100 + secrets.randbelow(90)  # one per node: they share the netns
        command = [RAY, "start", "--block", "--disable-usage-stats", f"--num-cpus={num_cpus}", "--num-gpus=0",
                   "--min-worker-port=0", "--max-worker-port=0", f"--dashboard-agent-listen-port={agent_port}",
                   "--object-store-memory=200000000", *args]
        with open(log, "w") as out:
            process = subprocess.Popen(self.inside(command), env=dict(self.env, **(env or {})), stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       preexec_fn=_dies_with_the_tests(signal.SIGTERM))
        node = Node(name, process, log)
        self.nodes.append(node)
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray node {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        return node

    def stop_node(self, node: Node) -> None:
        if node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)  # `ray start --block` stops its node's processes
            try:
                node.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(node.process.pid, signal.SIGKILL)
                node.process.wait()
        if node in self.nodes:
            self.nodes.remove(node)

    def stop(self) -> list[str]:
        """Stops every node; returns the processes that outlived it by 30 s (then killed)."""
        for node in reversed(list(self.nodes)):  # worker nodes first, the head last
            self.stop_node(node)
        deadline = time.monotonic() + 30
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.5)
        left = []
        for pid in self.leftovers():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
                left.append(f"{pid} {command.decode(errors='replace')}")
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, OSError):
                pass
        if self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return left

    def leftovers(self) -> list[int]:
        """Processes of this cluster (or its drivers) still running."""
        found = []
        needle = f"{MARKER}={self.marker}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
        return [pid for pid in found if pid != self.holder.pid]
