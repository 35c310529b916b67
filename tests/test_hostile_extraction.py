"""Linear-time extraction: every host-side reader of model text on the corpus's
megabyte shapes (runs of spaces, fences, backticks, tildes, braces, `Answer:`
lines...), each within a generous bound: 0.5 s of CPU per megabyte, far above
the few milliseconds they take and far below the minutes a quadratic scan took
(a fence and 200,000 spaces, or 262,000 printed spaces, ended in the runner's
hard kill). CPU time, not wall time, so a busy machine does not fail it.
"""
from __future__ import annotations

import time

import pytest

from proctor.testing.extractors import EXTRACTORS, run
from proctor.testing.hostile import hostile_completions

SECONDS_PER_MB = 0.5
SHAPES = [c for c in hostile_completions("any") if len(c.text) <= 1_100_000]


@pytest.mark.parametrize("extractor", sorted(EXTRACTORS))
@pytest.mark.parametrize("case", SHAPES, ids=lambda c: c.name)
def test_extractor_is_fast_on_a_hostile_megabyte(extractor, case):
    bound = SECONDS_PER_MB * max(1.0, len(case.text) / 1_000_000)
    start = time.process_time()
    run(extractor, case.text)
    spent = time.process_time() - start
    assert spent <= bound, f"{extractor} took {spent:.2f} s CPU on {case.name} ({len(case.text):,} chars)"


def test_the_shapes_cover_what_the_issue_names():
    names = {c.name for c in SHAPES}
    assert {"spaces-1MB-after-fence", "fences-1MB", "backticks-1MB", "tildes-1MB", "open-braces-1MB",
            "answer-1MB-spaces", "answer-lines-1MB"} <= names
    assert sum(len(c.text) >= 900_000 for c in SHAPES) >= 20


@pytest.mark.parametrize("text, expected", [
    ("```python\nx = 1\n```\n" + " " * 200_000 + "y", "x = 1\n"),
    ("```python\nx = 1\n```" + " " * 200_000 + "y", "x = 1\n```" + " " * 200_000 + "y"),  # never closed
    ("```" + " " * 200_000 + "x", None),  # no fence line at all: the whole text is the program
])
def test_the_code_fence_cases_of_the_issue_still_extract(text, expected):
    from proctor.graders.code.extract import extract_code
    assert extract_code(text) == (text if expected is None else expected)


def test_stdout_normalisation_of_the_issue_case():
    from proctor.graders.code.compare import normalize_stdout, same_stdout
    printed = " " * 262_000 + "x\n"
    start = time.process_time()
    assert normalize_stdout(printed) == printed.rstrip("\n")
    assert same_stdout("x", "x  \r\n\n") and not same_stdout("x", " x")
    assert time.process_time() - start < SECONDS_PER_MB
