"""The `proctor` command: builds the parser from proctor.commands and maps every
failure to one line and an exit code.

Exit codes: 0 done, 1 gate failed, 2 bad input, 3 infrastructure, 4 gate inconclusive.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys

from proctor.commands import COMMANDS
from proctor.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EXIT_OK, ProctorError, store_failure


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, like every other bad input
        self.exit(EXIT_BAD_INPUT, f"proctor: error: {message} (see `{self.prog} --help`)\n")


def _command(name: str):
    return importlib.import_module(f"proctor.commands.{COMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="proctor", description="Generated problems, ground-truth graders, a checkpoint gate.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        _command(name).add_parser(sub)
    return parser


def run_cli(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        # Model text printed in a table (an answer quoted by the gate) may hold lone
        # surrogates: shown as `\udcff`, as stderr already does, never an encoding error.
        sys.stdout.reconfigure(errors="backslashreplace")
    from proctor.registry import RegistryError
    from proctor.tasks.base import CapacityError, TaskParameterError

    try:
        code = _command(args.command).run(args)
    except ProctorError as exc:
        print(f"proctor: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except (RegistryError, TaskParameterError, CapacityError) as exc:
        print(f"proctor: error: {exc}", file=sys.stderr)
        code = EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("proctor: interrupted; run the same command again to resume", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except sqlite3.Error as exc:  # the store file's fault (read-only, locked, full), named as such
        from proctor.store import default_db_path

        failure = store_failure(exc, getattr(args, "db", None) or default_db_path())
        print(f"proctor: error: {failure}", file=sys.stderr)
        code = failure.exit_code
    except Exception as exc:  # an internal failure: still one line, and the infrastructure code
        if os.environ.get("PROCTOR_DEBUG"):
            raise
        print(f"proctor: internal error: {type(exc).__name__}: {exc} (set PROCTOR_DEBUG=1 for a traceback)",
              file=sys.stderr)
        code = EXIT_INFRASTRUCTURE
    sys.stdout.flush()
    return code


def main() -> None:
    sys.exit(run_cli())


if __name__ == "__main__":
    main()
