"""What every JSON family shares: its grader, and what a perfect and a nearly
right answer look like (the conformance kit grades both)."""
from __future__ import annotations

import copy
import json
from typing import Any

from proctor.graders.problem import Problem
from proctor.tasks.base import Task


class JsonTask(Task):
    grader = "json_schema"

    def reference_completion(self, problem: Problem) -> str:
        reference = problem.reference
        return json.dumps(reference["expected"] if "expected" in reference else reference["example"])

    def perturbed_completions(self, problem: Problem) -> list[str]:
        """With an expected value: one leaf changed. Validity only (json.conform):
        a required property left out, or the object where an array belongs."""
        reference = problem.reference
        if "expected" in reference:
            return [json.dumps(_nudge_first_leaf(copy.deepcopy(reference["expected"])))]
        example = dict(reference["example"])
        required = reference["schema"].get("required") or []
        if required:
            del example[required[0]]
            return [json.dumps(example)]
        return [json.dumps([example])]


def _nudge_first_leaf(value: Any) -> Any:
    """`value` with its first leaf (in key order) changed to another value of the same type."""
    if isinstance(value, dict) and value:
        key = sorted(value)[0]
        value[key] = _nudge_first_leaf(value[key])
        return value
    if isinstance(value, list) and value:
        value[0] = _nudge_first_leaf(value[0])
        return value
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return "x"  # null, or an empty container
