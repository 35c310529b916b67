"""Every built-in function that reads model text on the host, by name: what the
extraction test (tests/test_hostile_extraction.py) bounds and the benchmark
(bench/hostile_extraction.py) times on the corpus's megabyte shapes.

Each takes the text and may raise the exceptions its grader turns into a
verdict (an unclosed box, refused JSON); the callers only time them.
"""
from __future__ import annotations

from typing import Callable

from proctor.graders.code.compare import normalize_stdout
from proctor.graders.code.extract import extract_code
from proctor.graders.extract import Unclosed, answer_statement, boxed_spans
from proctor.graders.json_schema.extract import extract_json
from proctor.graders.json_schema.parse import JsonRefused
from proctor.graders.math.extract import find_answer, math_spans
from proctor.graders.numeric import Ambiguous, extract_answer

EXPECTED_FAILURES = (Unclosed, JsonRefused, Ambiguous)


def _all(spans) -> int:
    return sum(1 for _ in spans)


EXTRACTORS: dict[str, Callable[[str], object]] = {
    "boxed spans (numeric, math)": boxed_spans,
    "Answer: statement (numeric)": answer_statement,
    "numeric answer": extract_answer,
    "math answer": find_answer,
    "math spans (last 4,000 chars)": lambda text: _all(math_spans(text[-4000:])),
    "JSON answer": extract_json,
    "code block": extract_code,
    "stdout normalisation (code)": normalize_stdout,
}


def run(name: str, text: str) -> None:
    try:
        EXTRACTORS[name](text)
    except EXPECTED_FAILURES:
        pass
