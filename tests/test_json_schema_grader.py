"""The `json_schema` grader end to end: accept, reject, hostile input, bad references."""
import json

import pytest

from proctor import graders
from proctor.graders.problem import Problem

PERSON = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                                            "tags": {"type": "array", "items": {"type": "string"}}},
          "required": ["name", "age"], "additionalProperties": False}


def grade(reference, completion):
    return graders.get("json_schema").grade(Problem("p", "t", "prompt", reference), completion)


def test_registered_under_its_name():
    assert "json_schema" in graders.names()
    assert graders.get("json_schema").name == "json_schema"


# --- accept -------------------------------------------------------------------
@pytest.mark.parametrize("completion,method", [
    ('{"name": "Ada", "age": 36}', "whole"),
    ('Sure!\n```json\n{"name": "Ada", "age": 36}\n```', "fenced"),
    ('The record is {"name": "Ada", "age": 36}.', "balanced"),
])
def test_valid_json_is_correct_and_says_where_it_was_found(completion, method):
    verdict = grade({"schema": PERSON}, completion)
    assert verdict.status == "correct" and verdict.score == 1.0
    assert verdict.extracted == {"name": "Ada", "age": 36}
    assert verdict.details["extraction"] == method
    assert verdict.details["strict"] == (method == "whole")
    assert method in verdict.reason


def test_expected_values_match():
    reference = {"schema": PERSON, "expected": {"name": "Ada", "age": 36, "tags": ["a", "b"]},
                 "match": {"unordered": True, "ignore_case": True}}
    assert grade(reference, '{"age": 36, "tags": ["B", "a"], "name": "ada"}').status == "correct"


# --- reject -------------------------------------------------------------------
def test_schema_failure_names_pointer_and_keyword():
    verdict = grade({"schema": PERSON}, '{"name": "Ada", "age": -1, "tags": [1]}')
    assert verdict.status == "incorrect" and verdict.score == 0.0
    assert "at /age (minimum)" in verdict.reason and "at /tags/0 (type)" in verdict.reason
    assert {(e["path"], e["keyword"]) for e in verdict.details["errors"]} == {("/age", "minimum"), ("/tags/0", "type")}


def test_valid_but_wrong_values_is_incorrect():
    verdict = grade({"schema": PERSON, "expected": {"name": "Ada", "age": 36}}, '{"name": "Ada", "age": 35}')
    assert verdict.status == "incorrect" and verdict.score == 0.0
    assert verdict.details["missed"] == ["/age"] and verdict.details["matched"] == ["/name"]


def test_type_strictness_true_is_not_one():
    schema = {"type": "object", "properties": {"ok": {}}}
    assert grade({"schema": schema, "expected": {"ok": 1}}, '{"ok": true}').status == "incorrect"
    assert grade({"schema": schema, "expected": {"ok": 1}}, '{"ok": 1.0}').status == "correct"


def test_partial_credit_scores_f1_below_one_with_paths():
    reference = {"schema": PERSON, "expected": {"name": "Ada", "age": 36, "tags": ["x", "y"]},
                 "match": {"partial_credit": True}}
    verdict = grade(reference, '{"name": "Ada", "age": 36, "tags": ["x", "z"]}')
    assert verdict.status == "incorrect"
    assert verdict.score == pytest.approx(0.75)
    assert verdict.details["matched"] == ["/name", "/age", "/tags/0"]
    assert verdict.details["missed"] == ["/tags/1"] and verdict.details["extra"] == ["/tags/1"]


def test_partial_credit_with_schema_failure_is_still_below_one():
    reference = {"schema": PERSON, "expected": {"name": "Ada", "age": 36}, "match": {"partial_credit": True}}
    verdict = grade(reference, '{"name": "Ada", "age": 36, "extra": 1}')
    assert verdict.status == "incorrect" and 0 < verdict.score < 1
    assert "additionalProperties" in verdict.reason


def test_strict_reference_refuses_json_inside_prose():
    reference = {"schema": PERSON, "strict": True}
    assert grade(reference, '{"name": "Ada", "age": 36}').status == "correct"
    verdict = grade(reference, 'Here: {"name": "Ada", "age": 36}')
    assert verdict.status == "unparsable" and "strict" in verdict.reason


@pytest.mark.parametrize("completion,reason", [
    ("I cannot answer that.", "no JSON found"),
    ('{"name": "Ada", "age": 36', "never closes"),
    ('```json\n{"name": "Ada"', "never closed"),
])
def test_no_or_truncated_json_is_unparsable(completion, reason):
    verdict = grade({"schema": PERSON}, completion)
    assert verdict.status == "unparsable" and reason in verdict.reason


