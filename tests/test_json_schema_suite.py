"""The grader's validation layer against the official JSON-Schema-Test-Suite.

Vendored from the jsonschema 4.26.0 sdist (json/tests/, MIT licence in
tests/data/json-schema-test-suite/LICENSE): the required tests of drafts 4, 6,
7, 2019-09 and 2020-12 (not optional/, not the remotes/ fixtures). Every case
must agree, except the ones below, which need a schema served from
http://localhost:1234: the layer never fetches, so it must *refuse* those
schemas (a task error), never give a verdict on them.
"""
import json
import pathlib

import pytest

from proctor.graders.json_schema.validate import DRAFTS, SchemaError, compile_schema

SUITE = pathlib.Path(__file__).parent / "data" / "json-schema-test-suite" / "tests"
DIALECTS = {
    "draft4": "http://json-schema.org/draft-04/schema",
    "draft6": "http://json-schema.org/draft-06/schema",
    "draft7": "http://json-schema.org/draft-07/schema",
    "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
    "draft2020-12": "https://json-schema.org/draft/2020-12/schema",
}
# (draft, file, case description or None for the whole file) -> why it is excepted
REMOTE = "needs a schema fetched from localhost:1234; remote $ref retrieval is disabled by design"
REMOTE_METASCHEMA = "its $schema is a custom metaschema on localhost:1234, which would have to be fetched"
EXCEPTIONS = {
    **{(draft, "refRemote.json", None): REMOTE for draft in DIALECTS},
    **{("draft2020-12", "dynamicRef.json", case): REMOTE for case in (
        "strict-tree schema, guards against misspelled properties",
        "tests for implementation dynamic anchor and reference link",
        "$ref and $dynamicAnchor are independent of order - $defs first",
        "$ref and $dynamicAnchor are independent of order - $ref first",
        "$ref to $dynamicRef finds detached $dynamicAnchor",
    )},
    **{(draft, "vocabulary.json", case): REMOTE_METASCHEMA for draft in ("draft2019-09", "draft2020-12")
       for case in ("schema that uses custom metaschema with with no validation vocabulary",
                    "ignore unrecognized optional vocabulary")},
}


def _cases(draft):
    for path in sorted((SUITE / draft).glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            yield path.name, case


def _excepted(draft, filename, description):
    return EXCEPTIONS.get((draft, filename, None)) or EXCEPTIONS.get((draft, filename, description))


def test_the_vendored_suite_is_present_with_its_licence():
    assert (SUITE.parent / "LICENSE").read_text().startswith("Copyright (c) 2012 Julian Berman")
    for draft in DIALECTS:
        assert len(list((SUITE / draft).glob("*.json"))) >= 30, draft


@pytest.mark.parametrize("draft", list(DIALECTS))
def test_validation_layer_agrees_with_the_official_suite(draft):
    assert DIALECTS[draft] in DRAFTS
    disagreements, checked, excepted_cases = [], 0, set()
    for filename, case in _cases(draft):
        reason = _excepted(draft, filename, case["description"])
        if reason:
            excepted_cases.add((filename, case["description"]))
            # Excepted cases must be refused outright, never half-validated.
            with pytest.raises(SchemaError, match="Retrieval is disabled|unsupported \\$schema"):
                compile_schema(case["schema"], default_draft=DIALECTS[draft])
            continue
        validator = compile_schema(case["schema"], default_draft=DIALECTS[draft])
        for test in case["tests"]:
            checked += 1
            if validator.is_valid(test["data"]) != test["valid"]:
                disagreements.append(f"{filename}: {case['description']} | {test['description']}")
    assert not disagreements, "\n".join(disagreements)
    assert checked > 500
    # Every listed exception names a case that still exists (no stale list).
    listed = {(f, c) for (d, f, c) in EXCEPTIONS if d == draft and c is not None}
    assert listed <= excepted_cases


def test_exceptions_are_a_handful_outside_refremote():
    outside = [key for key in EXCEPTIONS if key[1] != "refRemote.json"]
    assert all(draft in ("draft2019-09", "draft2020-12") for draft, _, _ in outside)
    assert len(outside) <= 10
