"""`proctor runs`: the stored runs, as a table whose names are never cut, or as JSON for scripts."""
from __future__ import annotations

import json

from proctor.commands.common import add_store_options
from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    runs = sub.add_parser("runs", help="list stored runs")
    runs.add_argument("--json", action="store_true", help="print JSON (one object per run) instead of a table")
    add_store_options(runs)


def run(args) -> int:
    from proctor.report.tables import print_table, table
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        rows = [{"run": info.name, "created": info.created, "model": info.model, "suite": info.config.get("suite"),
                 "step": info.config.get("step"), "problem_set_hash": info.problem_set_hash,
                 "problems": store.count("problems", info.name),
                 "completions": store.count("completions", info.name),
                 "verdicts": store.count("verdicts", info.name)} for info in store.runs()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    result = table("runs", ["run", "created", "model", "suite", "completions", "verdicts"], left=("created", "model",
                                                                                                  "suite"))
    for row in rows:
        result.add_row(row["run"], row["created"], row["model"] or "-", row["suite"] or "-", str(row["completions"]),
                       str(row["verdicts"]))
    print_table(result)
    return EXIT_OK
