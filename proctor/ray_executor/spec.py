"""Grader specs: how a grader travels to a Ray node.

A grader is never pickled: closures and modules often fail to (veRL builds its
score function inside the worker for that reason), and an object unpickled on a
node hides the question that matters there, "is this grader installed here, at
the version the driver runs?". A spec names the grader, the module that defines
it and the package that ships that module; the node imports, opens and checks it,
and refuses with one line naming itself and the package when it cannot.
"""
from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass

from proctor import graders
from proctor.errors import BadInput
from proctor.registry import RegistryError


@dataclass(frozen=True)
class GraderSpec:
    name: str
    version: str = "?"           # the grader's `version` on the driver; a node must run the same
    module: str | None = None    # defines the grader; None when the driver cannot load it either
    package: str | None = None   # the distribution that ships `module`, when one does
    package_version: str | None = None

    def needs(self) -> str:
        """What a node must have installed for this grader, for the error line."""
        if self.package:
            return f"package {self.package}" + (f" {self.package_version}" if self.package_version else "")
        return f"module {self.module}"


def grader_spec(name: str) -> GraderSpec:
    """The spec of a grader this process can load (driver side).

    A grader the driver cannot load gets a bare spec: the node does not check it,
    and each of its items gets the same `error` verdict as in the local pool."""
    try:
        grader = graders.get(name)
    except RegistryError:
        return GraderSpec(name)
    module = type(grader).__module__
    if module == "__main__":
        raise BadInput(f"grader {name!r} is defined in the driver's script; Ray nodes open graders by name, so "
                       f"it must live in an installed module (a plug-in with a proctor.graders entry point)")
    package = _package_of(name, module)
    version = None
    if package:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return GraderSpec(name, str(getattr(grader, "version", "?")), module, package, version)


def _package_of(name: str, module: str) -> str | None:
    for ep in importlib.metadata.entry_points(group="proctor.graders"):
        if ep.name == name and getattr(ep, "dist", None) is not None:
            return ep.dist.name
    top = module.split(".")[0]
    if top == "proctor":
        return "proctor"
    found = importlib.metadata.packages_distributions().get(top)
    return found[0] if found else None


class GraderUnavailable(Exception):
    """A node cannot grade with a spec's grader; the message is the one line to show."""


def open_grader(spec: GraderSpec, node: str) -> None:
    """Imports, loads and checks a spec's grader here (node side), or raises GraderUnavailable."""
    if spec.module is None:
        return
    from proctor.errors import ProctorError
    from proctor.grading import check_graders  # here, not at the top: grading workers import this module

    try:
        importlib.import_module(spec.module)
        grader = graders.get(spec.name)
    except (ImportError, RegistryError) as exc:
        raise GraderUnavailable(f"{node}: grader {spec.name!r} needs {spec.needs()}, which is not installed "
                                f"there ({type(exc).__name__}: {exc}); install it on every node") from None
    version = str(getattr(grader, "version", "?"))
    if version != spec.version:
        raise GraderUnavailable(f"{node}: grader {spec.name!r} is version {version} there and {spec.version} on "
                                f"the driver; install the same {spec.needs()} on every node")
    try:
        check_graders([spec.name])  # the local pool's own check: a grader that cannot isolate code refuses
    except ProctorError as exc:
        raise GraderUnavailable(f"{node}: {exc} (every node needs bubblewrap and cgroups: docs/scale.md)") from None


def worker_setup(modules: tuple[str, ...]) -> None:
    """What each grading process of an actor runs first (it must not import Ray).

    It dies with its parent, the actor's forkserver, which exits with the actor:
    an actor killed by the watchdog or lost with its node leaves no grader behind,
    not even one stuck in C code. Then it imports the modules that register graders
    outside the built-ins and entry points."""
    _die_with_parent()
    for module in modules:
        importlib.import_module(module)


def _die_with_parent() -> None:
    import ctypes
    import os
    import signal

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own kill still applies
        return
    if os.getppid() != parent:  # the parent died before the request took
        os._exit(1)


@dataclass(frozen=True)
class Refusal:
    """An actor's answer instead of verdicts when it cannot grade: the line to show."""
    message: str
