"""Bounded, hostile-safe JSON parsing.

`json.loads` alone is unsafe on model text: it recurses (RecursionError near
depth 1,000), parses a million-digit integer slowly or raises ValueError past
4,300 digits, turns `1e999` into infinity, accepts NaN/Infinity, keeps the last of
duplicate keys and lets lone UTF-16 surrogates through. So size, nesting depth and
number length are measured first with C-speed regex passes, and only then is
the text handed to `json.loads` with hooks that refuse what the policy forbids.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, fields
from itertools import accumulate
from typing import Any


class JsonRefused(ValueError):
    """The text is not acceptable JSON; the message says why in plain words."""


class NotJson(JsonRefused):
    """A syntax error: the text is not JSON at all (extraction may try elsewhere)."""


@dataclass(frozen=True)
class ParsePolicy:
    max_chars: int = 1_000_000
    max_depth: int = 64
    max_number_chars: int = 100
    allow_duplicate_keys: bool = False
    allow_nonfinite: bool = False  # NaN, Infinity, -Infinity, and overflows like 1e999
    allow_lone_surrogates: bool = False

    @classmethod
    def from_dict(cls, data: dict | None) -> "ParsePolicy":
        """From a task's reference; unknown keys are an error, so typos do not pass silently."""
        if not data:
            return DEFAULT_POLICY
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown parse policy option(s): {', '.join(unknown)}; known: {', '.join(known)}")
        for name, value in data.items():
            wanted = int if known[name].type == "int" else bool
            if isinstance(value, bool) != (wanted is bool) or not isinstance(value, wanted):
                raise ValueError(f"parse policy option {name} must be {wanted.__name__}, got {value!r}")
        return cls(**data)


DEFAULT_POLICY = ParsePolicy()

# A JSON string, unrolled so the regex engine never backtracks; the closing quote
# is optional so an unterminated string swallows the rest in one linear pass
# instead of being retried from every later quote.
STRING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_RAW_SURROGATE = re.compile("[\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside strings (an upper bound for broken text)."""
    if text.count("[") + text.count("{") == 0:
        return 0
    brackets = _NOT_BRACKET.sub("", STRING_TOKEN.sub("", text))
    if not brackets:
        return 0
    return max(0, max(accumulate(map(_BRACKET_STEP.__getitem__, brackets))))


def check_bounds(text: str, policy: ParsePolicy = DEFAULT_POLICY) -> None:
    """Refuses text too long, too deep or with too long a number, without parsing it."""
    if len(text) > policy.max_chars:
        raise JsonRefused(f"JSON text is {len(text)} characters, more than the limit of {policy.max_chars}")
    too_long = re.compile(r"[0-9]{%d,}" % (policy.max_number_chars + 1))
    # Digit runs inside strings are harmless: strip strings only when a run is seen.
    long_number = too_long.search(text) and too_long.search(STRING_TOKEN.sub('""', text))
    if long_number:
        raise JsonRefused(f"a number at character {long_number.start()} has more than "
                          f"{policy.max_number_chars} digits")
    if text.count("[") + text.count("{") <= policy.max_depth:
        return  # cannot nest deeper than it has openers
    depth = nesting_depth(text)
    if depth > policy.max_depth:
        raise JsonRefused(f"JSON nesting depth {depth} exceeds the limit of {policy.max_depth}")


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number (non-finite numbers are refused)")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonRefused(f"the number {text[:40]} overflows to infinity")
    return value


def _unique_object(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonRefused(f"duplicate key {key[:80]!r} in an object (ambiguous: which value counts?)")
            seen.add(key)
    return result


def _strict_decoder(policy: ParsePolicy) -> json.JSONDecoder:
    return json.JSONDecoder(
        object_pairs_hook=None if policy.allow_duplicate_keys else _unique_object,
        parse_constant=None if policy.allow_nonfinite else _refuse_constant,
        parse_float=None if policy.allow_nonfinite else _finite_float,
    )


_DECODERS: dict[ParsePolicy, json.JSONDecoder] = {}


def _decoder(policy: ParsePolicy) -> json.JSONDecoder:
    decoder = _DECODERS.get(policy)
    if decoder is None:
        decoder = _DECODERS[policy] = _strict_decoder(policy)
    return decoder


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json(text: str, policy: ParsePolicy = DEFAULT_POLICY) -> Any:
    """The JSON value in `text` (all of it), or JsonRefused / NotJson saying why."""
    if not isinstance(text, str):
        raise NotJson("not text")
    check_bounds(text, policy)
    try:
        value = _decoder(policy).decode(text)
    except json.JSONDecodeError as exc:
        raise NotJson(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # unreachable below max_depth ~ 1,000; kept as a last guard
        raise JsonRefused("JSON nesting too deep to parse") from None
    except ValueError as exc:  # int() digit limit, should the bounds above be raised
        if isinstance(exc, JsonRefused):
            raise
        raise JsonRefused(f"a number cannot be read: {exc}") from None
    if not policy.allow_lone_surrogates and (_ESCAPED_SURROGATE.search(text) or _RAW_SURROGATE.search(text)):
        if _has_lone_surrogate(value):
            raise JsonRefused("a string holds a lone UTF-16 surrogate (not valid Unicode text)")
    return value
