"""Tasks generate: seed -> problems, each bound to a grader by name.

Built-ins register with `@tasks.register(name)`; third parties through the
`proctor.tasks` entry point group, loaded only when asked for by name.
"""
from proctor.registry import Registry, RegistryError
from proctor.tasks.base import CapacityError, Param, Task, TaskParameterError

# Built-in task name -> the module that registers it (imported on first use).
BUILTINS = {
    "arith.integer": "proctor.tasks.arith",
    "math.arithmetic": "proctor.tasks.math.arithmetic",
    "math.linear": "proctor.tasks.math.linear",
    "math.quadratic": "proctor.tasks.math.quadratic",
    "math.system": "proctor.tasks.math.system",
    "math.polynomial": "proctor.tasks.math.polynomial",
    "math.derivative": "proctor.tasks.math.derivative",
    "math.integral": "proctor.tasks.math.integral",
    "math.limit": "proctor.tasks.math.limit",
    "math.inequality": "proctor.tasks.math.inequality",
    "math.word": "proctor.tasks.math.word",
    "code.humaneval": "proctor.tasks.code.humaneval",
    "code.functions": "proctor.tasks.code.functions",
    "code.stdio": "proctor.tasks.code.stdio",
    "json.extract": "proctor.tasks.json.extract",
    "json.conform": "proctor.tasks.json.conform",
    "json.convert": "proctor.tasks.json.convert",
    "json.toolcall": "proctor.tasks.json.toolcall",
}

registry: Registry = Registry("task", "proctor.tasks", base=Task, builtin_modules=BUILTINS)
register = registry.register


def get(name: str) -> Task:
    """The task registered as `name`, ready to generate."""
    return registry.get(name)


def names() -> list[str]:
    return registry.names()


__all__ = ["CapacityError", "Param", "RegistryError", "Task", "TaskParameterError", "get", "names", "register"]
