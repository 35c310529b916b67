"""`proctor tasks`: every task with its grader and parameters."""
from __future__ import annotations

import sys

from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    sub.add_parser("tasks", help="list tasks with their grader and parameters")


def run(args) -> int:
    from proctor import tasks
    from proctor.report.tables import print_table, table as new_table

    table = new_table("tasks", ("task", "grader", "parameters", "description"), name_columns=2,
                      left=("parameters", "description"))
    for name in tasks.names():
        try:
            task = tasks.get(name)
        except tasks.RegistryError as exc:  # one broken plug-in must not hide the others
            table.add_row(name, "?", "", f"[red]{exc}[/red]")
            continue
        params = ", ".join(f"{p.name}={p.default} ({p.allowed()})" for p in task.params)
        table.add_row(name, task.grader, params, task.description)
    print_table(table, width=200 if not sys.stdout.isatty() else None)
    return EXIT_OK