# --- hostile ------------------------------------------------------------------
@pytest.mark.parametrize("completion,reason", [
    ("[" * 100_000 + "]" * 100_000, "nesting depth 100000"),
    ("[" * 100_000, "nesting depth"),
    ("1" * 1_000_000, "more than 100 digits"),
    ('{"name": "Ada", "age": 36, "age": 37}', "duplicate key 'age'"),
    ('{"name": "Ada", "age": NaN}', "NaN is not a JSON number"),
    ('{"name": "Ada", "age": 1e999}', "overflows to infinity"),
    ('{"name": "\\udfff", "age": 1}', "lone UTF-16 surrogate"),
    ("x" * 1_000_001, "longer than"),
])
def test_hostile_completions_get_a_clear_unparsable_verdict(completion, reason):
    verdict = grade({"schema": PERSON}, completion)
    assert verdict.status == "unparsable" and reason in verdict.reason


def test_parse_policy_is_configurable_per_task():
    reference = {"schema": {}, "parse": {"allow_duplicate_keys": True, "max_depth": 200}}
    assert grade(reference, '{"a": 1, "a": 2}').extracted == {"a": 2}
    assert grade(reference, "[" * 150 + "]" * 150).status == "correct"


def test_non_text_completion_is_unparsable():
    assert grade({"schema": PERSON}, None).status == "unparsable"


def test_catastrophic_pattern_does_not_hang_the_grader():
    reference = {"schema": {"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a+)+$"}}}}
    verdict = grade(reference, json.dumps({"s": "a" * 50 + "!"}))
    assert verdict.status == "incorrect" and "(pattern)" in verdict.reason
    many = json.dumps([{"s": "a" * 5000 + "!"}] * 100)
    verdict = grade({"schema": {"type": "array", "items": reference["schema"]}}, many)
    assert verdict.status == "incorrect"


def test_exhausted_backtracking_budget_fails_the_answer_never_unscored():
    """The model chose the string that exhausted the budget: were this `error`,
    an RL policy could turn any wrong answer into an unscored one."""
    reference = {"schema": {"pattern": "^((a|a)+)\\1$"}, "regex": "backtracking"}
    verdict = grade(reference, json.dumps("a" * 30 + "!"))
    assert verdict.status == "incorrect" and "backtracking budget" in verdict.reason


# --- bad references are the task's fault: error, never a model verdict ---------
@pytest.mark.parametrize("reference,reason", [
    ({"expected": 1}, 'with a "schema"'),
    ("not a dict", 'with a "schema"'),
    ({"schema": PERSON, "matchh": {}}, "unknown reference key"),
    ({"schema": PERSON, "match": {"fuzzy": True}}, "unknown match option"),
    ({"schema": PERSON, "strict": "yes"}, "strict must be true or false"),
    ({"schema": {"type": "strin"}}, "schema cannot be used"),
    ({"schema": {"$ref": "http://127.0.0.1:9/x.json"}}, "Retrieval is disabled"),
    ({"schema": {"$schema": "http://json-schema.org/draft-03/schema#"}}, "unsupported $schema"),
    ({"schema": PERSON, "regex": "pcre"}, "regex engine"),
])
def test_bad_reference_is_an_error_verdict(reference, reason):
    verdict = grade(reference, '{"name": "Ada", "age": 36}')
    assert verdict.status == "error" and reason in verdict.reason
    assert not verdict.scored


def test_expected_value_failing_its_own_schema_is_an_error():
    verdict = grade({"schema": PERSON, "expected": {"name": "Ada"}}, '{"name": "Ada"}')
    assert verdict.status == "error" and "fails its own schema" in verdict.reason


def test_grading_is_deterministic():
    reference = {"schema": PERSON, "expected": {"name": "Ada", "age": 36, "tags": ["a"]},
                 "match": {"partial_credit": True, "unordered": True}}
    completion = 'ok {"name": "Ada", "age": 3, "tags": ["a", "b"], "x": null}'
    first = grade(reference, completion).to_dict()
    assert all(grade(reference, completion).to_dict() == first for _ in range(3))


def test_unique_items_over_thousands_of_objects_is_decided_and_reasons_stay_short():
    # python-jsonschema takes ~20 s for uniqueItems over 5,000 objects
    items = [{"id": i, "tags": [i, i + 1]} for i in range(5000)]
    verdict = grade({"schema": {"type": "array", "uniqueItems": True}}, json.dumps(items + [items[0]]))
    assert verdict.status == "incorrect" and "(uniqueItems)" in verdict.reason
    assert len(verdict.reason) < 1000
    assert grade({"schema": {"type": "array", "uniqueItems": True}}, json.dumps(items)).status == "correct"
