"""The validation layer: drafts, formats, offline refs, hostile patterns, reasons, cache."""
import http.server
import threading

import pytest

from proctor.graders.json_schema.validate import (BACKTRACKING, SchemaError, ValidationUndecided, compile_schema,
                                          json_pointer)


def test_draft_is_chosen_by_dollar_schema_default_2020_12():
    tuple_items = {"prefixItems": [{"type": "integer"}]}
    assert compile_schema(tuple_items).draft.endswith("2020-12/schema")
    assert not compile_schema(tuple_items).is_valid(["x"])
    # draft 7 has no prefixItems: the keyword is ignored
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", **tuple_items}
    assert compile_schema(draft7).is_valid(["x"])
    # draft 4's boolean exclusiveMaximum is a schema error in draft 7
    old = {"maximum": 5, "exclusiveMaximum": True}
    assert not compile_schema({"$schema": "http://json-schema.org/draft-04/schema#", **old}).is_valid(5)
    with pytest.raises(SchemaError, match="at /exclusiveMaximum in the schema"):
        compile_schema({"$schema": "http://json-schema.org/draft-07/schema#", **old})


@pytest.mark.parametrize("uri", ["http://json-schema.org/draft-03/schema#", "https://example.com/my-meta", 7])
def test_unsupported_dollar_schema_is_a_schema_error(uri):
    with pytest.raises(SchemaError):
        compile_schema({"$schema": uri})


def test_format_checking_is_optional():
    date = {"type": "string", "format": "date"}
    assert compile_schema(date).is_valid("not a date")
    assert not compile_schema(date, formats=True).is_valid("2021-02-30")
    assert compile_schema(date, formats=True).is_valid("2021-02-28")
    with pytest.raises(SchemaError, match="Unknown format"):
        compile_schema({"format": "emial"}, formats=True)


def test_local_refs_resolve():
    schema = {"$defs": {"pos": {"type": "integer", "minimum": 1}}, "type": "array", "items": {"$ref": "#/$defs/pos"}}
    compiled = compile_schema(schema)
    assert compiled.is_valid([1, 2]) and not compiled.is_valid([1, 0])
    with pytest.raises(SchemaError, match="does not exist"):
        compile_schema({"$ref": "#/$defs/missing"})


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 - the http.server interface
        self.hits.append(self.path)
        body = b'{"type": "integer"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_remote_refs_are_never_fetched():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/integer.json"
        for schema in ({"$ref": url}, {"properties": {"a": {"$ref": url + "#/x"}}}):
            with pytest.raises(SchemaError, match="Retrieval is disabled"):
                compile_schema(schema)
        with pytest.raises(SchemaError, match="Retrieval is disabled"):
            compile_schema({"$ref": "file:///etc/hostname"})
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.hits == []


def test_catastrophic_pattern_is_linear_time():
    # python-jsonschema (re) needs seconds here, doubling per extra 'a'
    compiled = compile_schema({"type": "string", "pattern": "^(a+)+$"})
    assert not compiled.is_valid("a" * 50 + "!")
    assert not compiled.is_valid("a" * 100_000 + "!")
    assert compiled.is_valid("a" * 50)
    assert [f.keyword for f in compiled.failures("a" * 50 + "!")] == ["pattern"]


def test_backtracking_patterns_are_refused_by_default_with_a_hint():
    with pytest.raises(SchemaError, match='regex: "backtracking"'):
        compile_schema({"pattern": "^(a)\\1$"})
    assert compile_schema({"pattern": "^(a)\\1$"}, regex=BACKTRACKING).is_valid("aa")


def test_backtracking_budget_exhausted_is_undecided_not_a_verdict():
    compiled = compile_schema({"pattern": "^((a|a)+)\\1$"}, regex=BACKTRACKING)
    with pytest.raises(ValidationUndecided, match="/pattern"):
        compiled.failures("a" * 30 + "!")


def test_failures_name_json_pointer_and_keyword():
    schema = {"type": "object", "required": ["id"],
              "properties": {"items": {"type": "array", "items": {"type": "integer", "maximum": 3}},
                             "a/b": {"enum": ["x"]}}}
    failures = compile_schema(schema).failures({"items": [1, 5, "q"], "a/b": "y"})
    found = {(f.path, f.keyword) for f in failures}
    assert found == {("", "required"), ("/items/1", "maximum"), ("/items/2", "type"), ("/a~1b", "enum")}
    assert all(f.describe().startswith("at /") for f in failures)


def test_json_pointer_escapes():
    assert json_pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert json_pointer([]) == ""


def test_multiple_of_a_cent_accepts_two_decimal_prices():
    # python-jsonschema wrongly rejects about 11% of these (float division)
    compiled = compile_schema({"multipleOf": 0.01})
    prices = [round(cents / 100, 2) for cents in range(1, 5000, 7)]
    assert all(compiled.is_valid(p) for p in prices)
    assert not compiled.is_valid(0.015)


def test_compiled_validators_are_cached_by_canonical_json():
    first = compile_schema({"type": "object", "required": ["a", "b"]})
    again = compile_schema({"required": ["a", "b"], "type": "object"})
    assert first is again
    assert compile_schema({"type": "object", "required": ["a", "b"]}, formats=True) is not first


@pytest.mark.parametrize("schema", [[], "string", 3, {"minimum": float("nan")}, {"type": "strin"}])
def test_unusable_schemas_are_schema_errors(schema):
    with pytest.raises(SchemaError):
        compile_schema(schema)


def test_boolean_schemas():
    assert compile_schema(True).is_valid({"anything": 1})
    assert not compile_schema(False).is_valid(1)
