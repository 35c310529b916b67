"""A request's JSON -> grading items. Every refusal names its field and what is allowed.

An item is one completion and what it is graded against, in one of three forms:
  {"problem_id": ID, ...}                       a problem this server holds (--problems, --problems-run, --run)
  {"problem": {id, task, prompt, reference, metadata?}, ...}   a whole problem (trl_rows / verl_rows write these)
  {"task" or "grader": NAME, "reference": R, "metadata"?: {}, ...}   a bare reference
plus "completion" (text), and optionally "sample" (an integer) and "grader" (grade
with this grader instead of the task's own). docs/serve.md is the schema.

Errors are RequestError(status, field, message): 400 for a body that is not
JSON, 413 for a value past a cap (the limit named), 422 for a bad field.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from proctor import graders
from proctor import tasks
from proctor.options import SQLITE_MAX
from proctor.graders.problem import Problem, canonical_json
from proctor.registry import RegistryError
from proctor.rewards import ACCEPTED_ROWS
from proctor.serve.config import Limits

ITEM_FORMS = ("an item is {'problem_id': ID} (a problem this server holds), {'problem': {id, task, prompt, "
              "reference, metadata?}}, or {'task' or 'grader': NAME, 'reference': ...}, each with 'completion' "
              "(text) and optional 'sample' (integer) and 'grader'")
ITEM_KEYS = frozenset({"completion", "sample", "problem_id", "problem", "task", "grader", "reference", "metadata",
                       "prompt"})
REQUEST_KEYS = frozenset({"items", "deadline_seconds"})
MISROUTED = "misrouted_row"


class RequestError(Exception):
    """One client mistake: the HTTP status, the field (a JSON path) and what is allowed."""

    def __init__(self, status: int, field: str, message: str, limit: tuple[str, float] | None = None,
                 kind: str | None = None):
        super().__init__(f"{field}: {message}")
        self.status, self.field, self.message, self.limit, self.kind = status, field, message, limit, kind

    def to_dict(self) -> dict:
        error: dict[str, Any] = {"status": self.status, "field": self.field, "message": self.message}
        if self.limit is not None:
            error["limit"] = {"name": self.limit[0], "value": self.limit[1]}
        if self.kind is not None:
            error["kind"] = self.kind
        return {"error": error}


def misrouted(field: str, message: str) -> RequestError:
    """An item that routes to no proctor task: the client raises MisroutedRow for it."""
    return RequestError(422, field, message, kind=MISROUTED)


def too_large(field: str, what: str, limit_name: str, value: float, flag_hint: bool = True) -> RequestError:
    shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    flag = f" (the server's --{limit_name.replace('_', '-')})" if flag_hint else ""
    return RequestError(413, field, f"{what} is over the limit {limit_name} = {shown}{flag}", (limit_name, value))


@dataclass(frozen=True)
class Item:
    problem: Problem
    grader: str
    completion: str
    sample: int | None  # None: not given (0 in answers; the next free number when storing)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def decode_json(body: bytes) -> Any:
    """The request body as JSON; 400 naming what is wrong (NaN and Infinity are not JSON)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(400, "body", f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise RequestError(400, "body", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise RequestError(400, "body", "JSON nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, or an integer of more than 4,300 digits
        raise RequestError(400, "body", f"not valid JSON: {exc}") from None


class ProblemIndex:
    """Problems a client may name by id: loaded from --problems files, or looked up in stored runs."""

    def __init__(self, problems: dict[str, Problem] | None = None,
                 lookup: Callable[[str], Problem | None] | None = None, sources: str = "none"):
        self._problems = problems or {}
        self._lookup = lookup
        self.sources = sources

    @property
    def blocking(self) -> bool:
        """Whether a look-up may wait on the disk (then requests are parsed off the event loop)."""
        return self._lookup is not None

    def get(self, problem_id: str) -> Problem | None:
        problem = self._problems.get(problem_id)
        if problem is None and self._lookup is not None:
            problem = self._lookup(problem_id)
        return problem


class Router:
    """Which grader grades an item, with the server's own rules: known names only, and the
    server's sandbox only (a problem's metadata must not pick a weaker one)."""

    def __init__(self, sandbox: str, index: ProblemIndex | None = None):
        self.sandbox = sandbox
        self.index = index or ProblemIndex()
        self._task_graders: dict[str, str] = {}
        self._graders: set[str] = set()
        self._trusted_checks: dict[str, object] | None = None

    def grader_of_task(self, task: str, field: str) -> str:
        if task not in self._task_graders:
            try:
                self._task_graders[task] = tasks.get(task).grader
            except RegistryError as exc:
                raise misrouted(field, f"{exc}; {ACCEPTED_ROWS}") from None
        return self._task_graders[task]

    def check_grader(self, name: Any, field: str) -> str:
        if not isinstance(name, str) or not name:
            raise RequestError(422, field, "must be a grader name (text); known: " + ", ".join(graders.names()))
        if name not in self._graders:
            try:
                graders.get(name)
            except RegistryError as exc:
                raise RequestError(422, field, str(exc)) from None
            self._graders.add(name)
        return name

    def check_reference(self, problem: Problem, field: str) -> None:
        """A 'check' reference (HumanEval's) runs its canonical solution and test *outside* the sandbox
        to record the official check: trusted dataset text in `proctor grade`, but a request is not
        trusted. Only the server's own problems of that kind pass, unchanged."""
        reference = problem.reference
        if not (isinstance(reference, dict) and reference.get("kind") == "check"):
            return
        if self._trusted_checks is None:
            humaneval = tasks.get("code.humaneval")
            self._trusted_checks = {p.id: p.reference for p in humaneval.generate(humaneval.capacity({}) or 164, 0)}
        if self._trusted_checks.get(problem.id) != reference:
            raise RequestError(422, f"{field}.reference", "a 'check' reference runs its code outside the sandbox, "
                                                           "so this server takes only its own: code.humaneval "
                                                           "problems (ids HumanEval/0-163) with their reference "
                                                           "unchanged, or problems it holds, named by problem_id")

    def check_sandbox(self, metadata: dict, field: str) -> None:
        chosen = metadata.get("sandbox")
        if chosen is not None and chosen != self.sandbox:
            raise RequestError(422, f"{field}.sandbox", f"this server runs model code in the {self.sandbox!r} "
                                                         f"sandbox only; got {chosen!r}")


def _text(obj: dict, key: str, field: str, required: bool = True, default: str = "") -> str:
    if key not in obj:
        if required:
            raise RequestError(422, f"{field}.{key}", "missing (text expected)")
        return default
    value = obj[key]
    if isinstance(value, int) and not isinstance(value, bool) and key == "id":
        return str(value)
    if not isinstance(value, str):
        raise RequestError(422, f"{field}.{key}", f"must be text, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", type(None): "null", str: "text",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


def _metadata(obj: dict, field: str) -> dict:
    metadata = obj.get("metadata", {})
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise RequestError(422, f"{field}.metadata", f"must be an object, got {_kind(metadata)}")
    return metadata


def bare_problem_id(task: str, reference: Any) -> str:
    """A stable id for a bare reference, so the same reference stores as one problem."""
    try:
        digest = hashlib.sha256(canonical_json(reference).encode()).hexdigest()[:16]
    except (TypeError, ValueError):
        digest = hashlib.sha256(repr(reference).encode()).hexdigest()[:16]
    return f"{task}/ref-{digest}"


def parse_item(obj: Any, field: str, limits: Limits, router: Router) -> Item:
    if not isinstance(obj, dict):
        raise RequestError(422, field, f"must be an object, got {_kind(obj)}; {ITEM_FORMS}")
    unknown = sorted(set(obj) - ITEM_KEYS)
    if unknown:
        raise RequestError(422, f"{field}.{unknown[0]}", f"unknown field; {ITEM_FORMS}")
    completion = obj.get("completion")
    if not isinstance(completion, str):
        raise RequestError(422, f"{field}.completion", "missing (text expected)" if "completion" not in obj
                           else f"must be text, got {_kind(completion)}")
    if len(completion) > limits.max_completion_chars:
        raise too_large(f"{field}.completion", f"{len(completion):,} characters", "max_completion_chars",
                        limits.max_completion_chars)
    sample = obj.get("sample")
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int)
                               or not 0 <= sample <= SQLITE_MAX):
        raise RequestError(422, f"{field}.sample", f"must be an integer from 0 to {SQLITE_MAX}, got {sample!r}")
    grader = router.check_grader(obj["grader"], f"{field}.grader") if obj.get("grader") is not None else None
    forms = [key for key in ("problem_id", "problem") if key in obj]
    if "reference" in obj:
        forms.append("reference")
    if len(forms) != 1:
        what = "none of" if not forms else "more than one of"
        raise RequestError(422, field, f"has {what} problem_id, problem, reference; {ITEM_FORMS}")
    if forms[0] == "problem_id":
        problem_id = obj["problem_id"]
        if isinstance(problem_id, int) and not isinstance(problem_id, bool):
            problem_id = str(problem_id)
        if not isinstance(problem_id, str):
            raise RequestError(422, f"{field}.problem_id", f"must be text, got {_kind(problem_id)}")
        problem = router.index.get(problem_id)
        if problem is None:
            raise misrouted(f"{field}.problem_id", f"no problem {problem_id!r} on this server (it holds "
                                                            f"problems from: {router.index.sources}); send the "
                                                            f"whole problem instead")
    elif forms[0] == "problem":
        cell = obj["problem"]
        if isinstance(cell, str):  # the JSON text trl_rows and verl_rows put in a dataset cell
            try:
                cell = json.loads(cell, parse_constant=_reject_constant)
            except (ValueError, RecursionError):
                raise RequestError(422, f"{field}.problem", "text that is not JSON; give the problem object "
                                                            "or its JSON text") from None
        if not isinstance(cell, dict):
            raise RequestError(422, f"{field}.problem", f"must be an object, got {_kind(cell)}")
        where = f"{field}.problem"
        if "reference" not in cell:
            raise RequestError(422, f"{where}.reference", "missing (the answer the grader needs)")
        problem = Problem(_text(cell, "id", where), _text(cell, "task", where), _text(cell, "prompt", where, False),
                          cell["reference"], _metadata(cell, where))
        router.check_reference(problem, where)
    else:
        task = obj.get("task")
        if task is None and grader is None:
            raise misrouted(f"{field}.task", f"a bare reference needs 'task' or 'grader'; {ACCEPTED_ROWS}")
        task = _text(obj, "task", field) if task is not None else grader
        problem = Problem(bare_problem_id(task, obj["reference"]), task, _text(obj, "prompt", field, False),
                          obj["reference"], _metadata(obj, field))
        router.check_reference(problem, field)
    router.check_sandbox(problem.metadata, f"{field}.problem.metadata" if "problem" in obj else f"{field}.metadata")
    if grader is None:
        grader = router.grader_of_task(problem.task, f"{field}.problem.task" if "problem" in obj
                                       else f"{field}.task")
    return Item(problem, grader, completion, sample)


def parse_grade_request(data: Any, limits: Limits, router: Router) -> tuple[list[Item], float | None]:
    """(items, deadline in seconds or None) of a /v1/grade or /v1/rewards body."""
    if not isinstance(data, dict):
        raise RequestError(422, "body", f"must be an object with 'items', got {_kind(data)}")
    unknown = sorted(set(data) - REQUEST_KEYS)
    if unknown:
        raise RequestError(422, unknown[0], f"unknown field; a request has {', '.join(sorted(REQUEST_KEYS))}")
    items = data.get("items")
    if not isinstance(items, list):
        raise RequestError(422, "items", "missing (an array of items expected)" if "items" not in data
                           else f"must be an array, got {_kind(items)}")
    if len(items) > limits.max_items:
        raise too_large("items", f"{len(items):,} items", "max_items", limits.max_items)
    deadline = parse_deadline(data.get("deadline_seconds"), "deadline_seconds", limits)
    return [parse_item(obj, f"items[{i}]", limits, router) for i, obj in enumerate(items)], deadline


def parse_deadline(value: Any, field: str, limits: Limits) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise RequestError(422, field, f"must be a positive number of seconds, got {value!r}")
    if value > limits.max_deadline:
        raise too_large(field, f"{value:g} s", "max_deadline", limits.max_deadline)
    return float(value)
