"""JSON Schema validation: jsonschema-rs, offline, compiled once per schema.

Engine chosen by measurement (docs/design.md, Structured output): jsonschema-rs
passes the official test suite's required tests of drafts 4-2020-12 (python-jsonschema
misses a few in 2019-09/2020-12), is ~90x faster than python-jsonschema `is_valid`,
gets `multipleOf: 0.01` right on two-decimal prices, and its regex engine is linear-time
(`^(a+)+$` on 50 'a' + '!' in microseconds; python-jsonschema: seconds, doubling per
character). By default patterns compile in the linear-time `regex` engine, which has no
backreferences or lookaround: a schema using them is refused up front (a task error),
because a backtracking pattern costs time per string and a model can write many strings.
A task may opt into `regex: "backtracking"` (fancy-regex under a step budget); an answer
on which a pattern exhausts the budget is invalid (incorrect), since the model chose it:
a status the model can cause is never `error`.
The official suite's required tests pass identically under both engines.
Remote `$ref`s are never fetched (`offline=True`): only references inside the schema resolve.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from proctor.graders.problem import canonical_json

DRAFTS = {
    "http://json-schema.org/draft-04/schema": jsonschema_rs.Draft4Validator,
    "http://json-schema.org/draft-06/schema": jsonschema_rs.Draft6Validator,
    "http://json-schema.org/draft-07/schema": jsonschema_rs.Draft7Validator,
    "https://json-schema.org/draft/2019-09/schema": jsonschema_rs.Draft201909Validator,
    "https://json-schema.org/draft/2020-12/schema": jsonschema_rs.Draft202012Validator,
}
DEFAULT_DRAFT = "https://json-schema.org/draft/2020-12/schema"
BACKTRACK_LIMIT = 1_000_000  # fancy-regex steps per match: ~20 ms worst case measured here
MAX_REPORTED_ERRORS = 20
MAX_MESSAGE_CHARS = 300
CACHE_SIZE = 512
RECENT_SIZE = 64
_RECENT: dict[tuple, tuple] = {}  # (id, options) -> (schema object, snapshot, CompiledSchema)
LINEAR, BACKTRACKING = "linear", "backtracking"
REGEX_ENGINES = (LINEAR, BACKTRACKING)


class SchemaError(ValueError):
    """The schema itself is unusable (the task's fault, not the model's)."""


class ValidationUndecided(RuntimeError):
    """The validator could not decide (a pattern exhausted its backtracking budget)."""


@dataclass(frozen=True)
class Failure:
    path: str  # JSON pointer into the instance ("" is the root)
    keyword: str  # the schema keyword that failed
    message: str

    def describe(self) -> str:
        return f"at {self.path or '/'} ({self.keyword}): {self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "keyword": self.keyword, "message": self.message}


def json_pointer(parts) -> str:
    """RFC 6901: each part escaped, joined with '/'."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _draft_uri(schema: Any, default: str = DEFAULT_DRAFT) -> str:
    if not isinstance(schema, dict) or "$schema" not in schema:
        return default
    uri = schema["$schema"]
    if not isinstance(uri, str):
        raise SchemaError(f"$schema must be a string, got {uri!r}")
    normal = uri.rstrip("#")
    if normal.startswith("https://json-schema.org/draft-0") or normal.startswith("http://json-schema.org/draft/"):
        normal = normal.replace("https://", "http://", 1) if "draft-0" in normal else normal.replace("http://", "https://", 1)
    if normal not in DRAFTS:
        raise SchemaError(f"unsupported $schema {uri!r}; supported: drafts 4, 6, 7, 2019-09, 2020-12")
    return normal


