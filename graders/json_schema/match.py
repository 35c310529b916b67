"""Value checks against an expected JSON value, with field-level partial credit.

Both values are compared as sets of (JSON pointer, leaf) pairs: a leaf is a
string, number, boolean, null, or an empty object/array. Exact mode requires
every pair to match and nothing extra; partial mode scores micro F1 over the
pairs (precision: the answer's pairs that match; recall: the expected pairs
found), so a missing field and an invented one both cost. Leaves are
type-strict (`true` is not `1`, `"1"` is not `1`), though 1 and 1.0 are the same
JSON number.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from typing import Any

from proctor.graders.json_schema.validate import json_pointer

MAX_LISTED_PATHS = 50
# Aligning an unordered array scores every (expected, answer) element pair; past
# these bounds (a model can write a huge array) it is compared in order instead.
MAX_UNORDERED_PAIRS = 40_000
MAX_UNORDERED_WORK = 1_000_000  # expected elements x answer leaves


@dataclass(frozen=True)
class MatchPolicy:
    partial_credit: bool = False
    abs_tol: float = 0.0  # numbers match when math.isclose(abs_tol, rel_tol) says so
    rel_tol: float = 0.0
    ignore_case: bool = False  # strings compared casefolded
    normalize_whitespace: bool = False  # strings trimmed, inner runs of whitespace -> one space
    # Arrays compared as multisets: True for all, or JSON pointer patterns of the
    # expected value's arrays ("*" stands for any one key or index: "/items/*/tags").
    unordered: bool | tuple[str, ...] = False

    @classmethod
    def from_dict(cls, data: dict | None) -> "MatchPolicy":
        if not data:
            return EXACT
        if not isinstance(data, dict):
            raise ValueError(f"match policy must be an object, got {data!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown match option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(data)
        for name in ("partial_credit", "ignore_case", "normalize_whitespace"):
            if name in values and not isinstance(values[name], bool):
                raise ValueError(f"match option {name} must be true or false, got {values[name]!r}")
        for name in ("abs_tol", "rel_tol"):
            if name in values:
                value = values[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
                        or math.isinf(value):
                    raise ValueError(f"match option {name} must be a finite number >= 0, got {value!r}")
                values[name] = float(value)
        if "unordered" in values:
            unordered = values["unordered"]
            if isinstance(unordered, list) and all(isinstance(p, str) for p in unordered):
                values["unordered"] = tuple(unordered)
            elif not isinstance(unordered, bool):
                raise ValueError(f"match option unordered must be true, false or a list of JSON pointers, "
                                 f"got {unordered!r}")
        return cls(**values)

    def is_unordered(self, path: tuple) -> bool:
        if isinstance(self.unordered, bool):
            return self.unordered
        return any(_pattern_matches(pattern, path) for pattern in self.unordered)


EXACT = MatchPolicy()
_WHITESPACE = re.compile(r"\s+")


def _pattern_matches(pattern: str, path: tuple) -> bool:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pattern.split("/")[1:]] if pattern else []
    return len(parts) == len(path) and all(p == "*" or p == str(q) for p, q in zip(parts, path))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _normal_string(text: str, policy: MatchPolicy) -> str:
    if policy.normalize_whitespace:
        text = _WHITESPACE.sub(" ", text).strip()
    if policy.ignore_case:
        text = text.casefold()
    return text


def leaf_equal(expected: Any, actual: Any, policy: MatchPolicy = EXACT) -> bool:
    if _is_number(expected):
        if not _is_number(actual):
            return False
        if expected == actual:
            return True
        return (policy.abs_tol > 0 or policy.rel_tol > 0) and \
            math.isclose(expected, actual, rel_tol=policy.rel_tol, abs_tol=policy.abs_tol)
    if isinstance(expected, str):
        return isinstance(actual, str) and _normal_string(expected, policy) == _normal_string(actual, policy)
    if isinstance(expected, bool) or expected is None:
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (dict, list)) and not expected:  # an empty container is a leaf
        return type(actual) is type(expected) and not actual
    return False


def leaves(value: Any, path: tuple = ()) -> list[tuple]:
    """Every leaf's path (as a tuple of keys and indices), in document order."""
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in leaves(item, path + (key,))]
    if isinstance(value, list) and value:
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, path + (index,))]
    return [path]


