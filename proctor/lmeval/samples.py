"""Reading lm-eval's `samples_<task>_<date>.jsonl` logs (written by `--log_samples`) as proctor input.

Each line is one doc: `doc`, `target`, `arguments`, `resps`, `filtered_resps`,
`filter`, `doc_hash`, metric values. The problem id is lm-eval's `doc_hash`, a
SHA-256 of the doc, so the logs of two checkpoints on the same seeded docs join
item by item (and a doc that lm-eval logs under several filters is one problem).

What is graded is the model's raw text (`resps`), not a filter's extraction:
proctor's graders do their own extraction, and a regex filter's "[invalid]"
would hide what the model wrote. `filtered_resps` is used only when a log has
no `resps`. Docs written by proctor's own exported tasks carry the whole
problem, so they are rebuilt exactly; any other doc is graded against
lm-eval's `target` with the grader named by `--grader`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from proctor.graders.problem import Problem
from proctor.errors import BadInput
from proctor.jsonl import read_objects
from proctor.lmeval.bridge import doc_problem, is_problem_doc

# lm-eval's EvaluationTracker names the file samples_<task>_<datetime.isoformat() with ':' -> '-'>.jsonl
SAMPLES_NAME = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[0-9.\-]+)\.jsonl$")


@dataclass
class SampleLog:
    path: str
    task: str  # the lm-eval task, from the file name
    problems: list[tuple[int, Problem, str | None]] = field(default_factory=list)  # (line, problem, family)
    completions: list[tuple[int, str, int, str]] = field(default_factory=list)  # (line, doc_hash, sample, text)
    skipped_filter_lines: int = 0
    model: str | None = None  # from the results_<date>.json next to the log, when present


def lm_eval_task_of(path: str | Path) -> str:
    match = SAMPLES_NAME.match(Path(path).name)
    return match["task"] if match else "lm-eval"


def _texts(value, name: str, lineno: int, key: str) -> list[str]:
    """Flattens lm-eval's nesting (per request, per repeat) into the sample texts, in order."""
    if not isinstance(value, list) or not value:
        raise BadInput(f"field {key!r} must be a non-empty list of model responses", name, lineno)
    out: list[str] = []
    stack = [value]
    while stack:  # iterative: a hostile log cannot hit the recursion limit
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, str):
            out.append(item)
        else:
            raise BadInput(f"field {key!r} holds {type(item).__name__}, not text: only generate_until tasks "
                           f"(free-text answers) can be graded", name, lineno)
    if not out:
        raise BadInput(f"field {key!r} holds no model response", name, lineno)
    return out


def _prompt(sample: dict, doc) -> str:
    args = sample.get("arguments")
    if isinstance(args, dict):  # the tracker's {"gen_args_0": {"arg_0": context, "arg_1": gen_kwargs}}
        first = args.get("gen_args_0")
        if isinstance(first, dict) and isinstance(first.get("arg_0"), str):
            return first["arg_0"]
    if isinstance(args, list) and args and isinstance(args[0], list) and args[0] and isinstance(args[0][0], str):
        return args[0][0]  # simple_evaluate's in-memory samples: [(context, gen_kwargs), ...]
    return json.dumps(doc, ensure_ascii=False, sort_keys=True) if doc is not None else ""


def _model_of(path: Path) -> str | None:
    match = SAMPLES_NAME.match(path.name)
    if not match:
        return None
    results = path.with_name(f"results_{match['date']}.json")
    try:
        config = json.loads(results.read_text(encoding="utf-8")).get("config", {})
    except (OSError, ValueError, AttributeError):
        return None
    model = config.get("model")
    if not isinstance(model, str):
        return None
    args = config.get("model_args")
    return f"lm-eval:{model}" + (f" {args}" if isinstance(args, str) and args else "")


def read_sample_log(path: str | Path) -> SampleLog:
    name = str(path)
    log = SampleLog(name, lm_eval_task_of(path), model=_model_of(Path(path)))
    first_filter: dict[str, object] = {}
    next_sample: dict[str, int] = {}
    for lineno, sample in read_objects(path):
        doc_hash = sample.get("doc_hash")
        if not isinstance(doc_hash, str) or not doc_hash:
            raise BadInput("missing field 'doc_hash' (a line of lm-eval's --log_samples output)", name, lineno)
        filter_name = sample.get("filter")
        if doc_hash in first_filter and first_filter[doc_hash] != filter_name:
            log.skipped_filter_lines += 1  # the same doc under another filter: the same raw responses
            continue
        first_filter.setdefault(doc_hash, filter_name)
        if "resps" in sample:
            texts = _texts(sample["resps"], name, lineno, "resps")
        elif "filtered_resps" in sample:
            texts = _texts(sample["filtered_resps"], name, lineno, "filtered_resps")
        else:
            raise BadInput("missing field 'resps' (or 'filtered_resps'): the model's responses", name, lineno)
        doc = sample.get("doc")
        if doc_hash not in next_sample:
            problem = _problem(sample, doc, doc_hash, log.task, name, lineno)
            family = problem.metadata.get("family")
            log.problems.append((lineno, problem, family if isinstance(family, str) and family else None))
            next_sample[doc_hash] = 0
        # A doc that appears twice under one filter (a dataset with duplicate docs)
        # is one problem: its responses become further samples.
        for text in texts:
            log.completions.append((lineno, doc_hash, next_sample[doc_hash], text))
            next_sample[doc_hash] += 1
    if not log.problems:
        raise BadInput("holds no samples", name)
    return log


def _problem(sample: dict, doc, doc_hash: str, task: str, name: str, lineno: int) -> Problem:
    if is_problem_doc(doc):
        try:
            problem = doc_problem(doc, doc_hash)
            metadata = dict(problem.metadata, proctor_id=doc["id"], lm_eval_task=task,
                            lm_eval_doc_id=sample.get("doc_id"))
        except (ValueError, TypeError, RecursionError) as exc:
            raise BadInput(f"field 'doc': a proctor doc whose reference or metadata is not valid: {exc}",
                           name, lineno) from None
        return Problem(problem.id, problem.task, problem.prompt, problem.reference, metadata)
    if "target" not in sample:
        raise BadInput("missing field 'target' (the reference answer)", name, lineno)
    target = sample["target"]
    reference = target if isinstance(target, str) else json.dumps(target, ensure_ascii=False)
    return Problem(doc_hash, task, _prompt(sample, doc), reference,
                   {"lm_eval_task": task, "lm_eval_doc_id": sample.get("doc_id"), "doc": doc})
