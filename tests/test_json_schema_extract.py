"""Every extraction path, in order, and what stops each."""
import pytest

from proctor.graders.json_schema.extract import BALANCED, FENCED, WHOLE, extract_json
from proctor.graders.json_schema.parse import JsonRefused, NotJson


def test_whole_completion_with_surrounding_whitespace():
    found = extract_json('  \n{"a": 1}\n ')
    assert (found.value, found.method) == ({"a": 1}, WHOLE)


@pytest.mark.parametrize("text,value", [("42", 42), ('"hi"', "hi"), ("true", True), ("null", None),
                                        ("[1, 2]", [1, 2])])
def test_whole_completion_may_be_any_json_value(text, value):
    found = extract_json(text)
    assert found.value == value and found.method == WHOLE


def test_last_json_fence_wins_over_earlier_ones_and_over_prose_objects():
    text = ('Draft: {"a": 0}\n```json\n{"a": 1}\n```\nBetter:\n```json\n{"a": 2}\n```\nDone.')
    found = extract_json(text)
    assert (found.value, found.method) == ({"a": 2}, FENCED)


def test_fence_label_is_case_insensitive_and_may_follow_text_on_its_line():
    found = extract_json('Here it is: ```JSON\n[1, 2]\n```')
    assert (found.value, found.method) == ([1, 2], FENCED)


def test_tilde_fences_and_longer_fences():
    assert extract_json("~~~json\n{\"a\": 1}\n~~~").value == {"a": 1}
    assert extract_json('````json\n{"s": "```"}\n````').value == {"s": "```"}


def test_unclosed_last_fence_is_truncated_never_an_earlier_block():
    text = '```json\n{"a": 1}\n```\nRevised:\n```json\n{"a": 2'
    with pytest.raises(JsonRefused, match="never closed"):
        extract_json(text)


def test_broken_last_fence_is_unparsable_with_its_error():
    with pytest.raises(NotJson, match=r"last ```json block is not valid JSON"):
        extract_json('Text {"a": 1}\n```json\n{"a": }\n```')


def test_unlabelled_fence_is_found_as_a_balanced_object():
    found = extract_json('Answer:\n```\n{"a": 1}\n```')
    assert (found.value, found.method) == ({"a": 1}, BALANCED)


def test_first_balanced_object_in_prose():
    found = extract_json('The result is {"a": {"b": [1, 2]}} and then {"c": 3}.')
    assert (found.value, found.method) == ({"a": {"b": [1, 2]}}, BALANCED)


def test_balanced_array_in_prose():
    assert extract_json("Values: [1, 2, 3].").value == [1, 2, 3]


def test_a_balanced_span_that_is_not_json_is_skipped_whole():
    found = extract_json('See [the table above]. Answer: {"a": 1}')
    assert found.value == {"a": 1}


def test_broken_outer_object_does_not_yield_its_nested_fragment():
    # scanning every "{" would return {"b": 1}, a fragment of the broken answer
    with pytest.raises(NotJson, match="no JSON found"):
        extract_json('Answer: {"a": {"b": 1}, oops} end')


def test_brackets_inside_strings_do_not_confuse_the_scanner():
    found = extract_json('Result: {"text": "a } b ] c {", "n": 1} ok')
    assert found.value == {"text": "a } b ] c {", "n": 1}


def test_truncated_object_in_prose_is_refused():
    with pytest.raises(JsonRefused, match="never closes"):
        extract_json('Here: {"a": 1, "b": [1, 2')


def test_mismatched_brackets_are_skipped():
    assert extract_json('x {"a": [1, 2}] then [3]').value == [3]


def test_no_json_at_all():
    with pytest.raises(NotJson, match="no JSON found"):
        extract_json("I do not know.")


def test_strict_accepts_only_the_whole_completion():
    assert extract_json('{"a": 1}', strict=True).method == WHOLE
    with pytest.raises(NotJson, match="strict"):
        extract_json('```json\n{"a": 1}\n```', strict=True)
    with pytest.raises(NotJson, match="strict"):
        extract_json('Answer: {"a": 1}', strict=True)


def test_hostile_whole_completion_is_final_not_searched_further():
    with pytest.raises(JsonRefused, match="duplicate key"):
        extract_json('{"a": 1, "a": 2}')
    with pytest.raises(JsonRefused, match="nesting depth"):
        extract_json("[" * 100_000 + "]" * 100_000)


def test_prose_with_a_long_number_still_finds_the_answer():
    found = extract_json("Here are " + "9" * 200 + ' reasons.\n```json\n{"a": 1}\n```')
    assert found.value == {"a": 1} and found.method == FENCED


def test_deep_nesting_in_prose_is_refused_while_scanning():
    with pytest.raises(JsonRefused, match="nesting depth exceeds"):
        extract_json("Answer: " + "[" * 100_000)
