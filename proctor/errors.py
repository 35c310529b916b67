"""The failures a user can see, each with its exit code.

0 done, 1 gate failed, 2 bad input, 3 infrastructure, 4 gate inconclusive (no
regression shown, but some family's n cannot detect the drop it must). Bad input is reported as
one line naming the file, the line, the field and what is allowed; never a traceback.
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3
EXIT_INCONCLUSIVE = 4


class ProctorError(Exception):
    exit_code = EXIT_INFRASTRUCTURE


class BadInput(ProctorError):
    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(where + message)
        self.file, self.line = file, line


class InfrastructureError(ProctorError):
    exit_code = EXIT_INFRASTRUCTURE
