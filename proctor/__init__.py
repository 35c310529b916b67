"""proctor: an external examiner for models.

Generated problems, graded against ground truth: `proctor.generate` makes
problems, `proctor.grade` scores completions. See README.md.

Names load on first use (PEP 562), so `import proctor.sandbox` inside a worker
or `proctor --help` never pays for the whole stack.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Problem": "proctor.graders.problem",
    "Verdict": "proctor.graders.problem",
    "generate": "proctor.api",
    "grade": "proctor.api",
    "PLUGIN_API": "proctor.registry",
    "BadInput": "proctor.errors",
    "InfrastructureError": "proctor.errors",
    "ProctorError": "proctor.errors",
    "RunStore": "proctor.store",
    "StoredVerdict": "proctor.store",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'proctor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
