"""proctor's graders as reward functions for RL on generated practice problems.

TRL (`GRPOTrainer(reward_funcs=...)`) calls a reward function as
`f(prompts=..., completions=..., completion_ids=..., **dataset_columns)` with one
entry per completion in every list, and wants `list[float]` back. Completions
are strings, or for conversational datasets lists of messages
(`[{"role": "assistant", "content": "..."}]`).

    from proctor.rewards import ProctorReward, trl_rows
    rows = trl_rows(proctor.generate("math.linear", n=5000, seed=7))
    trainer = GRPOTrainer(..., train_dataset=Dataset.from_list(rows), reward_funcs=[ProctorReward()])

veRL calls `compute_score(data_source, solution_str, ground_truth, extra_info)`
once per response (its naive reward manager), or with lists through
`compute_score_batch` (its batch reward manager); point
`custom_reward_function.path` at this file (`proctor.rewards.__file__`).
Rows for its parquet files come from `verl_rows`.

Every completion gets a score and nothing a model writes can raise: grading
runs in the runner's worker processes with a hard per-item kill, or with
`executor="ray"` on a Ray cluster's actors, under the same kill (veRL's
`reward_kwargs` reach `compute_score_batch` as `executor` and `ray_address`).
A grader's own failure (timeout, error) is not the model's fault; it scores
`unscored_reward` (0.0 unless set; TRL reads None as "no reward from this
function") and is counted in `stats` and logged.

A row that does not route to a proctor task (a veRL data_source without the
`proctor/` prefix, an unknown task, a cell that is no problem) raises
MisroutedRow on first use, naming the accepted forms: a misconfigured trainer
must not train on a column of zeros. `remote(url)` gives the same functions
over HTTP, against `proctor serve`.
"""
from __future__ import annotations

import atexit
import json
import logging
import threading
from collections import Counter
from typing import Any, Iterable, Sequence

from proctor.graders.problem import Problem
from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.executors import open_executor
from proctor.pool import Job
from proctor.registry import RegistryError

log = logging.getLogger("proctor.rewards")


# --- rows for the trainers' datasets ------------------------------------------------

def _grader_of(problem: Problem) -> str:
    from proctor import tasks

    return tasks.get(problem.task).grader


def trl_rows(problems: Iterable[Problem], chat: bool = True) -> list[dict]:
    """Dataset rows for TRL: `prompt` (one user message, or plain text with chat=False),
    `problem` (the whole problem as JSON text, so any Arrow schema holds it) and `grader`."""
    rows = []
    for problem in problems:
        prompt = [{"role": "user", "content": problem.prompt}] if chat else problem.prompt
        rows.append({"prompt": prompt, "problem": problem.to_json(), "grader": _grader_of(problem)})
    return rows


def verl_rows(problems: Iterable[Problem], split: str = "train") -> list[dict]:
    """Rows in veRL's dataset layout (`data_source`, `prompt`, `ability`, `reward_model`, `extra_info`)."""
    rows = []
    for index, problem in enumerate(problems):
        rows.append({
            "data_source": f"proctor/{problem.task}",
            "prompt": [{"role": "user", "content": problem.prompt}],
            "ability": problem.task.split(".")[0],
            "reward_model": {"style": "rule", "ground_truth": problem.to_json()},
            "extra_info": {"split": split, "index": index, "problem_id": problem.id,
                           "grader": _grader_of(problem)},
        })
    return rows


# --- turning trainer inputs into grading jobs ----------------------------------------

