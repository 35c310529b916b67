"""`proctor runs`: the stored runs."""
from __future__ import annotations

from proctor.commands.common import add_store_options
from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    add_store_options(sub.add_parser("runs", help="list stored runs"))


def run(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from proctor.store import RunStore

    table = Table(title="runs")
    for column in ("run", "created", "model", "completions", "verdicts"):
        table.add_column(column)
    with RunStore(args.db) as store:
        for info in store.runs():
            table.add_row(info.name, info.created, info.model or "-", str(store.count("completions", info.name)),
                          str(store.count("verdicts", info.name)))
    Console().print(table)
    return EXIT_OK
