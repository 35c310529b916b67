"""Throughput of the `math` grader next to Math-Verify, on the same corpus, in one run.

Pairs graded per CPU-second of one process (= per core), each grader run
in-process over every pair of the four corpora (bench/math_corpus.jsonl and the
others' cases, bench/math_heldout_tune.jsonl, math_heldout_test.jsonl, math_heldout2.jsonl) after a short warm-up
(imports, ANTLR start-up). proctor starts with an empty reference cache, so
the figure includes reading each distinct reference once. Math-Verify parses
the gold and the completion and calls `verify`, as its README shows.
Run: .venv/bin/python bench/math_speed.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CORPORA = [Path(__file__).with_name(name) for name in
           ("math_corpus.jsonl", "math_heldout_tune.jsonl", "math_heldout_test.jsonl", "math_heldout2.jsonl")]
ROUNDS = 2  # passes over the corpus per grader


def load_corpus() -> list[dict]:
    return [json.loads(line) for path in CORPORA for line in path.read_text().splitlines() if line.strip()]


def time_proctor(items: list[dict]) -> float:
    from proctor import graders
    from proctor.graders.math.grader import read_reference
    from proctor.graders.problem import Problem

    grader = graders.get("math")
    problems = [Problem("bench", "math", "", it["reference"], it.get("metadata") or {}) for it in items]
    for problem, item in list(zip(problems, items))[:5]:
        grader.grade(problem, item["completion"])
    read_reference.cache_clear()
    start = time.process_time()
    for _ in range(ROUNDS):
        read_reference.cache_clear()  # every pass reads its references afresh
        for problem, item in zip(problems, items):
            grader.grade(problem, item["completion"])
    return time.process_time() - start


def time_math_verify(items: list[dict]) -> float:
    from math_verify import parse, verify

    for item in items[:5]:
        verify(parse(f"${item['reference']}$"), parse(item["completion"]))
    start = time.process_time()
    for _ in range(ROUNDS):
        for item in items:
            verify(parse(f"${item['reference']}$"), parse(item["completion"]))
    return time.process_time() - start


def main() -> int:
    items = load_corpus()
    pairs = len(items) * ROUNDS
    ours = time_proctor(items)
    theirs = time_math_verify(items)
    ours_rate, theirs_rate = pairs / ours, pairs / theirs
    print(f"corpus: {len(items)} pairs x {ROUNDS} passes, one process each")
    print(f"proctor      {ours_rate:8.0f} pairs per CPU-second  ({ours:.2f} s)")
    print(f"Math-Verify  {theirs_rate:8.0f} pairs per CPU-second  ({theirs:.2f} s)")
    print(f"ratio proctor / Math-Verify: {ours_rate / theirs_rate:.1f}x (goal: at least 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
