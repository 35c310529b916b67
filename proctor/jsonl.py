"""Reading user-supplied JSONL line by line, with errors that name file and line."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from proctor.errors import BadInput
from proctor.graders.problem import Problem
from proctor.options import SQLITE_MAX, int_problem


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_objects(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; streams, never loads the file."""
    name = str(path)
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise BadInput("no such file", name) from None
    except IsADirectoryError:
        raise BadInput("is a directory, expected a JSONL file", name) from None
    except PermissionError:
        raise BadInput("cannot be read (permission denied)", name) from None
    with handle:
        lineno = 0
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError:
                raise BadInput("is not UTF-8 text", name, lineno + 1) from None
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
        if "reference" not in obj:
            raise BadInput("missing field 'reference' (the answer the grader needs)", name, lineno)
        metadata = obj.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise BadInput("field 'metadata' must be an object", name, lineno)
        yield lineno, Problem(str(problem_id), task, prompt, obj["reference"], metadata)


def read_completions(path: str | Path) -> Iterator[tuple[int, str, int, str]]:
    """(line, problem id, sample, completion text)."""
    name = str(path)
    for lineno, obj in read_objects(path):
        problem_id = field(obj, "id", (str, int), name, lineno, "the id of a problem")
        completion = field(obj, "completion", str, name, lineno, "a string")
        yield lineno, str(problem_id), sample_field(obj, name, lineno), completion
