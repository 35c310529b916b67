"""Value checks: exact by default, options, and micro-F1 partial credit."""
import pytest

from proctor.graders.json_schema.match import EXACT, MatchPolicy, compare, leaf_equal, leaves, pointers


def test_exact_match_and_mismatch():
    assert compare({"a": 1, "b": [1, {"c": "x"}]}, {"b": [1, {"c": "x"}], "a": 1}).exact
    assert not compare({"a": 1}, {"a": 2}).exact
    assert not compare([1, 2], [2, 1]).exact


def test_leaves_are_type_strict_but_one_json_number():
    assert not leaf_equal(True, 1) and not leaf_equal(1, True)
    assert not leaf_equal(0, False) and not leaf_equal(None, 0) and not leaf_equal("1", 1)
    assert leaf_equal(1, 1.0)
    assert leaf_equal({}, {}) and not leaf_equal({}, [])


def test_numeric_tolerance():
    policy = MatchPolicy.from_dict({"abs_tol": 0.01})
    assert leaf_equal(3.14159, 3.14, policy) and not leaf_equal(3.14159, 3.12, policy)
    relative = MatchPolicy.from_dict({"rel_tol": 0.001})
    assert leaf_equal(1000, 1000.9, relative) and not leaf_equal(1000, 1002, relative)
    assert not leaf_equal(3.14159, 3.14)
    assert not leaf_equal(1, True, policy)


def test_string_normalisation():
    assert not leaf_equal("New  York ", "new york")
    assert leaf_equal("New  York ", "new york",
                      MatchPolicy.from_dict({"ignore_case": True, "normalize_whitespace": True}))
    assert not leaf_equal("New York", "new york", MatchPolicy.from_dict({"normalize_whitespace": True}))


def test_unordered_arrays_everywhere_or_by_pointer():
    everywhere = MatchPolicy.from_dict({"unordered": True})
    assert compare([1, 2, 2], [2, 1, 2], everywhere).exact
    assert not compare([1, 2, 2], [2, 1, 1], everywhere).exact
    by_path = MatchPolicy.from_dict({"unordered": ["/rows/*/tags"]})
    expected = {"rows": [{"tags": ["a", "b"]}, {"tags": ["c"]}]}
    assert compare(expected, {"rows": [{"tags": ["b", "a"]}, {"tags": ["c"]}]}, by_path).exact
    assert not compare(expected, {"rows": [{"tags": ["c"]}, {"tags": ["b", "a"]}]}, by_path).exact


def test_unordered_objects_align_by_best_overlap():
    policy = MatchPolicy.from_dict({"unordered": True})
    expected = [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}]
    result = compare(expected, [{"id": 2, "n": "b"}, {"id": 1, "n": "z"}], policy)
    assert pointers(result.missed) == ["/0/n"]
    assert len(result.matched) == 3 and len(result.extra) == 1


def test_partial_credit_is_micro_f1_over_leaf_paths():
    expected = {"name": "Ada", "age": 36, "tags": ["x", "y"]}
    # one wrong value, one missing leaf, one extra key
    actual = {"name": "Ada", "age": 37, "tags": ["x"], "city": "Paris"}
    result = compare(expected, actual)
    assert pointers(result.matched) == ["/name", "/tags/0"]
    assert pointers(result.missed) == ["/age", "/tags/1"]
    assert pointers(result.extra) == ["/age", "/city"]
    # precision 2/4, recall 2/4
    assert result.f1 == pytest.approx(0.5)


def test_f1_is_one_only_when_exact():
    expected = {"a": 1, "b": 2}
    assert compare(expected, {"a": 1, "b": 2}).f1 == 1.0
    assert compare(expected, {"a": 1, "b": 2, "c": 3}).f1 < 1.0
    assert compare(expected, {"a": 1}).f1 == pytest.approx(2 / 3)


def test_wrong_type_container_loses_all_its_leaves():
    result = compare({"a": {"b": 1, "c": 2}}, {"a": [1, 2]})
    assert pointers(result.missed) == ["/a/b", "/a/c"] and pointers(result.extra) == ["/a/0", "/a/1"]
    assert result.f1 == 0.0


def test_empty_containers_are_leaves():
    assert leaves({"a": {}, "b": []}) == [("a",), ("b",)]
    assert compare({"a": []}, {"a": []}).exact
    assert not compare({"a": []}, {"a": [1]}).exact


def test_policy_validation():
    assert MatchPolicy.from_dict(None) is EXACT
    for bad in ({"partial": True}, {"abs_tol": -1}, {"abs_tol": True}, {"ignore_case": "yes"},
                {"unordered": "/a"}, {"rel_tol": float("inf")}):
        with pytest.raises(ValueError):
            MatchPolicy.from_dict(bad)


def test_huge_answer_array_under_unordered_falls_back_to_order():
    policy = MatchPolicy.from_dict({"unordered": True})
    expected = [{"k": i} for i in range(150)]
    answer = list(reversed(expected)) + [{"k": -1}] * 1000
    result = compare(expected, answer, policy)  # 150 x 1,150 pairs: past the bound
    assert not result.exact and len(result.matched) < 150
    assert compare(expected, list(reversed(expected)), policy).exact  # 150 x 150 is aligned
