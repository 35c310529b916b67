"""OpenRLHF's remote reward protocol (`--remote_rm_url http://HOST:PORT/get_reward`).

What OpenRLHF sends and expects, read in its source (openrlhf/utils/remote_rm_utils.py,
request_api_wrapper / remote_rm_fn_ray, and update_samples_with_rewards in the
experience maker): a POST with JSON

    {"query": [prompt + response, decoded with special tokens], "prompts": [prompt], "labels": [label]}

(some versions add "datasources"), answered by

    {"rewards": [float], "scores": [float], "extra_logs": {name: [float]}}

one number per query in every list; `rewards` feed the advantages, `scores`
(0-1) dynamic filtering, `extra_logs` go to the trainer's logger. The client
retries 5 times, 1 s apart, on any error, then raises.

proctor reads the label as the problem: start OpenRLHF with `--label_key`
naming a column that holds a problem's JSON (trl_rows' `problem` column), or
a {"task", "reference"} object. OpenRLHF has no "no reward": an unscored item
gets the mean reward of the scored items of its prompt in the same request
(zero advantage under group normalisation), or --openrlhf-unscored VALUE, and
is flagged in extra_logs["proctor_unscored"].
"""
from __future__ import annotations

import json
import re
from typing import Any

from proctor.graders.problem import Verdict
from proctor.rewards import ACCEPTED_ROWS
from proctor.serve.config import Limits
from proctor.serve.items import Item, RequestError, Router, _kind, misrouted, parse_item, too_large

REQUEST_KEYS = ("query", "prompts", "labels", "datasources")
# End-of-turn and padding tokens a decode with special tokens leaves after the response.
_TRAILING_SPECIAL = re.compile(r"(?:\s*(?:<\|[A-Za-z0-9_]{1,40}\|>|</s>|<pad>|<eos>|<end_of_turn>))+\s*$")
LABEL_HELP = ("OpenRLHF must send the problem as the label: start it with --label_key naming a column that holds a "
              "proctor problem's JSON (trl_rows' 'problem' column)")


def response_text(query: str, prompt: str | None) -> str:
    """The model's response inside a query (prompt + response + end tokens)."""
    text = query
    if prompt:
        if query.startswith(prompt):
            text = query[len(prompt):]
        else:
            at = query.rfind(prompt)  # a decode may add a BOS token or spaces before the prompt
            if at >= 0:
                text = query[at + len(prompt):]
    return _TRAILING_SPECIAL.sub("", text)


def _list(data: dict, key: str, count: int | None, required: bool) -> list | None:
    value = data.get(key)
    if value is None:
        if required:
            raise RequestError(422, key, "missing (an array expected)" + (f"; {LABEL_HELP}" if key == "labels" else ""))
        return None
    if not isinstance(value, list):
        raise RequestError(422, key, f"must be an array, got {_kind(value)}")
    if count is not None and len(value) != count:
        raise RequestError(422, key, f"has {len(value)} entries for {count} queries")
    return value


def parse_openrlhf(data: Any, limits: Limits, router: Router) -> tuple[list[Item], list[str]]:
    """(items, prompts) of an OpenRLHF request; every error names its field."""
    if not isinstance(data, dict):
        raise RequestError(422, "body", f"must be an object with 'query', 'prompts' and 'labels', got {_kind(data)}")
    queries = _list(data, "query", None, True)
    if len(queries) > limits.max_items:
        raise too_large("query", f"{len(queries):,} queries", "max_items", limits.max_items)
    prompts = _list(data, "prompts", len(queries), False) or [""] * len(queries)
    labels = _list(data, "labels", len(queries), True)
    sources = _list(data, "datasources", len(queries), False) or [None] * len(queries)
    items = []
    for i, (query, prompt, label, source) in enumerate(zip(queries, prompts, labels, sources)):
        if not isinstance(query, str):
            raise RequestError(422, f"query[{i}]", f"must be text, got {_kind(query)}")
        if not isinstance(prompt, str):
            raise RequestError(422, f"prompts[{i}]", f"must be text, got {_kind(prompt)}")
        if len(query) > limits.max_completion_chars:
            raise too_large(f"query[{i}]", f"{len(query):,} characters", "max_completion_chars",
                            limits.max_completion_chars)
        items.append(_item(i, response_text(query, prompt), label, source, limits, router))
    return items, prompts


def _item(i: int, completion: str, label: Any, source: Any, limits: Limits, router: Router) -> Item:
    cell = label
    if isinstance(label, str):
        try:
            cell = json.loads(label)
        except (ValueError, RecursionError):
            cell = label
    if isinstance(cell, dict) and {"id", "task", "reference"} <= cell.keys():
        obj = {"problem": cell, "completion": completion}
    elif isinstance(cell, dict) and "reference" in cell and ("task" in cell or "grader" in cell):
        obj = {k: cell[k] for k in ("task", "grader", "reference", "metadata") if k in cell}
        obj["completion"] = completion
    elif isinstance(source, str) and source.startswith("proctor/"):
        obj = {"task": source[len("proctor/"):], "reference": label, "completion": completion}
    else:
        raise misrouted(f"labels[{i}]", f"names no proctor problem (got {_kind(label)}"
                                                f"{' ' + repr(label[:60]) if isinstance(label, str) else ''}); "
                                                f"{LABEL_HELP}, or send datasources 'proctor/<task>' with the "
                                                f"reference as label; {ACCEPTED_ROWS}")
    try:
        return parse_item(obj, f"labels[{i}]", limits, router)
    except RequestError as exc:
        field = exc.field.replace(f"labels[{i}].completion", f"query[{i}]").replace(f"labels[{i}].problem",
                                                                                     f"labels[{i}]")
        raise RequestError(exc.status, field, exc.message, exc.limit, exc.kind) from None


def answer(verdicts: list[Verdict], prompts: list[str], unscored: str) -> dict:
    """OpenRLHF's response: rewards, scores and extra_logs, one number per query each."""
    scored = [v.scored for v in verdicts]
    rewards = [float(v.score) if v.scored else None for v in verdicts]
    if unscored == "group-mean":
        groups: dict[str, list[float]] = {}
        for prompt, reward in zip(prompts, rewards):
            if reward is not None:
                groups.setdefault(prompt, []).append(reward)
        rewards = [r if r is not None else (sum(groups[p]) / len(groups[p]) if groups.get(p) else 0.0)
                   for p, r in zip(prompts, rewards)]
    else:
        rewards = [r if r is not None else float(unscored) for r in rewards]
    return {"rewards": rewards, "scores": rewards,
            "extra_logs": {"proctor_correct": [1.0 if v.passed else 0.0 for v in verdicts],
                           "proctor_unscored": [0.0 if ok else 1.0 for ok in scored]}}
