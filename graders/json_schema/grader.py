"""The `json_schema` grader: is the answer JSON valid against the schema, and
(with `expected`) does it hold the right values?

Reference: {"schema": <JSON Schema>, "expected": <JSON value, optional>,
"match": <MatchPolicy options, optional>} plus optional per-task options:
  strict: true      accept only a completion that is JSON as a whole;
  formats: true     assert `format` (off by default, as the 2019-09+ specs say);
  regex: "backtracking"  allow backreferences/lookaround in `pattern`, under a budget;
  parse: {...}      ParsePolicy options (limits; allow duplicate keys, NaN, surrogates);
  example: <value>  a known-valid answer for self-checks; the grader ignores it.
Without `expected` a completion is correct iff it holds JSON valid against the
schema; with it, the JSON must be valid and match. Partial credit (match option
`partial_credit`) scores micro F1 over (JSON pointer, leaf) pairs, below 1
unless the answer is correct. `details.extraction` says where the JSON was found;
`details.strict` whether a strict reading would have found it too.
"""
from __future__ import annotations

from typing import Any

from proctor import graders
from proctor.graders.base import Grader
from proctor.graders.json_schema.extract import WHOLE, extract_json
from proctor.graders.json_schema.match import MatchPolicy, compare, pointers
from proctor.graders.json_schema.parse import JsonRefused, ParsePolicy
from proctor.graders.json_schema.validate import LINEAR, SchemaError, ValidationUndecided, compile_schema
from proctor.graders.problem import Problem, Verdict

REFERENCE_KEYS = ("schema", "expected", "match", "strict", "formats", "regex", "parse", "example")
MAX_REASON_FAILURES = 3


class BadReference(ValueError):
    """The task's reference is malformed (the task's fault, not the model's)."""


def _options(reference: Any) -> dict:
    if not isinstance(reference, dict) or "schema" not in reference:
        raise BadReference("reference must be an object with a \"schema\"")
    unknown = sorted(set(reference) - set(REFERENCE_KEYS))
    if unknown:
        raise BadReference(f"unknown reference key(s) {', '.join(unknown)}; known: {', '.join(REFERENCE_KEYS)}")
    for flag in ("strict", "formats"):
        if not isinstance(reference.get(flag, False), bool):
            raise BadReference(f"reference option {flag} must be true or false")
    try:
        return {
            "match": MatchPolicy.from_dict(reference.get("match")),
            "parse": ParsePolicy.from_dict(reference.get("parse")),
        }
    except ValueError as exc:
        raise BadReference(str(exc)) from None


def _describe_failures(failures) -> str:
    shown = "; ".join(f.describe() for f in failures[:MAX_REASON_FAILURES])
    more = len(failures) - MAX_REASON_FAILURES
    return shown + (f"; and {more} more" if more > 0 else "")


@graders.register("json_schema")
class JsonSchemaGrader(Grader):
    name = "json_schema"
    version = "1"

    def check(self, problem: Problem, completion: str) -> Verdict:
        reference = problem.reference
        try:
            options = _options(reference)
            schema = compile_schema(reference["schema"], reference.get("formats", False),
                                    reference.get("regex", LINEAR))
        except (BadReference, SchemaError) as exc:
            return Verdict.error(reason=f"bad reference: {exc}")
        strict = reference.get("strict", False)
        try:
            found = extract_json(completion, strict=strict, policy=options["parse"])
        except JsonRefused as exc:
            return Verdict.unparsable(reason=str(exc), extraction=None, strict=False)
        details = {"extraction": found.method, "strict": found.method == WHOLE}
        value = found.value
        valid = schema.is_valid(value)
        failures = []
        if not valid:
            try:
                failures = schema.failures(value)
            except ValidationUndecided as exc:
                # The answer is invalid (is_valid said so); only the reason could not be
                # worked out. Never unscored: the model chose the string that exhausted the budget.
                return Verdict.incorrect(extracted=value, reason=f"fails the schema ({exc})", **details)
            details["errors"] = [f.to_dict() for f in failures]
        if "expected" not in reference:
            if valid:
                return Verdict.correct(extracted=value, reason=f"valid against the schema ({found.method})", **details)
            return Verdict.incorrect(extracted=value, reason=f"fails the schema: {_describe_failures(failures)}",
                                     **details)
        return self._match(reference["expected"], value, valid, failures, options["match"], details)

    @staticmethod
    def _match(expected, value, valid, failures, policy: MatchPolicy, details: dict) -> Verdict:
        comparison = compare(expected, value, policy)
        total = len(comparison.matched) + len(comparison.missed)
        details.update(matched=pointers(comparison.matched), missed=pointers(comparison.missed),
                       extra=pointers(comparison.extra), f1=round(comparison.f1, 6),
                       fields_matched=len(comparison.matched), fields_expected=total)
        if comparison.exact:
            if valid:
                return Verdict.correct(extracted=value,
                                       reason=f"valid and matches the expected value ({details['extraction']})",
                                       **details)
            return Verdict.error(reason="bad reference: the expected value fails its own schema: "
                                 + _describe_failures(failures), **details)
        score = comparison.f1 if policy.partial_credit else 0.0
        parts = []
        if not valid:
            parts.append(f"fails the schema: {_describe_failures(failures)}")
        parts.append(f"{len(comparison.matched)} of {total} expected fields match")
        if comparison.missed:
            parts.append("wrong or missing: " + ", ".join(pointers(comparison.missed, 5)))
        if comparison.extra:
            parts.append("unexpected: " + ", ".join(pointers(comparison.extra, 5)))
        return Verdict.incorrect(extracted=value, reason="; ".join(parts), score=min(score, 0.999999), **details)
