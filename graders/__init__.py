"""Graders decide: (problem, completion) -> Verdict.

Built-ins register with `@graders.register(name)`; third parties through the
`proctor.graders` entry point group, loaded only when asked for by name.
"""
from proctor.graders.base import Grader
from proctor.graders.problem import STATUSES, UNSCORED, Problem, Verdict, canonical_json
from proctor.registry import Registry, RegistryError

# Built-in grader name -> the module that registers it (imported on first use).
BUILTINS = {
    "numeric": "proctor.graders.numeric",
    "math": "proctor.graders.math.grader",
    "code": "proctor.graders.code.grader",
    "json_schema": "proctor.graders.json_schema.grader",
}

registry: Registry = Registry("grader", "proctor.graders", base=Grader, builtin_modules=BUILTINS)
register = registry.register


def get(name: str) -> Grader:
    """The grader registered as `name`, ready to call."""
    return registry.get(name)


def names() -> list[str]:
    return registry.names()


__all__ = ["Grader", "Problem", "Verdict", "STATUSES", "UNSCORED", "RegistryError",
           "canonical_json", "get", "names", "register"]
