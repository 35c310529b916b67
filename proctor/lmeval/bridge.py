"""What lm-eval calls while it runs an exported proctor task.

The task YAMLs written by `proctor lm-eval-tasks` (and the dicts of
`proctor.lmeval.task_configs`) point here:

    custom_dataset:  !function proctor.lmeval.bridge.build_dataset
    process_results: !function proctor.lmeval.bridge.process_results

`build_dataset` receives the task's `metadata` as keyword arguments (lm-eval
0.4.13, `ConfigurableTask.download`), so the family's task, n, seed and
parameters travel there under `proctor_*` keys: namespaced because lm-eval
merges `--metadata` and, in `simple_evaluate`, the model arguments into the
same dict (a backend's own `seed=` must not reseed the problems).

Each doc carries the whole problem as strings, so lm-eval's `doc_hash` is a
digest of the problem itself, and a sample log can be re-graded later
without regenerating anything (`proctor grade --from-lm-eval`).

`process_results` grades through the runner's pool, so a grader stuck in C
code is killed after PROCTOR_TIMEOUT seconds (default 10) instead of hanging
the evaluation. lm-eval has no "unscored" state: a grader failure counts 0 in
`acc` and shows in the `unscored` metric; proctor's own report leaves such
samples out of the accuracy instead.
"""
from __future__ import annotations

import atexit
import json
import os
import threading
from typing import Any

from proctor.graders.problem import Problem, canonical_json

# Field order is fixed: lm-eval hashes the doc as JSON in this order.
DOC_FIELDS = ("id", "task", "grader", "prompt", "target", "reference", "metadata")
METRICS = ("acc", "unscored")


def problem_doc(problem: Problem, grader: str) -> dict[str, str]:
    """A problem as one lm-eval doc: flat strings, so every doc of a task has the same Arrow schema."""
    reference = problem.reference
    target = reference if isinstance(reference, str) else canonical_json(reference)
    return {"id": problem.id, "task": problem.task, "grader": grader, "prompt": problem.prompt,
            "target": target, "reference": canonical_json(reference), "metadata": canonical_json(problem.metadata)}


def is_problem_doc(doc: Any) -> bool:
    return isinstance(doc, dict) and all(isinstance(doc.get(f), str) for f in DOC_FIELDS)


def doc_problem(doc: dict, problem_id: str | None = None) -> Problem:
    return Problem(problem_id or doc["id"], doc["task"], doc["prompt"], json.loads(doc["reference"]),
                   json.loads(doc["metadata"]))


def build_dataset(proctor_task: str | None = None, proctor_n: int | None = None, proctor_seed: int | None = None,
                  proctor_params: dict | None = None, proctor_family: str | None = None, **_other_metadata):
    """lm-eval's `custom_dataset`: the family's problems, generated from its seed, as a `test` split.

    A family named apart from its task records its name in each problem's metadata
    ("family"), so `proctor grade --from-lm-eval` groups the logged samples by it again.
    """
    from proctor.extras import require

    require("lm-eval", "proctor's tasks inside lm-eval")
    import datasets  # lm-eval's own dependency

    from proctor import graders
    from proctor import tasks

    if proctor_task is None or proctor_n is None or proctor_seed is None:
        raise ValueError("a proctor task needs metadata proctor_task, proctor_n and proctor_seed "
                         "(regenerate the folder with `proctor lm-eval-tasks`)")
    task = tasks.get(proctor_task)
    grader = task.grader
    graders.get(grader)  # fail here, before any model call, when the grader is missing
    problems = task.generate(int(proctor_n), int(proctor_seed), **dict(proctor_params or {}))
    if proctor_family and proctor_family != proctor_task:
        problems = [Problem(p.id, p.task, p.prompt, p.reference, dict(p.metadata, family=proctor_family))
                    for p in problems]
    return {"test": datasets.Dataset.from_list([problem_doc(p, grader) for p in problems])}


def _texts(results: list) -> list[str]:
    """lm-eval hands one entry per request: a string (filter take_first) or a list (take_first_k)."""
    out: list[str] = []
    for item in results:
        for text in (item if isinstance(item, (list, tuple)) else [item]):
            out.append(text if isinstance(text, str) else "")
    return out


_pool = None
_pool_lock = threading.Lock()


def _grading_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            from proctor.pool import GradingPool

            timeout = float(os.environ.get("PROCTOR_TIMEOUT", "10"))
            _pool = GradingPool(workers=1, timeout=timeout).__enter__()
            atexit.register(_pool.close)
        return _pool


def process_results(doc: dict, results: list) -> dict[str, float]:
    """lm-eval's `process_results`: the mean score over this doc's samples, and the share the grader failed on."""
    from proctor.pool import Job

    problem = doc_problem(doc)
    texts = _texts(results)
    if not texts:
        return {"acc": 0.0, "unscored": 1.0}
    jobs = [Job(i, doc["grader"], problem, text) for i, text in enumerate(texts)]
    verdicts = dict(_grading_pool().grade(jobs))
    scored = [v.score for v in verdicts.values() if v.scored]
    return {"acc": sum(scored) / len(texts), "unscored": (len(texts) - len(scored)) / len(texts)}
