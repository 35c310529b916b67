"""`proctor.rewards.remote(url)`: the reward functions of a `proctor serve`, over HTTP.

    reward = proctor.rewards.remote("http://grader-host:8000", token_env="PROCTOR_TOKEN")
    GRPOTrainer(..., reward_funcs=[reward])          # TRL: reward(prompts=, completions=, **columns)
    compute_score = reward.compute_score               # veRL: custom_reward_function.name = compute_score
    compute_score_batch = reward.compute_score_batch   # veRL's batch reward manager

Transport failures never turn into wrong answers. A 429 (queue full), a 5xx or
a connection error is retried with jittered exponential backoff (Retry-After
honoured) for up to `retry_seconds`; an item that still has no answer is
*unscored*, counted in `stats["unanswered"]` and logged, and gets `unscored`
(None by default: TRL ignores a None reward). veRL needs a number for every
response, so there an unscored item raises RewardUnavailable unless
`unscored=` names the number to train on.

A row that routes to no proctor task raises MisroutedRow: before sending when
the row itself shows it (a veRL data_source without `proctor/`), or when the
server answers that the task is unknown. Any other 4xx raises RequestRejected
with the server's field and message: retrying a bad request cannot help.

Needs only `requests` (a core dependency), not the serve extra.
"""
from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from proctor.graders.problem import Problem
from proctor.rewards import ACCEPTED_ROWS, MisroutedRow, completion_text, is_problem_cell, trl_items, verl_task

log = logging.getLogger("proctor.serve.client")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RewardUnavailable(RuntimeError):
    """Items have no reward (unanswered, or unscored by the server) and the caller needs a number."""


