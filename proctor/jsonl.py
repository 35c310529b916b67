"""Reading user-supplied JSONL line by line, with errors that name file and line; writing JSON any text survives."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from proctor.graders.problem import Problem
from proctor.errors import BadInput


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def json_text(value: Any) -> str:
    """JSON as readable UTF-8 where it can be, and ASCII-escaped where the value holds lone
    surrogates (model output may: a decoder's surrogateescape, a `\\udcff` escape), which UTF-8
    cannot encode. Either spelling reads back as the same value."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if _is_utf8(text) else json.dumps(value, default=str)


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
                value = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
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
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise BadInput(f"field 'sample' must be a non-negative integer, got {json.dumps(sample)}", file, line)
    return sample


def read_problems(path: str | Path) -> Iterator[tuple[int, Problem]]:
    name = str(path)
    for lineno, obj in read_objects(path):
        problem_id = field(obj, "id", (str, int), name, lineno, "a string")
        task = field(obj, "task", str, name, lineno, "a task name")
        prompt = field(obj, "prompt", str, name, lineno, "a string")
        for key in ("id", "prompt"):  # problems are the user's own data: text must be UTF-8
            if isinstance(obj[key], str) and not _is_utf8(obj[key]):
                raise BadInput(f"field {key!r} is not UTF-8 text (it holds a lone surrogate or a byte "
                               f"that is not UTF-8)", name, lineno)
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
