"""One side of a gate: a stored run or a verdicts JSONL file, read into per-item samples.

A stored run knows its problems (ids, prompts, references) and their digest, so
two runs can be checked to hold the very same problems. A verdicts file (the
`-o` output of `proctor grade`, or `proctor export`) carries only ids and task
names: two files, or a file and a run, can be checked by ids only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from proctor.graders.problem import Verdict, canonical_json
from proctor.errors import BadInput
from proctor.jsonl import read_objects, sample_field
from proctor.store import CompletionUsage, RunInfo, RunStore


@dataclass(frozen=True)
class Sample:
    sample: int
    status: str
    score: float
    scored: bool
    extracted: object
    elapsed_ms: float
    reason: str
    passed: bool = False                   # correct: what pass@k counts
    usage: CompletionUsage | None = None   # what the completion cost and how it ended, where known


@dataclass
class Side:
    label: str                              # the run name, or the file path as given
    kind: str                               # "run" | "file"
    info: RunInfo | None                    # the stored run's record; None for a file
    problem_set_hash: str | None
    tasks: dict[str, str]                   # problem id -> task
    problem_digests: dict[str, str] | None  # problem id -> digest of (task, prompt, reference); None for a file
    templates: dict[str, str | None]        # problem id -> template, where the task declares one
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    families: dict[str, str] = field(default_factory=dict)  # problem id -> family name (the gate's unit)

    @property
    def ids(self) -> list[str]:
        return list(self.tasks)

    def unscored_ids(self) -> set[str]:
        """Items that cannot be scored: no verdict at all, or a grader timeout/error on any sample."""
        return {pid for pid in self.tasks
                if not self.samples.get(pid) or not all(s.scored for s in self.samples[pid])}

    def describe(self) -> str:
        return f"run {self.label!r}" if self.kind == "run" else f"file {self.label}"


def load_side(spec: str, store: RunStore) -> Side:
    """A run name in the store, else a verdicts JSONL file; the store wins when both exist."""
    if store.run(spec) is not None:
        return load_run(store, spec)
    if os.path.isfile(spec):
        return load_verdicts_file(spec)
    raise BadInput(f"{spec!r} is neither a run in {store.path} (recent runs: {store.recent_runs()}) "
                   f"nor a verdicts file")


def load_run(store: RunStore, name: str) -> Side:
    info = store.require_run(name)
    tasks: dict[str, str] = {}
    digests: dict[str, str] = {}
    templates: dict[str, str | None] = {}
    for problem in store.problems(name):
        tasks[problem.id] = problem.task
        digests[problem.id] = canonical_json([problem.task, problem.prompt, problem.reference])
        templates[problem.id] = template_of(problem.metadata, problem.reference)
    side = Side(name, "run", info, info.problem_set_hash, tasks, digests, templates,
                families=store.problem_families(name))
    for v in store.verdicts(name):
        side.samples.setdefault(v.id, []).append(_sample(v.sample, v.verdict, v.usage))
    return side


def load_verdicts_file(path: str) -> Side:
    side = Side(path, "file", None, None, {}, None, {})
    for lineno, obj in read_objects(path):
        pid, task = obj.get("id"), obj.get("task")
        if not isinstance(pid, (str, int)) or isinstance(pid, bool):
            raise BadInput("field 'id' must be a problem id (a string)", path, lineno)
        if not isinstance(task, str):
            raise BadInput("field 'task' must be a task name (verdicts files from `proctor grade -o` "
                           "or `proctor export` have it)", path, lineno)
        sample = sample_field(obj, path, lineno)
        try:
            verdict = Verdict.from_dict(obj)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"not a verdict: {exc}", path, lineno) from None
        family = obj.get("family", task)
        if not isinstance(family, str) or not family:
            raise BadInput("field 'family' must be a family name (a non-empty string)", path, lineno)
        pid = str(pid)
        if side.tasks.setdefault(pid, task) != task:
            raise BadInput(f"problem {pid!r} appears with two tasks ({side.tasks[pid]!r}, {task!r})", path, lineno)
        if side.families.setdefault(pid, family) != family:
            raise BadInput(f"problem {pid!r} appears in two families ({side.families[pid]!r}, {family!r})",
                           path, lineno)
        side.templates.setdefault(pid, template_of(obj.get("metadata") or {}, None))
        samples = side.samples.setdefault(pid, [])
        if any(s.sample == sample for s in samples):
            raise BadInput(f"problem {pid!r} sample {sample} appears twice", path, lineno)
        samples.append(_sample(sample, verdict, _usage(obj, path, lineno)))
    if not side.tasks:
        raise BadInput("holds no verdicts", path)
    return side


def template_of(metadata: dict, reference: object) -> str | None:
    """The template a problem was drawn from, when its task records one.

    Items of one template pass and fail together, so the gate resamples them as a cluster.
    """
    for source in (metadata, reference):
        if isinstance(source, dict) and isinstance(source.get("template"), str):
            return source["template"]
    return None


def _sample(sample: int, verdict: Verdict, usage: CompletionUsage | None) -> Sample:
    return Sample(sample, verdict.status, verdict.score, verdict.scored, verdict.extracted, verdict.elapsed_ms,
                  verdict.reason, verdict.passed, usage)


def _usage(obj: dict, path: str, lineno: int) -> CompletionUsage | None:
    """The usage fields `proctor export` writes beside a verdict, where the run knew them."""
    from proctor.jsonl import usage_fields

    return usage_fields(obj, path, lineno)