@dataclass
class Comparison:
    matched: list  # expected-side paths whose leaf was found
    missed: list  # expected-side paths not found
    extra: list  # answer-side paths that match nothing expected

    @property
    def f1(self) -> float:
        total = 2 * len(self.matched) + len(self.missed) + len(self.extra)
        return 1.0 if total == 0 else 2 * len(self.matched) / total

    @property
    def exact(self) -> bool:
        return not self.missed and not self.extra

    def absorb(self, other: "Comparison") -> None:
        self.matched += other.matched
        self.missed += other.missed
        self.extra += other.extra


def compare(expected: Any, actual: Any, policy: MatchPolicy = EXACT, path: tuple = (),
            actual_path: tuple | None = None) -> Comparison:
    """Leaf-by-leaf comparison of the answer against the expected value."""
    actual_path = path if actual_path is None else actual_path
    if isinstance(expected, dict) and expected and isinstance(actual, dict):
        result = Comparison([], [], [])
        for key, item in expected.items():
            if key in actual:
                result.absorb(compare(item, actual[key], policy, path + (key,), actual_path + (key,)))
            else:
                result.missed += leaves(item, path + (key,))
        for key, item in actual.items():
            if key not in expected:
                result.extra += leaves(item, actual_path + (key,))
        return result
    if isinstance(expected, list) and expected and isinstance(actual, list):
        if policy.is_unordered(path) and len(expected) * len(actual) <= MAX_UNORDERED_PAIRS \
                and len(expected) * len(leaves(actual)) <= MAX_UNORDERED_WORK:
            return _compare_unordered(expected, actual, policy, path, actual_path)
        result = Comparison([], [], [])
        for index, item in enumerate(expected):
            if index < len(actual):
                result.absorb(compare(item, actual[index], policy, path + (index,), actual_path + (index,)))
            else:
                result.missed += leaves(item, path + (index,))
        for index in range(len(expected), len(actual)):
            result.extra += leaves(actual[index], actual_path + (index,))
        return result
    if leaf_equal(expected, actual, policy):
        return Comparison([path], [], [])
    return Comparison([], leaves(expected, path), leaves(actual, actual_path))


def _compare_unordered(expected: list, actual: list, policy: MatchPolicy, path: tuple,
                       actual_path: tuple) -> Comparison:
    """Pairs each expected element with the answer element sharing most leaves:
    greedy by score, ties by position, so the outcome is deterministic."""
    scored = []
    for i, item in enumerate(expected):
        for j, candidate in enumerate(actual):
            comparison = compare(item, candidate, policy, path + (i,), actual_path + (j,))
            if comparison.matched:
                scored.append((-len(comparison.matched), len(comparison.missed) + len(comparison.extra), i, j,
                               comparison))
    scored.sort(key=lambda entry: entry[:4])
    result = Comparison([], [], [])
    used_expected: set[int] = set()
    used_actual: set[int] = set()
    for _, _, i, j, comparison in scored:
        if i in used_expected or j in used_actual:
            continue
        used_expected.add(i)
        used_actual.add(j)
        result.absorb(comparison)
    for i, item in enumerate(expected):
        if i not in used_expected:
            result.missed += leaves(item, path + (i,))
    for j, candidate in enumerate(actual):
        if j not in used_actual:
            result.extra += leaves(candidate, actual_path + (j,))
    return result


def pointers(paths: list, limit: int = MAX_LISTED_PATHS) -> list[str]:
    return [json_pointer(p) for p in paths[:limit]]