class RequestRejected(ValueError):
    """The server refused a request as bad input (4xx): `status`, `field`, `message` as it said."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(f"HTTP {status}: {field}: {message}")
        self.status, self.field, self.message = status, field, message


class RemoteReward:
    """TRL and veRL reward signatures backed by a `proctor serve` at `url`.

    token / token_env: the bearer token, or the environment variable holding it.
    timeout: seconds one HTTP call may take (grading included). retry_seconds: how
    long one call keeps retrying before its items count as unanswered.
    batch_items: items per HTTP request (larger calls are split and sent
    `concurrency` at a time). deadline_seconds: asked of the server per request
    (items not started by then come back unscored). unscored: the reward of an
    unscored item (None: TRL reads it as "no reward"; veRL then raises).
    """

    def __init__(self, url: str, *, token: str | None = None, token_env: str | None = None,
                 timeout: float = 300.0, retry_seconds: float = 600.0, batch_items: int = 512,
                 concurrency: int = 4, deadline_seconds: float | None = None, unscored: float | None = None,
                 backoff_base: float = 0.5, backoff_cap: float = 30.0, name: str = "proctor_remote_reward"):
        self.__name__ = name  # TRL labels a reward function's metrics with it
        self.url = url.rstrip("/")
        if token is None and token_env is not None:
            token = os.environ.get(token_env) or None
            if token is None:
                raise ValueError(f"token_env={token_env!r}: that environment variable is not set")
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.batch_items = max(1, batch_items)
        self.concurrency = max(1, concurrency)
        self.deadline_seconds = deadline_seconds
        self.unscored = unscored
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.stats: Counter = Counter()  # verdict statuses, "unanswered", "retries", "http_429", ...
        self._local = threading.local()
        self._stats_lock = threading.Lock()

    # --- TRL ---------------------------------------------------------------------------
    def __call__(self, prompts: Sequence | None = None, completions: Sequence | None = None,
                 **columns) -> list[float | None]:
        items = []
        for i, (cell, task, _, grader, text) in enumerate(trl_items(prompts, completions, columns)):
            item: dict[str, Any] = {"completion": text}
            if task is None:  # a 'problem' column
                if not is_problem_cell(cell):
                    raise MisroutedRow(f"reward row {i}: its 'problem' cell is not a proctor problem "
                                       f"(JSON with id, task, prompt, reference); {ACCEPTED_ROWS}")
                item["problem"] = _problem_json(cell)
            elif is_problem_cell(cell):
                item["problem"] = _problem_json(cell)
            else:
                item["task"], item["reference"] = task, cell
            if isinstance(grader, str) and grader:
                item["grader"] = grader
            items.append(item)
        return self.rewards(items)

    # --- veRL ----------------------------------------------------------------------------
    def compute_score(self, data_source: str, solution_str: str, ground_truth: Any,
                      extra_info: dict | None = None, **kwargs) -> float:
        return self._numbers(self.rewards([_verl_item(data_source, solution_str, ground_truth, extra_info)]))[0]

    def compute_score_batch(self, data_sources: Sequence, solution_strs: Sequence, ground_truths: Sequence,
                            extra_infos: Sequence | None = None, **kwargs) -> list[float]:
        extras = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
        if not len(data_sources) == len(solution_strs) == len(ground_truths) == len(extras):
            raise ValueError("data_sources, solution_strs, ground_truths and extra_infos must have equal lengths")
        items = [_verl_item(*row) for row in zip(data_sources, solution_strs, ground_truths, extras)]
        return self._numbers(self.rewards(items))

    def _numbers(self, rewards: list[float | None]) -> list[float]:
        missing = sum(r is None for r in rewards)
        if missing:
            raise RewardUnavailable(f"{missing} of {len(rewards)} responses have no reward from {self.url} "
                                    f"(unanswered or unscored: {dict(self.stats)}); veRL needs a number for each: "
                                    f"pass remote(url, unscored=VALUE) to train on VALUE for them")
        return rewards  # type: ignore[return-value]

    # --- the service's own routes --------------------------------------------------------------
    def rewards(self, items: list[dict]) -> list[float | None]:
        """A reward per item: its score, or `unscored` when it has none."""
        rewards = []
        for verdict in self.grade(items):
            if verdict is None or verdict["status"] in ("timeout", "error"):
                rewards.append(self.unscored)
            else:
                rewards.append(float(verdict["score"]))
        return rewards

    def grade(self, items: list[dict]) -> list[dict | None]:
        """The server's verdict per item (/v1/grade), None for an item that got no answer."""
        chunks = [items[i:i + self.batch_items] for i in range(0, len(items), self.batch_items)]
        if len(chunks) <= 1:
            answers = [self._grade_chunk(chunk) for chunk in chunks]
        else:
            with ThreadPoolExecutor(min(self.concurrency, len(chunks))) as pool:
                answers = list(pool.map(self._grade_chunk, chunks))
        verdicts = [v for chunk in answers for v in chunk]
        counts = Counter(v["status"] if v is not None else "unanswered" for v in verdicts)
        with self._stats_lock:
            self.stats.update(counts)
        unscored = counts["unanswered"] + counts["timeout"] + counts["error"]
        if unscored:
            log.warning("%d of %d items unscored (%s); they get %r, never 0 by default", unscored, len(verdicts),
                        ", ".join(f"{n} {k}" for k, n in sorted(counts.items()) if k in
                                  ("unanswered", "timeout", "error")), self.unscored)
        return verdicts

    def _grade_chunk(self, items: list[dict]) -> list[dict | None]:
        body: dict[str, Any] = {"items": items}
        if self.deadline_seconds is not None:
            body["deadline_seconds"] = self.deadline_seconds
        answer = self._post("/v1/grade", body)
        if answer is None:
            return [None] * len(items)
        verdicts = answer.get("verdicts")
        if not isinstance(verdicts, list) or len(verdicts) != len(items):
            log.warning("%s answered %r for %d items; counted as unanswered", self.url, type(verdicts).__name__,
                        len(items))
            return [None] * len(items)
        return verdicts

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = self._local.session = requests.Session()
        return session

    def _post(self, path: str, body: dict) -> dict | None:
        """The JSON answer, None once retries ran out; raises for a request the server calls bad."""
        import requests

        data = json.dumps(body, ensure_ascii=False).encode()
        give_up = time.monotonic() + self.retry_seconds
        attempt = 0
        while True:
            wait = None
            try:
                response = self._session().post(self.url + path, data=data, headers=self._headers,
                                                 timeout=(10.0, self.timeout))
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._count("connection_errors")
                reason = f"{type(exc).__name__}"
            else:
                if response.status_code == 200:
                    try:
                        return response.json()
                    except ValueError:
                        self._count("bad_answers")
                        reason = "an answer that is not JSON"
                elif response.status_code in RETRY_STATUSES:
                    self._count(f"http_{response.status_code}")
                    reason = f"HTTP {response.status_code}"
                    wait = _retry_after(response)
                else:
                    self._raise(response)
            attempt += 1
            backoff = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** attempt))  # full jitter
            wait = backoff if wait is None else wait * random.uniform(1.0, 1.5)  # spread a herd told the same
            if time.monotonic() + wait > give_up:
                log.warning("%s%s: no answer after %d attempts over %.0f s (last: %s)", self.url, path, attempt,
                            self.retry_seconds, reason)
                return None
            self._count("retries")
            time.sleep(wait)

    def _raise(self, response) -> None:
        try:
            error = response.json()["error"]
            field, message, kind = error.get("field", "?"), error.get("message", ""), error.get("kind")
        except (ValueError, KeyError, TypeError, AttributeError):
            field, message, kind = "?", response.text[:500], None
        if kind == "misrouted_row":
            raise MisroutedRow(f"{self.url}: {field}: {message}")
        raise RequestRejected(response.status_code, field, message)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()


def _problem_json(cell: Any) -> Any:
    """A problem cell as it travels: JSON text and dicts as they are, a Problem as its dict."""
    return cell.to_dict() if isinstance(cell, Problem) else cell


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _verl_item(data_source: Any, solution_str: Any, ground_truth: Any, extra_info: Any) -> dict:
    """A veRL row as a /v1/grade item; MisroutedRow before sending when the row routes nowhere."""
    text = solution_str if isinstance(solution_str, str) else completion_text(solution_str)
    item: dict[str, Any] = {"completion": text}
    if is_problem_cell(ground_truth):
        item["problem"] = _problem_json(ground_truth)
    else:
        item["task"], item["reference"] = verl_task(data_source, ground_truth, extra_info), ground_truth
    grader = extra_info.get("grader") if isinstance(extra_info, dict) else None
    if isinstance(grader, str) and grader:
        item["grader"] = grader
    return item
