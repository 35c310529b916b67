"""A named registry of plug-ins: built-ins register with a decorator, third
parties through an entry point group, loaded lazily by name.

It is the bottom layer, a module of its own, because imports run one way
(registry <- sandbox <- graders <- tasks <- proctor) and all three registries share it.

The registry also checks the plug-in contract when it loads a plug-in: the
object is a subclass of its kind's base class (`Grader`, `Task`, `Sandbox`),
its declared `name` is the name it is registered under (a name is never
assigned by the registry, so an instance made directly behaves exactly like
the registered one), and its `plugin_api` is the one this proctor speaks.
"""
from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")

# The version of the plug-in contract: the base classes' hooks and their
# meaning, the keyword-only Param and Verdict factories, the Grader's guard path
# (README, "Writing a plug-in"). Bumped when a plug-in written for the previous
# version could misbehave; a plug-in declares the version it was written for
# (`plugin_api = 1`, defaulting to the running proctor's), and one declaring
# another is refused at load with one line naming both.
PLUGIN_API = 1


class RegistryError(Exception):
    """A plug-in name is unknown, taken twice, or its entry point is broken."""


class Registry(Generic[T]):
    def __init__(self, kind: str, entry_point_group: str, *, base: type, instantiate: bool = True,
                 builtin_modules: dict[str, str] | None = None):
        # With instantiate, a registered class is called once on first use, so
        # `get` hands back a ready object (a Grader, a Task) and plug-ins stay cheap
        # to import until somebody asks for them by name.
        self.instantiate = instantiate
        self.kind = kind
        self.base = base  # every plug-in of this kind subclasses it
        # name -> module that registers it; imported on first `get`, so listing
        # names or using one grader never pays for importing sympy or docker.
        self.builtin_modules = dict(builtin_modules or {})
        self.group = entry_point_group
        self._builtins: dict[str, tuple[T, str]] = {}
        self._entry_points: dict[str, importlib.metadata.EntryPoint] | None = None
        self._loaded: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator for built-ins: `@graders.register("numeric")`."""

        def decorate(obj: T) -> T:
            source = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
            if name in self._builtins:
                raise RegistryError(
                    f"{self.kind} {name!r} is registered twice: by {self._builtins[name][1]} "
                    f"and by {source}"
                )
            self.check_contract(name, obj, source)
            self._builtins[name] = (obj, source)
            return obj

        return decorate

    def _plugins(self) -> dict[str, importlib.metadata.EntryPoint]:
        if self._entry_points is None:
            found: dict[str, importlib.metadata.EntryPoint] = {}
            for ep in importlib.metadata.entry_points(group=self.group):
                if ep.name in found and found[ep.name].value != ep.value:
                    raise RegistryError(
                        f"{self.kind} {ep.name!r} is registered twice: by entry point "
                        f"{_describe(found[ep.name])} and by entry point {_describe(ep)}"
                    )
                found[ep.name] = ep
            self._entry_points = found
        return self._entry_points

    def _check_conflict(self, name: str) -> None:
        plugin = self._plugins().get(name)
        if plugin is not None and name in self._builtins:
            raise RegistryError(
                f"{self.kind} {name!r} is registered twice: by {self._builtins[name][1]} "
                f"and by entry point {_describe(plugin)}"
            )

    def _import_builtin(self, name: str) -> None:
        module = self.builtin_modules.get(name)
        if module is not None and name not in self._builtins:
            try:
                importlib.import_module(module)
            except Exception as exc:
                raise RegistryError(f"built-in {self.kind} {name!r}: module {module} failed to import: "
                                    f"{type(exc).__name__}: {exc}") from exc

    def names(self) -> list[str]:
        builtin = set(self._builtins) | set(self.builtin_modules)
        for name in self._plugins():
            if name in builtin:
                self._import_builtin(name)
                self._check_conflict(name)
        return sorted(builtin | set(self._plugins()))

    def get(self, name: str) -> T:
        if name in self._loaded:
            return self._loaded[name]
        self._import_builtin(name)
        self._check_conflict(name)
        if name in self._builtins:
            obj = self._builtins[name][0]
        elif name in self._plugins():
            ep = self._plugins()[name]
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plug-in must not look like an unknown name
                raise RegistryError(
                    f"{self.kind} {name!r}: entry point {_describe(ep)} failed to load: {exc}"
                ) from exc
            self.check_contract(name, obj, "entry point " + _describe(ep))
        else:
            known = ", ".join(self.names()) or "none"
            raise RegistryError(f"unknown {self.kind} {name!r}; known: {known}")
        if self.instantiate and isinstance(obj, type):
            obj = obj()
        self._loaded[name] = obj
        return obj

    def check_contract(self, name: str, obj: Any, source: str) -> None:
        """Raises RegistryError, in one line naming the plug-in, when `obj` breaks the contract."""
        cls = obj if isinstance(obj, type) else type(obj)
        if not issubclass(cls, self.base):
            raise RegistryError(f"{self.kind} {name!r} ({source}) is not a subclass of "
                                f"{self.base.__module__}.{self.base.__qualname__}")
        if obj.plugin_api != PLUGIN_API:
            raise RegistryError(f"{self.kind} {name!r} ({source}) declares plugin API {obj.plugin_api!r}; "
                                f"this proctor supports plugin API {PLUGIN_API}")
        declared = obj.name
        if declared != name:
            raise RegistryError(f"{self.kind} {name!r} ({source}) declares name {declared!r}; "
                                f"set name = {name!r} on the class, the name it is registered under")

    def source(self, name: str) -> str:
        self._import_builtin(name)
        if name in self._builtins:
            return self._builtins[name][1]
        return "entry point " + _describe(self._plugins()[name])


def _describe(ep: importlib.metadata.EntryPoint) -> str:
    dist: Any = getattr(ep, "dist", None)
    where = f" (distribution {dist.name})" if dist is not None else ""
    return f"{ep.value}{where}"