class CompiledSchema:
    """A schema ready to validate many instances."""

    def __init__(self, schema: Any, formats: bool, regex: str = LINEAR, default_draft: str = DEFAULT_DRAFT):
        if default_draft not in DRAFTS:
            raise SchemaError(f"unknown draft {default_draft!r}; known: {', '.join(DRAFTS)}")
        self.draft = _draft_uri(schema, default_draft)
        if regex not in REGEX_ENGINES:
            raise SchemaError(f"regex engine must be one of {', '.join(REGEX_ENGINES)}, got {regex!r}")
        pattern_options = (jsonschema_rs.RegexOptions() if regex == LINEAR
                           else jsonschema_rs.FancyRegexOptions(backtrack_limit=BACKTRACK_LIMIT))
        try:
            self._validator = DRAFTS[self.draft](
                schema,
                validate_formats=formats,
                # With formats asserted, an unknown format is a typo in the task, not a pass.
                ignore_unknown_formats=not formats,
                offline=True,  # never fetch a remote $ref, whatever the schema says
                pattern_options=pattern_options,
            )
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError, TypeError) as exc:
            raise SchemaError(_schema_problem(exc)) from None
        except OverflowError as exc:
            raise SchemaError(f"the schema holds a number out of range: {exc}") from None

    def is_valid(self, instance: Any) -> bool:
        return self._validator.is_valid(instance)

    def failures(self, instance: Any, limit: int = MAX_REPORTED_ERRORS) -> list[Failure]:
        """Why the instance fails, each with its JSON pointer and keyword; raises
        ValidationUndecided when a pattern ran out of backtracking budget."""
        found = []
        for error in self._validator.iter_errors(instance):
            if error.kind.name in ("backtrack_limit_exceeded", "BacktrackLimitExceeded") or \
                    type(error.kind).__name__ == "BacktrackLimitExceeded":
                raise ValidationUndecided(f"a pattern at schema path {json_pointer(error.schema_path)} "
                                          "exceeded its backtracking budget")
            keyword = next((str(p) for p in reversed(error.schema_path) if isinstance(p, str)),
                           type(error.kind).__name__)
            message = error.message  # quotes the instance, which a model can make huge
            if len(message) > MAX_MESSAGE_CHARS:
                message = message[:MAX_MESSAGE_CHARS] + "..."
            found.append(Failure(json_pointer(error.instance_path), keyword, message))
            if len(found) >= limit:
                break
        return found


def _schema_problem(exc: Exception) -> str:
    message = getattr(exc, "message", None) or (str(exc).splitlines() or [repr(exc)])[0]
    where = getattr(exc, "instance_path", None)
    text = f"the schema cannot be used: {message}"
    if where:
        text += f" (at {json_pointer(where)} in the schema)"
    if "is not a \"regex\"" in message:
        text += "; the linear-time regex engine has no backreferences or lookaround (reference option regex: " \
                "\"backtracking\" allows them under a step budget)"
    return text


def compile_schema(schema: Any, formats: bool = False, regex: str = LINEAR,
                   default_draft: str = DEFAULT_DRAFT) -> CompiledSchema:
    """A compiled validator, cached by the schema's canonical JSON and the options.
    The draft is the schema's `$schema`, else `default_draft` (2020-12)."""
    if not isinstance(schema, (dict, bool)):
        raise SchemaError(f"a schema is an object or a boolean, got {type(schema).__name__}")
    # Serializing a schema costs more than validating an instance, and a run grades
    # many items against the same schema object: remember recent objects by identity,
    # confirmed by an equality check against a private snapshot (catches in-place edits).
    recent_key = (id(schema), bool(formats), regex, default_draft)
    recent = _RECENT.get(recent_key)
    if recent is not None and recent[0] is schema and recent[1] == schema:
        return recent[2]
    try:
        key = canonical_json(schema)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"the schema is not JSON: {exc}") from None
    compiled = _compile_cached(key, bool(formats), regex, default_draft)
    if len(_RECENT) >= RECENT_SIZE:
        _RECENT.clear()
    _RECENT[recent_key] = (schema, json.loads(key), compiled)
    return compiled


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(key: str, formats: bool, regex: str, default_draft: str) -> CompiledSchema:
    return CompiledSchema(json.loads(key), formats, regex, default_draft)