def completion_text(completion: Any) -> str:
    """The text of a completion as a trainer hands it over; anything unreadable becomes ""."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, (list, tuple)):
        parts = []
        for message in completion:
            if not isinstance(message, dict) or message.get("role", "assistant") != "assistant":
                continue
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
                parts.extend(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
        return "\n".join(parts)
    return ""


class ProblemUnreadable(ValueError):
    """A dataset row does not describe a proctor problem."""


ACCEPTED_ROWS = ("a row routes to proctor by one of: a whole proctor problem (JSON with id, task, prompt, "
                 "reference: the 'problem' column of trl_rows, the ground_truth of verl_rows); "
                 "a veRL data_source 'proctor/<task>' with the reference as ground_truth; "
                 "a 'task' column or extra_info['task'] naming a proctor task, with the reference")


class MisroutedRow(ValueError):
    """A reward row names no known proctor task: raised, never scored 0 (ACCEPTED_ROWS says what routes)."""


def read_problem(value: Any, task: str | None = None, prompt: str = "") -> Problem:
    """A problem from a dataset cell: its JSON text or dict, or (with `task`) a bare reference."""
    if isinstance(value, Problem):
        return value
    data = value
    if isinstance(value, (str, bytes)):
        try:
            data = json.loads(value)
        except (ValueError, RecursionError):
            data = None
    if isinstance(data, dict) and {"id", "task", "prompt"} <= data.keys() and "reference" in data:
        try:
            return Problem.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise ProblemUnreadable(f"not a proctor problem: {exc}") from None
    if task:  # a bare reference answer, graded by the task's grader
        return Problem(f"{task}/reward", task, prompt, value, {})
    raise ProblemUnreadable("neither a proctor problem (JSON with id, task, prompt, reference) "
                            "nor a reference with a known task")


def _task_from_source(data_source: Any) -> str | None:
    if isinstance(data_source, str) and data_source.startswith("proctor/"):
        return data_source[len("proctor/"):]
    return None


def is_problem_cell(value: Any) -> bool:
    """Whether a dataset cell holds a whole proctor problem (as verl_rows/trl_rows write it)."""
    try:
        read_problem(value)
        return True
    except ProblemUnreadable:
        return False


def verl_task(data_source: Any, ground_truth: Any, extra_info: Any) -> str | None:
    """The task a veRL row names (None when its ground_truth is a whole problem, which names its own).

    Raises MisroutedRow when the row routes nowhere: veRL hands every row of every
    data source to the custom reward, and "math.linear" without the `proctor/`
    prefix used to score 0.0 for every row, silently."""
    extra = extra_info if isinstance(extra_info, dict) else {}
    task = extra.get("task") or _task_from_source(data_source)
    if task or is_problem_cell(ground_truth):
        return task
    hint = ""
    if isinstance(data_source, str) and "/" not in data_source and "." in data_source:
        hint = f" (did you mean 'proctor/{data_source}'?)"
    raise MisroutedRow(f"data_source {data_source!r} names no proctor task{hint} and its ground_truth is not a "
                       f"whole proctor problem; {ACCEPTED_ROWS}")


def trl_items(prompts: Sequence | None, completions: Sequence | None,
              columns: dict) -> list[tuple[Any, str | None, str, str | None, str]]:
    """TRL's keyword lists as (problem cell or reference, task, prompt, grader, completion text) per completion."""
    if completions is None:
        raise TypeError("a reward function needs completions=[...]")
    count = len(completions)
    for key in ("problem", "grader", "task", "reference"):
        value = columns.get(key)
        if value is not None and len(value) != count:
            raise ValueError(f"column {key!r} has {len(value)} entries for {count} completions")
    if columns.get("problem") is None and (columns.get("task") is None or columns.get("reference") is None):
        raise ValueError("a proctor reward needs a 'problem' column (rows from proctor.rewards.trl_rows) "
                         "or 'task' and 'reference' columns")
    items = []
    for i, completion in enumerate(completions):
        prompt = prompts[i] if prompts is not None and i < len(prompts) else ""
        prompt = prompt if isinstance(prompt, str) else _prompt_text(prompt)
        cell = columns["problem"][i] if columns.get("problem") is not None else columns["reference"][i]
        task = columns["task"][i] if columns.get("task") is not None else None
        grader = columns["grader"][i] if columns.get("grader") is not None else None
        items.append((cell, task, prompt, grader, completion_text(completion)))
    return items


