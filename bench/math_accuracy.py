"""Accuracy of the `math` grader against labelled cases, next to Math-Verify 0.9.0 on the same cases.

Corpora (each line: reference, completion, label, kind; the others' corpus adds source and reason):
- `old`: bench/math_corpus.jsonl, written while the grader was built (518 pairs);
- `tune`: bench/math_heldout_tune.jsonl, two thirds of the cases taken from others (see
  bench/math_heldout_build.py), used while fixing the grader;
- `heldout`: bench/math_heldout_test.jsonl, the third put aside before any fixing (graded at the end of
  the first round of fixes; its misses were then known, so it no longer measures a grader built blind);
- `heldout2`: bench/math_heldout2.jsonl, 250 cases from sources not used before (bench/math_heldout2_build.py),
  labelled without running any grader, graded once after the second round of fixes.

Every pair is graded by proctor's `math` grader and by Math-Verify (`parse` + `verify`), each pair in a
pebble worker process with a hard wall-clock kill. Printed per corpus: agreement, false positives (graded
right, labelled wrong), false negatives, `error` verdicts, pairs killed; then the pairs where either
grader disagrees with the label. Run: .venv/bin/python bench/math_accuracy.py [old] [tune] [heldout] [heldout2]
(all when none is named).
"""
from __future__ import annotations

import json
import os
import sys
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from pebble import ProcessPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HERE = Path(__file__).resolve().parent
CORPORA = {"old": HERE / "math_corpus.jsonl", "tune": HERE / "math_heldout_tune.jsonl",
           "heldout": HERE / "math_heldout_test.jsonl", "heldout2": HERE / "math_heldout2.jsonl"}
KILL_AFTER_S = 20  # per pair; Math-Verify's own 5 s alarms should fire first
WORKERS = min(2, os.cpu_count() or 1)


def load_corpus(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def proctor_verdict(item: dict) -> str:
    from proctor import graders
    from proctor.graders.problem import Problem

    problem = Problem("bench", "math", "", item["reference"], item.get("metadata") or {})
    return graders.get("math").grade(problem, item["completion"]).status


def math_verify_verdict(item: dict) -> str:
    from math_verify import parse, verify

    gold = parse(f"${item['reference']}$")
    answer = parse(item["completion"])
    return "correct" if verify(gold, answer) else "incorrect"


def grade_all(func, items: list[dict]) -> list[str | None]:
    """Verdict statuses in corpus order; None when the pair was killed or raised."""
    with ProcessPool(max_workers=WORKERS) as pool:
        futures = [pool.schedule(func, args=(item,), timeout=KILL_AFTER_S) for item in items]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except (FutureTimeout, Exception):
                results.append(None)
    return results


def summarise(name: str, items: list[dict], verdicts: list[str | None]) -> dict:
    fp = sum(1 for it, v in zip(items, verdicts) if v == "correct" and not it["label"])
    fn = sum(1 for it, v in zip(items, verdicts) if v != "correct" and it["label"])
    errors = sum(1 for v in verdicts if v == "error")
    killed = sum(1 for v in verdicts if v is None)
    agree = len(items) - fp - fn
    print(f"  {name:12s} agreement {agree}/{len(items)} = {agree / len(items):.1%}   false positives {fp}   "
          f"false negatives {fn}   error verdicts {errors}   killed/raised {killed}")
    return {"fp": fp, "fn": fn, "agree": agree, "errors": errors}


def run(name: str, path: Path) -> None:
    items = load_corpus(path)
    print(f"\n== {name}: {path.name}, {len(items)} labelled pairs ({sum(it['label'] for it in items)} right, "
          f"{sum(not it['label'] for it in items)} wrong)")
    ours = grade_all(proctor_verdict, items)
    theirs = grade_all(math_verify_verdict, items)
    a = summarise("proctor", items, ours)
    b = summarise("Math-Verify", items, theirs)
    print(f"  agreement above Math-Verify's: {a['agree'] > b['agree']}; fewer false positives: {a['fp'] < b['fp']} "
          f"({a['fp']} vs {b['fp']}); fewer false negatives: {a['fn'] < b['fn']} ({a['fn']} vs {b['fn']})")
    print("  pairs where a grader disagrees with the label (P = proctor, M = Math-Verify):")
    for item, p, m in zip(items, ours, theirs):
        wrong = [tag for tag, v in (("P", p), ("M", m)) if (v == "correct") != item["label"]]
        if wrong:
            print(f"    {'+'.join(wrong):3s} label={item['label']!s:5s} proctor={p} [{item['kind']}] "
                  f"ref={item['reference'][:60]!r} completion={item['completion'][-90:]!r}")


def main(argv: list[str]) -> int:
    names = argv or list(CORPORA)
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        print(f"unknown corpus {unknown[0]!r}; allowed: {', '.join(CORPORA)}", file=sys.stderr)
        return 2
    for name in names:
        run(name, CORPORA[name])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
