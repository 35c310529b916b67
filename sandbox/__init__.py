"""Isolation: run untrusted code under limits. Knows nothing of grading."""
from proctor.sandbox.base import Limits, RunResult, Sandbox, SandboxError, SandboxUnavailable
from proctor.registry import Registry, RegistryError

# Built-in backend name -> the module that registers it (imported on first use,
# so choosing bwrap never imports the docker SDK).
BUILTINS = {
    "process": "proctor.sandbox.process",
    "bwrap": "proctor.sandbox.bwrap",
    "docker": "proctor.sandbox.docker",
}
DEFAULT = "bwrap"

backends: Registry = Registry("sandbox", "proctor.sandboxes", base=Sandbox, instantiate=False,
                              builtin_modules=BUILTINS)
register = backends.register


def get(name: str):
    """The sandbox backend class registered as `name` (built-in or entry point)."""
    return backends.get(name)


def names() -> list[str]:
    return backends.names()


def open_backend(name: str = DEFAULT, **options) -> Sandbox:
    """A ready backend instance. Raises SandboxUnavailable (with the reason) when
    `name` cannot isolate code on this machine, RegistryError for an unknown name."""
    return get(name)(**options)


__all__ = ["BUILTINS", "DEFAULT", "Limits", "Registry", "RegistryError", "RunResult", "Sandbox",
           "SandboxError", "SandboxUnavailable", "get", "names", "open_backend", "register"]
