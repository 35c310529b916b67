"""Scale-out: code-grader throughput with the local pool vs Ray (1 and 2 grading actors)
on this machine, Ray's per-item overhead at several batch sizes, and a paper estimate
of the nodes one million code samples an hour needs.

In one run, on the same items (code.functions reference solutions, graded in the
bubblewrap sandbox):
  local pool   GradingPool with 2 worker processes (the default on 2 cores)
  ray x1/x2    RayExecutor on a local Ray instance, 1 and 2 actors (each owns a
               one-worker pool, so x2 has as many grading processes as the pool)
and prints samples/s and the ratios to the local pool. Then numeric items, whose
grading costs microseconds, through one actor with a fixed batch size: what Ray
adds per item, against the same items through a one-worker local pool.

Ray runs in a private network namespace (only loopback) when this runs as root, so
nothing listens beyond this machine; its token and temp files stay in a temp folder.

    .venv/bin/python bench/scale.py [--code N] [--overhead-items N]
"""
from __future__ import annotations

import argparse
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proctor import graders, tasks  # noqa: E402
from proctor.pool import GradingPool, Job  # noqa: E402

BATCH_SIZES = (1, 4, 16, 64, 256, 1024)
SAMPLES_PER_HOUR = 1_000_000
SAMPLES_PER_PROBLEM = 8


def in_private_network() -> None:
    """Re-runs this script in a new network namespace holding only loopback (as root)."""
    if os.environ.get("PROCTOR_BENCH_NETNS") == "1" or os.geteuid() != 0 or not shutil.which("unshare"):
        return
    os.environ["PROCTOR_BENCH_NETNS"] = "1"
    os.execvp("unshare", ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                          sys.executable, *sys.argv])


def tree_cpu_seconds() -> float:
    """CPU time of this process and every process below it, the finished ones included.

    Each live process's own time plus that of its reaped children (cutime): a
    sandboxed run that came and went is counted in its parent. Unlike wall time on
    a machine shared with other work, this is what grading costs (Ray's own
    processes included, for a local instance started from here)."""
    parents, times = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    below, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in below:
                below.add(pid)
                frontier.append(pid)
    return sum(times.get(pid, 0) for pid in below) / os.sysconf("SC_CLK_TCK")


def timed(pool, jobs: list[Job]) -> tuple[float, float, dict]:
    """Wall seconds, CPU seconds (all processes), verdicts."""
    started, cpu = time.perf_counter(), tree_cpu_seconds()
    verdicts = dict(pool.grade(jobs))
    return time.perf_counter() - started, tree_cpu_seconds() - cpu, verdicts


