"""Isolation: run untrusted code under limits. Knows nothing of grading."""
from sandbox.registry import Registry, RegistryError

backends: Registry = Registry("sandbox", "proctor.sandboxes", instantiate=False)
register = backends.register


def get(name: str):
    """The sandbox backend class registered as `name` (built-in or entry point)."""
    return backends.get(name)


def names() -> list[str]:
    return backends.names()


__all__ = ["Registry", "RegistryError", "get", "names", "register"]
