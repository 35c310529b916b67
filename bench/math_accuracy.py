"""Accuracy of the `math` grader against careful human labels, next to Math-Verify.

Grades every pair of bench/math_corpus.jsonl with proctor's `math` grader and
with Math-Verify 0.9.0 (`parse` + `verify`), each pair in a pebble worker
process with a hard wall-clock kill, and prints agreement, false positives
(graded right, labelled wrong) and false negatives for both, then every pair
where either grader disagrees with the label. Run: .venv/bin/python bench/math_accuracy.py
"""
from __future__ import annotations

import collections
import json
import os
import sys
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from pebble import ProcessPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CORPUS = Path(__file__).with_name("math_corpus.jsonl")
KILL_AFTER_S = 20  # per pair; Math-Verify's own 5 s alarms should fire first
WORKERS = min(2, os.cpu_count() or 1)


def load_corpus(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def proctor_verdict(item: dict) -> bool:
    from proctor import graders
    from proctor.graders.problem import Problem

    problem = Problem("bench", "math", "", item["reference"], item.get("metadata") or {})
    return graders.get("math").grade(problem, item["completion"]).status == "correct"


def math_verify_verdict(item: dict) -> bool:
    from math_verify import parse, verify

    gold = parse(f"${item['reference']}$")
    answer = parse(item["completion"])
    return bool(verify(gold, answer))


def grade_all(func, items: list[dict]) -> list[bool | None]:
    """Verdicts in corpus order; None when the pair was killed or raised."""
    with ProcessPool(max_workers=WORKERS) as pool:
        futures = [pool.schedule(func, args=(item,), timeout=KILL_AFTER_S) for item in items]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except (FutureTimeout, Exception):
                results.append(None)
    return results


def summarise(name: str, items: list[dict], verdicts: list[bool | None]) -> dict:
    fp = sum(1 for it, v in zip(items, verdicts) if v and not it["label"])
    fn = sum(1 for it, v in zip(items, verdicts) if not v and it["label"])
    failed = sum(1 for v in verdicts if v is None)
    agree = len(items) - fp - fn
    print(f"{name:12s} agreement {agree}/{len(items)} = {agree / len(items):.1%}   "
          f"false positives {fp}   false negatives {fn}   killed/raised {failed}")
    return {"fp": fp, "fn": fn, "agree": agree}


def main() -> int:
    items = load_corpus()
    kinds = collections.Counter(it["kind"] for it in items)
    print(f"corpus: {len(items)} labelled pairs ({sum(it['label'] for it in items)} right, "
          f"{sum(not it['label'] for it in items)} wrong), {len(kinds)} kinds")
    ours = grade_all(proctor_verdict, items)
    theirs = grade_all(math_verify_verdict, items)
    a = summarise("proctor", items, ours)
    b = summarise("Math-Verify", items, theirs)
    print("\npairs where a grader disagrees with the label (P = proctor, M = Math-Verify):")
    for item, p, m in zip(items, ours, theirs):
        wrong = [tag for tag, v in (("P", p), ("M", m)) if bool(v) != item["label"]]
        if wrong:
            print(f"  {'+'.join(wrong):3s} label={item['label']!s:5s} [{item['kind']}] ref={item['reference']!r} "
                  f"completion={item['completion'][:70]!r}")
    print(f"\nfewer false positives: {a['fp'] < b['fp']} ({a['fp']} vs {b['fp']}); "
          f"fewer false negatives: {a['fn'] < b['fn']} ({a['fn']} vs {b['fn']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
