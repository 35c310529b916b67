"""Text a model produced, made storable: SQLite keeps UTF-8, and a Python str
may hold lone surrogates (a JSON "\\ud800" escape, a model server's bad
UTF-16, a candidate program's exception message), which no UTF-8 can encode.
Each becomes U+FFFD, so the item is stored and graded instead of failing the run.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from proctor.graders.problem import Verdict

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable_text(text: str) -> str:
    if text.isascii():  # the common case, at C speed
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, text)


def storable(value: Any) -> Any:
    """`value` with every str in it (dict keys too) made storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(storable(v) for v in value)
    return value


def storable_verdict(verdict: Verdict) -> Verdict:
    """The verdict with its reason, extracted value and details made storable."""
    reason, extracted, details = storable(verdict.reason), storable(verdict.extracted), storable(verdict.details)
    if reason is verdict.reason and extracted is verdict.extracted and details == verdict.details:
        return verdict
    return dataclasses.replace(verdict, reason=reason, extracted=extracted, details=details)
