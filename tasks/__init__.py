"""Tasks generate: seed -> problems, each bound to a grader by name.

Built-ins register with `@tasks.register(name)`; third parties through the
`proctor.tasks` entry point group, loaded only when asked for by name.
"""
from sandbox.registry import Registry, RegistryError
from tasks.base import CapacityError, Param, Task, TaskParameterError

# Built-in task name -> the module that registers it (imported on first use).
BUILTINS = {
    "arith.integer": "tasks.arith",
    "math.arithmetic": "tasks.math.arithmetic",
    "math.linear": "tasks.math.linear",
    "math.quadratic": "tasks.math.quadratic",
    "math.system": "tasks.math.system",
    "math.polynomial": "tasks.math.polynomial",
    "math.derivative": "tasks.math.derivative",
    "math.integral": "tasks.math.integral",
    "math.limit": "tasks.math.limit",
    "math.inequality": "tasks.math.inequality",
    "math.word": "tasks.math.word",
    "code.humaneval": "tasks.code.humaneval",
    "code.functions": "tasks.code.functions",
    "code.stdio": "tasks.code.stdio",
    "json.extract": "tasks.json.extract",
    "json.conform": "tasks.json.conform",
    "json.convert": "tasks.json.convert",
    "json.toolcall": "tasks.json.toolcall",
}

registry: Registry = Registry("task", "proctor.tasks", builtin_modules=BUILTINS)
register = registry.register


def get(name: str) -> Task:
    """The task registered as `name`, ready to generate."""
    return registry.get(name)


def names() -> list[str]:
    return registry.names()


__all__ = ["CapacityError", "Param", "RegistryError", "Task", "TaskParameterError", "get", "names", "register"]
