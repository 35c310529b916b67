"""Whether an isolating sandbox backend that cannot run here is a skip or a failure.

On a developer's machine it skips and says why. Under CI (`CI=true`, which GitHub
Actions, GitLab CI and most runners set; `.ci/run` sets it too) or with
`pytest --require-isolation` it is a failure: a broken runner must never turn the
containment, canary and reward-hack suites green by skipping them.
"""
from __future__ import annotations

import os
from typing import NoReturn

import pytest

OPTION = "--require-isolation"
_required_by_option = False  # set by conftest.py from the command line


def required() -> bool:
    return _required_by_option or os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skips the test with `reason`, or fails it when isolation is required."""
    if required():
        pytest.fail(f"{reason} [isolation is required here (CI=true or {OPTION}): a sandbox backend that "
                    f"cannot run is a failure, not a skip]", pytrace=False)
    pytest.skip(reason)