def code_jobs(n: int) -> list[Job]:
    """n samples, SAMPLES_PER_PROBLEM of each problem: an RL loop draws many per problem."""
    problems = tasks.get("code.functions").generate(max(1, n // SAMPLES_PER_PROBLEM), 11)
    return [Job(i, "code", problems[i % len(problems)], problems[i % len(problems)].reference["solution"])
            for i in range(n)]


def numeric_jobs(n: int) -> list[Job]:
    problems = tasks.get("arith.integer").generate(min(n, 20_000), 3, difficulty=3)
    return [Job(i, "numeric", problems[i % len(problems)], f"\\boxed{{{problems[i % len(problems)].reference}}}")
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=int, default=240, help="code samples per configuration")
    parser.add_argument("--overhead-items", type=int, default=4096, help="numeric items per batch size")
    args = parser.parse_args()
    in_private_network()
    cpus = len(os.sched_getaffinity(0))
    # Each configuration grades the items twice and the second pass counts: the code
    # grader runs a problem's reference once per grading process, and in an hour of
    # grading nearly every sample finds its reference already run.
    jobs = code_jobs(args.code)
    results, cpu = {}, {}
    with GradingPool(workers=cpus) as pool:
        timed(pool, jobs)
        seconds, cpu["local pool"], verdicts = timed(pool, jobs)
    assert all(v.status == "correct" for v in verdicts.values()), "the reference solutions must pass"
    results["local pool"] = seconds

    folder = tempfile.mkdtemp(prefix="prx-bench-")
    token = Path(folder, "token")
    token.write_text(secrets.token_hex(32))
    # Before Ray is imported: it reads its settings then.
    os.environ.update(RAY_TMPDIR=folder, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token),
                      RAY_USAGE_STATS_ENABLED="0")
    os.environ.pop("RAY_ADDRESS", None)
    import ray

    from proctor.ray_executor.executor import RayExecutor


    try:
        started = time.perf_counter()
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        init_seconds = time.perf_counter() - started
        for actors in (1, 2):
            with RayExecutor(workers=actors) as pool:
                timed(pool, jobs)  # actors placed, graders opened, sandboxes and references warm
                seconds, cpu[f"ray x{actors}"], ray_verdicts = timed(pool, jobs)
            assert {k: v.status for k, v in ray_verdicts.items()} == {k: v.status for k, v in verdicts.items()}
            results[f"ray x{actors}"] = seconds

        numeric = numeric_jobs(args.overhead_items)
        grader = graders.get("numeric")
        started = time.perf_counter()
        for job in numeric:
            grader.grade(job.problem, job.completion)
        in_process = (time.perf_counter() - started) / len(numeric)
        with GradingPool(workers=1) as pool:
            timed(pool, numeric[:64])
            local_seconds, _, _ = timed(pool, numeric)
        local_overhead = local_seconds / len(numeric) - in_process
        overheads = {}
        for size in BATCH_SIZES:
            items = numeric[:max(64, min(len(numeric), size * 64))]
            with RayExecutor(workers=1, batch_size=size) as pool:
                timed(pool, items[:size])
                seconds, _, _ = timed(pool, items)
            overheads[size] = seconds / len(items) - in_process
    finally:
        ray.shutdown()
        shutil.rmtree(folder, ignore_errors=True)

    local = results["local pool"]
    print(f"code.functions reference solutions, {args.code} samples ({SAMPLES_PER_PROBLEM} per problem), "
          f"bwrap sandbox, {cpus} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"ray.init (a local instance): {init_seconds:.1f} s")
    for name, seconds in results.items():
        print(f"{name:11s} {args.code / seconds:7.1f} samples/s   ratio to the local pool {local / seconds:.2f}x   "
              f"CPU {cpu[name] / args.code * 1000:5.1f} ms/sample (ratio {cpu['local pool'] / cpu[name]:.2f}x)")
    print(f"\nper-item overhead beyond grading (numeric items, {in_process * 1e6:.0f} us each in-process):")
    print(f"local pool, 1 worker:   {local_overhead * 1000:8.3f} ms")
    for size, overhead in overheads.items():
        ratio = overhead / max(local_overhead, 1e-9)
        print(f"ray, 1 actor, batch {size:4d}: {overhead * 1000:8.3f} ms   ({ratio:.1f}x the local pool's)")

    core_seconds = cpu["local pool"] / args.code  # what one sample costs, all processes counted
    efficiency = min(1.0, cpu["local pool"] / cpu["ray x2"])  # Ray's own processes cost CPU too
    rate = SAMPLES_PER_HOUR / 3600
    needed = rate * core_seconds / efficiency
    print(f"\nestimate: one code sample costs {core_seconds * 1000:.1f} ms of one core (local pool, warm); "
          f"{SAMPLES_PER_HOUR:,} samples an hour is {rate:.0f}/s, so {rate * core_seconds:.1f} cores grading, "
          f"{needed:.1f} with Ray's own cost (efficiency {efficiency:.2f}): "
          + ", ".join(f"{math.ceil(needed / cores)} node(s) of {cores} cores" for cores in (8, 16, 32))
          + "; it scales with the cost per sample (a test suite 10x heavier needs 10x the cores)")


if __name__ == "__main__":
    main()
