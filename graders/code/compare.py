"""Comparison outside the sandbox: type-strict values, and stdout text.

Values are compared in their tagged form (graders.code.protocol), so types are
exact: 1, 1.0 and True differ, a list is not a tuple, a dict matches by exact
keys whatever its order. Floats are equal when bit-identical (NaN equals NaN)
unless the test gives a tolerance, then `math.isclose(rel_tol=tol, abs_tol=tol)`.

Stdout whitespace policy (`normalize_stdout`): line endings `\\r\\n`/`\\r` become
`\\n`, trailing spaces and tabs on each line are dropped, trailing empty lines
are dropped. Everything else matters: leading spaces, spaces between tokens,
letter case, and blank lines inside the output.
"""
from __future__ import annotations

import math

from proctor.graders.code.protocol import ProtocolError, canonical, decode


def _float(text: str) -> float:
    return float.fromhex(text)


def same_value(expected, actual, tolerance: float | None = None) -> bool:
    """Exact-typed equality of two tagged values (both already well-formed)."""
    if type(actual) is not list or not actual or actual[0] != expected[0]:
        return False
    tag = expected[0]
    if tag == "float" and len(actual) == 2:
        return _same_float(_float(expected[1]), _float(actual[1]), tolerance)
    if tag == "complex" and len(actual) == 3:
        return all(_same_float(_float(e), _float(a), tolerance) for e, a in zip(expected[1:], actual[1:]))
    if tag in ("list", "tuple"):
        return len(expected[1]) == len(actual[1]) and all(
            same_value(e, a, tolerance) for e, a in zip(expected[1], actual[1]))
    if tag == "dict":
        if len(expected[1]) != len(actual[1]):
            return False
        by_key = {canonical(k): v for k, v in actual[1]}
        if len(by_key) != len(actual[1]):
            return False
        return all(canonical(k) in by_key and same_value(v, by_key[canonical(k)], tolerance)
                   for k, v in expected[1])
    # Sets, and every scalar but floats: the canonical spelling decides (sets
    # are sorted by encoding, so order does not matter; no tolerance inside sets).
    return canonical(expected) == canonical(actual)


def _same_float(expected: float, actual: float, tolerance: float | None) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if tolerance:
        return math.isclose(expected, actual, rel_tol=tolerance, abs_tol=tolerance)
    return expected == actual


def normalize_stdout(text: str) -> str:
    # Line by line, not a `[ \t]+$` regex: that one retries from every blank of
    # a long run (a program printing 262,000 spaces then "x" took minutes).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip(" \t") for line in text.split("\n")).rstrip("\n")


def same_stdout(expected: str, actual: str) -> bool:
    return normalize_stdout(expected) == normalize_stdout(actual)


def show(tagged, limit: int = 120) -> str:
    """A short readable form of a tagged value for verdict reasons. Never fails:
    the value is the candidate's, so it may be an integer past Python's
    4,300-digit str() limit, or nested to the protocol's depth limit."""
    try:
        text = _bounded_repr(decode(tagged), limit)
    except (ProtocolError, RecursionError, ValueError, MemoryError):
        text = "<malformed>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _bounded_repr(value, limit: int) -> str:
    """repr() that stops once `limit` characters are written and spells a huge
    integer by its size (writing its digits is quadratic, and refused past 4,300)."""
    out: list[str] = []
    size = 0

    def put(text: str) -> bool:
        nonlocal size
        out.append(text)
        size += len(text)
        return size <= limit

    def walk(item) -> bool:
        kind = type(item)
        if kind is int and item.bit_length() > 1024:  # more digits than a reason shows anyway
            return put(f"<int of {item.bit_length()} bits>")
        if kind in (set, frozenset) and not item:
            return put(f"{kind.__name__}()")
        if kind in (list, tuple, set, frozenset):
            opening, closing = {list: "[]", tuple: "()", set: "{}", frozenset: "{}"}[kind]
            if not put(("frozenset(" if kind is frozenset else "") + opening):
                return False
            for i, member in enumerate(item):
                if (i and not put(", ")) or not walk(member):
                    return False
            if kind is tuple and len(item) == 1 and not put(","):
                return False
            return put(closing + (")" if kind is frozenset else ""))
        if kind is dict:
            if not put("{"):
                return False
            for i, (key, member) in enumerate(item.items()):
                if (i and not put(", ")) or not walk(key) or not put(": ") or not walk(member):
                    return False
            return put("}")
        if kind in (str, bytes):
            return put(repr(item[:limit]) if len(item) <= limit else repr(item[:limit])[:-1] + "...")
        return put(repr(item))

    walk(value)
    return "".join(out)
