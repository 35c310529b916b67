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


def store_failure(exc: Exception, path: str) -> InfrastructureError:
    """What is wrong with the run store at `path`, in words, for an sqlite3 error
    raised while using it (the file, not proctor, is at fault)."""
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        what = ("cannot write the run store: it is read-only (proctor writes the file, and the -wal and -shm "
                "files beside it, so its folder too); fix the permissions or choose another with --db")
    elif "locked" in text or "busy" in text:
        what = "the run store is locked by another process (waited 30 s); wait for it or choose another with --db"
    elif "disk" in text or "full" in text:
        what = f"cannot write the run store: {text} (is the disk full?)"
    elif "not a database" in text or "malformed" in text:
        what = f"cannot open the run store: it is not an SQLite database, or it is damaged ({text})"
    else:
        what = f"the run store failed: {text}"
    return InfrastructureError(f"{path}: {what}")
