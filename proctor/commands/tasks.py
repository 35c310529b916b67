"""`proctor tasks`: every task with its grader and parameters."""
from __future__ import annotations

import sys

from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    sub.add_parser("tasks", help="list tasks with their grader and parameters")


def run(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from proctor import tasks

    table = Table(title="tasks")
    for column in ("task", "grader", "parameters", "description"):
        table.add_column(column)
    for name in tasks.names():
        try:
            task = tasks.get(name)
        except tasks.RegistryError as exc:  # one broken plug-in must not hide the others
            table.add_row(name, "?", "", f"[red]{exc}[/red]")
            continue
        params = ", ".join(f"{p.name}={p.default} ({p.allowed()})" for p in task.params)
        table.add_row(name, task.grader, params, task.description)
    Console(width=200 if not sys.stdout.isatty() else None).print(table)
    return EXIT_OK
