"""`proctor baseline promote RUN [--suite NAME]` / `proctor baseline show`: the accepted run per suite."""
from __future__ import annotations

import json

from proctor.commands.common import DB_HELP
from proctor.errors import BadInput


def add_parser(sub) -> None:
    parser = sub.add_parser("baseline", help="promote or show the accepted baseline run of a suite")
    actions = parser.add_subparsers(dest="baseline_action", required=True, parser_class=type(parser))
    promote = actions.add_parser("promote", help="make RUN the baseline its suite's candidates are gated against")
    promote.add_argument("name", metavar="RUN")
    promote.add_argument("--suite", help="suite name (default: the suite the run was made from)")
    promote.add_argument("--db", help=DB_HELP)
    show = actions.add_parser("show", help="list the promoted baseline of every suite")
    show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    show.add_argument("--db", help=DB_HELP)


def run(args) -> int:
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        if args.baseline_action == "promote":
            return _promote(store, args.name, args.suite)
        return _show(store, args.json)


def _promote(store, run: str, suite: str | None) -> int:
    info = store.require_run(run)
    suite = suite or info.config.get("suite")
    if not suite:
        raise BadInput(f"run {run!r} was not made from a suite; name one with --suite NAME")
    if store.count("verdicts", run) == 0:
        raise BadInput(f"run {run!r} has no verdicts yet; grade it before promoting it")
    previous = dict((s, r) for s, r, _ in store.baselines()).get(suite)
    store.promote_baseline(suite, run)
    replaced = f" (was {previous!r})" if previous and previous != run else ""
    print(f"baseline of suite {suite!r} is now run {run!r}{replaced}")
    return 0


def _show(store, as_json: bool) -> int:
    rows = []
    for suite, run, promoted in store.baselines():
        info = store.run(run)
        rows.append({"suite": suite, "run": run, "promoted": promoted, "model": info.model if info else None,
                     "created": info.created if info else None, "exists": info is not None})
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    from proctor.report.tables import print_table, table

    result = table("baselines", ("suite", "run", "model", "run created", "promoted"), name_columns=2,
                   left=("model", "run created", "promoted"))
    for row in rows:
        run = row["run"] if row["exists"] else f"{row['run']} (deleted)"
        result.add_row(row["suite"], run, row["model"] or "-", row["created"] or "-", row["promoted"])
    print_table(result)
    return 0