class ProctorReward:
    """A TRL-style reward function backed by a grading pool.

    grader: grade every completion with this grader (default: the row's `grader`
    column, else the problem's task's grader). unscored_reward: what a grader
    timeout or error scores (0.0; None hands TRL a NaN it ignores). executor:
    "local" or "ray" (proctor.executors); the pool or the actors start on the
    first call and stay up between calls.
    """

    def __init__(self, grader: str | None = None, *, workers: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 unscored_reward: float | None = 0.0, name: str = "proctor_reward",
                 executor: str = "local", ray_address: str | None = None):
        self.__name__ = name  # TRL labels each reward function's logged metrics with __name__
        self.grader = grader
        self.unscored_reward = unscored_reward
        self.stats: Counter = Counter()  # verdict statuses, plus "misrouted_row" for rows that raised
        self._pool = open_executor(executor, workers=workers, timeout=timeout, memory_mb=memory_mb,
                                   ray_address=ray_address)
        self._started = False
        self._lock = threading.Lock()
        self._graders_of_tasks: dict[str, str] = {}

    # TRL's entry point
    def __call__(self, prompts: Sequence | None = None, completions: Sequence | None = None,
                 **columns) -> list[float | None]:
        return self.score(trl_items(prompts, completions, columns))

    def score(self, items: list[tuple[Any, str | None, str, str | None, str]]) -> list[float | None]:
        """(problem cell, task, prompt, grader, completion text) -> one reward each, in order."""
        rewards: list[float | None] = [self.unscored_reward] * len(items)
        jobs = []
        for index, (cell, task, prompt, grader, text) in enumerate(items):
            try:
                problem = read_problem(cell, task, prompt)
                name = self.grader or (grader if isinstance(grader, str) and grader else None) \
                    or self._task_grader(problem.task)
            except (ProblemUnreadable, RegistryError) as exc:
                # A misconfigured dataset would otherwise train on zeros, row after row.
                self.stats["misrouted_row"] += 1
                raise MisroutedRow(f"reward row {index}: {exc}; {ACCEPTED_ROWS}") from None
            jobs.append(Job(index, name, problem, text))
        failures = Counter()
        for index, verdict in self._grade(jobs):
            self.stats[verdict.status] += 1
            if verdict.scored:
                rewards[index] = float(verdict.score)
            else:
                failures[verdict.status] += 1
        if failures:
            log.warning("grader failures scored %r: %s", self.unscored_reward,
                        ", ".join(f"{n} {status}" for status, n in sorted(failures.items())))
        return rewards

    def _task_grader(self, task: str) -> str:
        if task not in self._graders_of_tasks:
            from proctor import tasks

            self._graders_of_tasks[task] = tasks.get(task).grader
        return self._graders_of_tasks[task]

    def _grade(self, jobs: list[Job]):
        if not jobs:
            return []
        with self._lock:  # one batch at a time through the pool; it is not re-entrant
            if not self._started:
                self._pool.__enter__()
                self._started = True
                atexit.register(self.close)
            return list(self._pool.grade(jobs))

    def close(self) -> None:
        if self._started:
            self._pool.close()
            self._started = False

    def __enter__(self) -> "ProctorReward":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _prompt_text(messages: Any) -> str:
    """A chat prompt as plain text (every message's text), for the problem record only."""
    if isinstance(messages, str):
        return messages
    if isinstance(messages, (list, tuple)):
        return "\n".join(m.get("content", "") for m in messages
                         if isinstance(m, dict) and isinstance(m.get("content"), str))
    return ""


# --- veRL ----------------------------------------------------------------------------

_shared: ProctorReward | None = None
_shared_lock = threading.Lock()


def shared_reward(executor: str = "local", ray_address: str | None = None) -> ProctorReward:
    """The process-wide reward the veRL functions use (pool started on first use; the
    first call's executor options stay)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ProctorReward(name="proctor_compute_score", executor=executor, ray_address=ray_address)
        return _shared


def _verl_item(data_source, solution_str, ground_truth, extra_info):
    extra = extra_info if isinstance(extra_info, dict) else {}
    task = verl_task(data_source, ground_truth, extra_info)
    grader = extra.get("grader")
    text = solution_str if isinstance(solution_str, str) else completion_text(solution_str)
    return (ground_truth, task, "", grader, text)


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None,
                  executor: str = "local", ray_address: str | None = None, **kwargs) -> float:
    """veRL's custom reward: one response. `ground_truth` is a problem's JSON (from `verl_rows`), or a bare
    reference when `data_source` is "proctor/<task>" or `extra_info` names the task."""
    reward = shared_reward(executor, ray_address)
    value = reward.score([_verl_item(data_source, solution_str, ground_truth, extra_info)])[0]
    return 0.0 if value is None else value


def compute_score_batch(data_sources: Sequence, solution_strs: Sequence, ground_truths: Sequence,
                        extra_infos: Sequence | None = None, executor: str = "local",
                        ray_address: str | None = None, **kwargs) -> list[float]:
    """veRL's batch reward manager form: lists in, one score per response out, graded in parallel
    (with executor="ray", on the cluster veRL runs on)."""
    extras = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    items = [_verl_item(d, s, g, e) for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extras)]
    if len(items) != len(solution_strs):
        raise ValueError("data_sources, solution_strs, ground_truths and extra_infos must have equal lengths")
    return [0.0 if v is None else v for v in shared_reward(executor, ray_address).score(items)]


def remote(url: str, **options):
    """The reward functions of a `proctor serve` at `url`: TRL's `fn(prompts=, completions=, **columns)`
    and veRL's `compute_score` / `compute_score_batch`, with retries (see proctor.serve.client.RemoteReward)."""
    from proctor.serve.client import RemoteReward

    return RemoteReward(url, **options)


__all__ = ["ACCEPTED_ROWS", "MisroutedRow", "ProctorReward", "compute_score", "compute_score_batch",
           "completion_text", "read_problem", "remote", "shared_reward", "trl_rows", "verl_rows"]
