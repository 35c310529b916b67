"""Writes the bundled example files that `make demo` grades.

arith_problems.jsonl: 60 `arith.integer` problems (seed 0, difficulty 2).
arith_completions.jsonl: hand-styled completions in the forms models write:
a boxed answer, an "Answer:" line, a number at the end, a wrong result, a
truncated box, and prose with no number.
"""
import json
import random
from pathlib import Path

import proctor

HERE = Path(__file__).parent
problems = proctor.generate("arith.integer", n=60, seed=0, difficulty=2)
rng = random.Random("arith-examples")
styles = [
    lambda v: f"Working it through step by step, the result is \\boxed{{{v}}}.",
    lambda v: f"First the product, then the sums.\nAnswer: {v:,}",
    lambda v: f"The expression evaluates to {v}.",
    lambda v: f"Let me compute... \\boxed{{{v + rng.choice([-10, -1, 1, 2, 10])}}}",
    lambda v: f"So the answer is $\\boxed{{{v}",
    lambda v: "I am not sure how to evaluate this expression.",
]
with open(HERE / "arith_problems.jsonl", "w") as out:
    for p in problems:
        out.write(p.to_json() + "\n")
with open(HERE / "arith_completions.jsonl", "w") as out:
    for i, p in enumerate(problems):
        style = styles[0] if i % 3 == 0 else rng.choice(styles)
        out.write(json.dumps({"id": p.id, "completion": style(p.reference)}) + "\n")
