"""CPU time of every host-side reader of model text (proctor.testing.extractors)
on the hostile corpus's megabyte shapes, and the same readers as they were before
issue 11 (the backtracking patterns, kept here) on the shapes that broke them.
With --corpus, also the whole corpus through every built-in grader at its
default limits (code on the default sandbox), and the slowest item.

The old readers are quadratic, so they run on a smaller size (SMALL_CHARS) where
they still finish; the new ones run there too, for the ratio, and at a megabyte.

    .venv/bin/python bench/hostile_extraction.py [SMALL_CHARS] [--corpus]
"""
from __future__ import annotations

import re
import sys
import time

from proctor.testing.extractors import EXTRACTORS, run
from proctor.testing.hostile import hostile_completions

# The patterns issue 11 replaced, verbatim.
OLD_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+.-]*)[ \t]*$", re.MULTILINE)
OLD_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
OLD_JSON_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*json[ \t]*\r?\n", re.IGNORECASE)
OLD_ANSWER = re.compile(r"(?:final answer|answer)\s*(?:is|:|=)\s*:?\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
OLD_LIST_WORDS = re.compile(r"\\text\{\s*(?:and|or|,)\s*\}|\s+(?:and|or)\s+|,|;")
OLD_MATH_SPAN = re.compile(r"\$\$(.{1,2000}?)\$\$|(?<!\\)\$(.{1,2000}?)(?<!\\)\$|\\\((.{1,2000}?)\\\)|\\\[(.{1,2000}?)\\\]",
                           re.DOTALL)

# (what, old reader, new reader name, the shape that broke the old one, as a function of size)
DUELS = [
    ("code fence, then blanks", lambda t: list(OLD_FENCE.finditer(t)), "code block", lambda n: "```" + " " * n + "!"),
    ("stdout: blanks then x", lambda t: OLD_TRAILING.sub("", t), "stdout normalisation (code)",
     lambda n: " " * n + "x"),
    ("JSON fence scan: backticks", lambda t: list(OLD_JSON_FENCE.finditer(t)), "JSON answer", lambda n: "`" * n),
    ("Answer: 1, blanks, a letter", lambda t: list(OLD_ANSWER.finditer(t)), "Answer: statement (numeric)",
     lambda n: "Answer: 1" + " " * n + "a"),
    ("math list words: blanks", lambda t: list(OLD_LIST_WORDS.finditer(t)), "math answer",
     lambda n: "Answer: 1" + " " * min(n, 9000) + "x"),
    ("math spans: \\( runs (4,000-char tail)", lambda t: list(OLD_MATH_SPAN.finditer(t[-4000:])),
     "math spans (last 4,000 chars)", lambda n: "\\(" * (n // 2)),
]


def cpu(call, *args) -> float:
    start = time.process_time()
    call(*args)
    return time.process_time() - start


def corpus_through_graders() -> None:
    import proctor
    from proctor.graders.code.grader import CodeGrader
    from proctor.runner import grade_one

    cases = hostile_completions()
    print(f"\nthe corpus ({len(cases)} items) through every built-in grader, default limits; wall seconds")
    targets = [("numeric", "arith.integer"), ("math", "math.arithmetic"), ("json_schema", "json.extract"),
               ("code", "code.functions"), ("code", "code.stdio")]
    code = CodeGrader()
    slowest = (0.0, "", "")
    for grader, task in targets:
        problem = proctor.generate(task, n=1, seed=0)[0]
        worst = (0.0, "")
        statuses: dict[str, int] = {}
        for case in cases:
            start = time.monotonic()
            verdict = code.grade(problem, case.text) if grader == "code" else grade_one(grader, problem, case.text)
            spent = time.monotonic() - start
            statuses[verdict.status] = statuses.get(verdict.status, 0) + 1
            worst = max(worst, (spent, case.name))
        print(f"{grader:12} {task:16} statuses {statuses}  slowest {worst[0]:6.2f} s ({worst[1]})")
        slowest = max(slowest, (worst[0], f"{grader} ({task})", worst[1]))
    code.close()
    print(f"slowest item: {slowest[2]} in {slowest[1]}: {slowest[0]:.2f} s")


def main() -> None:
    if "--corpus" in sys.argv:
        sys.argv.remove("--corpus")
        corpus_through_graders()
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 32_000
    print(f"old readers vs new, on the shape that broke each ({small:,} chars; CPU seconds)")
    print(f"{'shape':42} {'old':>9} {'new':>9} {'old/new':>9}")
    for what, old, new, shape in DUELS:
        text = shape(small)
        before, after = cpu(old, text), cpu(run, new, text)
        print(f"{what:42} {before:9.4f} {after:9.4f} {before / max(after, 1e-6):9.0f}x")

    shapes = [c for c in hostile_completions("any") if len(c.text) <= 1_100_000]
    print(f"\nnew readers on the corpus's {len(shapes)} text shapes (up to 1 MB), CPU ms; the bound in the tests: 500")
    slowest = (0.0, "", "")
    for name in EXTRACTORS:
        times = [(cpu(run, name, c.text), c.name) for c in shapes]
        worst, worst_shape = max(times)
        total = sum(t for t, _ in times)
        print(f"{name:32} worst {worst * 1000:7.1f} ms ({worst_shape}), all {len(shapes)} shapes {total * 1000:8.1f} ms")
        slowest = max(slowest, (worst, name, worst_shape))
    print(f"\nslowest: {slowest[1]} on {slowest[2]}: {slowest[0] * 1000:.1f} ms CPU")


if __name__ == "__main__":
    main()
