"""Hostile JSON gets a clear refusal, quickly, never a crash or a hang."""
import json

import pytest

from proctor.graders.json_schema.parse import JsonRefused, NotJson, ParsePolicy, check_bounds, nesting_depth, parse_json


def test_plain_json_parses_to_python_values():
    assert parse_json('{"a": [1, 2.5, true, null, "x"]}') == {"a": [1, 2.5, True, None, "x"]}


def test_syntax_error_is_not_json_with_position():
    with pytest.raises(NotJson, match="line 1 column"):
        parse_json('{"a": 1,}')


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_is_refused_before_parsing(depth):
    # json.loads itself raises RecursionError near depth 1,000
    with pytest.raises(JsonRefused, match=f"nesting depth {depth} exceeds the limit of 64"):
        parse_json("[" * depth + "]" * depth)


def test_unclosed_deep_nesting_is_refused_too():
    with pytest.raises(JsonRefused, match="nesting depth 100000"):
        parse_json("[" * 100_000)


def test_depth_at_the_limit_is_accepted():
    assert nesting_depth("[" * 64 + "]" * 64) == 64
    assert parse_json("[" * 64 + "]" * 64) is not None


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"note": "[" * 500 + "{" * 500})
    assert parse_json(text) == {"note": "[" * 500 + "{" * 500}


def test_million_digit_number_is_refused_before_int_parses_it():
    with pytest.raises(JsonRefused, match="more than 100 digits"):
        parse_json("1" * 1_000_000)
    with pytest.raises(JsonRefused, match="more than 100 digits"):
        parse_json('{"a": 0.' + "3" * 5000 + "}")


def test_long_digit_runs_inside_strings_are_fine():
    assert parse_json(json.dumps({"id": "7" * 5000})) == {"id": "7" * 5000}


def test_oversized_text_is_refused():
    with pytest.raises(JsonRefused, match="more than the limit of 10"):
        parse_json('"' + "x" * 20 + '"', ParsePolicy(max_chars=10))


@pytest.mark.parametrize("text,name", [('{"a": NaN}', "NaN"), ("[Infinity]", "Infinity"),
                                       ("-Infinity", "-Infinity")])
def test_nonfinite_constants_are_refused(text, name):
    with pytest.raises(JsonRefused, match=f"{name} is not a JSON number"):
        parse_json(text)


def test_overflowing_float_is_refused_not_turned_into_infinity():
    with pytest.raises(JsonRefused, match="overflows to infinity"):
        parse_json("[1e999]")


def test_nonfinite_allowed_by_policy():
    value = parse_json("[NaN, 1e999]", ParsePolicy(allow_nonfinite=True))
    assert value[0] != value[0] and value[1] == float("inf")


def test_duplicate_keys_are_refused_even_when_nested():
    with pytest.raises(JsonRefused, match="duplicate key 'b'"):
        parse_json('{"a": {"b": 1, "b": 2}}')


def test_duplicate_keys_allowed_by_policy_keep_the_last():
    assert parse_json('{"b": 1, "b": 2}', ParsePolicy(allow_duplicate_keys=True)) == {"b": 2}


@pytest.mark.parametrize("text", ['"\\ud800"', '["ok", "\\udc00x"]', '{"\\ud83d": 1}', '"a\ud800b"'])
def test_lone_surrogates_are_refused(text):
    with pytest.raises(JsonRefused, match="lone UTF-16 surrogate"):
        parse_json(text)


def test_surrogate_pairs_are_proper_characters():
    assert parse_json('"\\ud83d\\ude00"') == "\U0001F600"


def test_lone_surrogates_allowed_by_policy():
    assert parse_json('"\\ud800"', ParsePolicy(allow_lone_surrogates=True)) == "\ud800"


def test_unterminated_strings_cost_linear_time():
    # each quote would restart a naive string scan to the end: quadratic
    text = '["' + '\\"' * 200_000
    with pytest.raises(NotJson):
        parse_json(text)
    check_bounds(text)


def test_policy_from_dict_rejects_unknown_and_mistyped_options():
    assert ParsePolicy.from_dict({"max_depth": 10}).max_depth == 10
    with pytest.raises(ValueError, match="unknown parse policy option"):
        ParsePolicy.from_dict({"max_dept": 10})
    with pytest.raises(ValueError, match="must be bool"):
        ParsePolicy.from_dict({"allow_nonfinite": 1})
    with pytest.raises(ValueError, match="must be int"):
        ParsePolicy.from_dict({"max_depth": True})
