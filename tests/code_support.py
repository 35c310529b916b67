"""Shared set-up for the code grader tests: real sandbox backends, real HumanEval data."""
from __future__ import annotations

import functools

from proctor import sandbox
from proctor.graders.code.grader import CodeGrader
from proctor.tasks.code.humaneval import HumanEval, load_humaneval

from isolation import unavailable


@functools.lru_cache(maxsize=None)
def backend_problem(name: str) -> str | None:
    """Why backend `name` cannot run here, or None when it can."""
    try:
        backend = sandbox.open_backend(name)
    except (sandbox.SandboxUnavailable, sandbox.RegistryError) as exc:
        return f"sandbox backend {name!r} is not available here: {exc}"
    backend.close()
    return None


def require_backend(name: str) -> None:
    """Skips, or fails under CI (tests/isolation.py), when backend `name` cannot run here."""
    problem = backend_problem(name)
    if problem:
        unavailable(problem)


def grader(name: str = "bwrap", **options) -> CodeGrader:
    require_backend(name)
    return CodeGrader(sandbox=name, **options)


@functools.lru_cache(maxsize=None)
def humaneval_problems() -> dict:
    task = HumanEval()
    return {p.id: p for p in task.generate(len(load_humaneval()), seed=0)}


def canonical(problem_id: str) -> str:
    """HumanEval's canonical solution as a continuation of the prompt."""
    return humaneval_problems()[problem_id].reference["canonical_solution"]


def full_solution(problem_id: str) -> str:
    problem = humaneval_problems()[problem_id]
    return problem.reference["prompt"] + problem.reference["canonical_solution"]
