"""`proctor graders`: every grader with its version."""
from __future__ import annotations

from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    sub.add_parser("graders", help="list graders")


def run(args) -> int:
    from proctor import graders

    for name in graders.names():
        try:
            grader = graders.get(name)
        except graders.RegistryError as exc:
            print(f"{name}\tfailed to load: {exc}")
            continue
        flag = " (sandboxed)" if grader.needs_sandbox else ""
        print(f"{name}\tversion {grader.version}{flag}")
    return EXIT_OK
