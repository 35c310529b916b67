"""The two records every grader speaks: a Problem in, a Verdict out."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("correct", "incorrect", "unparsable", "timeout", "error")
# timeout and error are the grader's failures, not the model's: reports and the
# gate count them apart as "unscored".
UNSCORED = frozenset({"timeout", "error"})


@dataclass(frozen=True)
class Problem:
    id: str
    task: str
    prompt: str
    reference: Any  # whatever the grader needs; never shown to the model
    metadata: dict = field(default_factory=dict)  # seed, index, params, difficulty

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        return cls(
            id=str(data["id"]),
            task=str(data["task"]),
            prompt=str(data["prompt"]),
            reference=data.get("reference"),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass(frozen=True)
class Verdict:
    status: str
    score: float
    extracted: Any = None
    reason: str = ""
    details: dict = field(default_factory=dict)
    elapsed_ms: float = 0.0

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"verdict status {self.status!r} is not one of {', '.join(STATUSES)}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"verdict score {self.score} is outside [0, 1]")
        if self.score == 1.0 and self.status != "correct":
            raise ValueError("a score of 1 is only for correct verdicts")

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    @property
    def scored(self) -> bool:
        return self.status not in UNSCORED

    # The factories take keywords only, with the same names everywhere
    # (`extracted`: what the grader read; `reason`: why, in words), so a call
    # reads the same whatever verdict it makes. Other keywords go to `details`.
    @classmethod
    def correct(cls, *, extracted: Any = None, reason: str = "matches the reference", **details) -> "Verdict":
        return cls("correct", 1.0, extracted, reason, details)

    @classmethod
    def incorrect(cls, *, extracted: Any = None, reason: str = "does not match the reference",
                  score: float = 0.0, **details) -> "Verdict":
        """`score` below 1 is partial credit."""
        return cls("incorrect", score, extracted, reason, details)

    @classmethod
    def unparsable(cls, *, extracted: Any = None, reason: str, **details) -> "Verdict":
        return cls("unparsable", 0.0, extracted, reason, details)

    @classmethod
    def timeout(cls, *, extracted: Any = None, reason: str = "grader timed out", **details) -> "Verdict":
        return cls("timeout", 0.0, extracted, reason, details)

    @classmethod
    def error(cls, *, extracted: Any = None, reason: str, **details) -> "Verdict":
        return cls("error", 0.0, extracted, reason, details)

    def with_elapsed(self, elapsed_ms: float) -> "Verdict":
        return dataclasses.replace(self, elapsed_ms=round(elapsed_ms, 3))

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["passed"] = self.passed
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Verdict":
        return cls(
            status=data["status"],
            score=float(data["score"]),
            extracted=data.get("extracted"),
            reason=data.get("reason", ""),
            details=dict(data.get("details") or {}),
            elapsed_ms=float(data.get("elapsed_ms", 0.0)),
        )


def canonical_json(value: Any) -> str:
    """One byte-exact JSON spelling: the basis of reproducible problem files and hashes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def json_text(value: Any) -> str:
    """JSON as readable UTF-8 where it can be, and ASCII-escaped where the value holds lone
    surrogates (model output may: a decoder's surrogateescape, a `\\udcff` escape), which UTF-8
    cannot encode. Either spelling reads back as the same value."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if is_utf8(text) else json.dumps(value, default=str)
