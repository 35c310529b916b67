"""`proctor plan`: items per family for the gate to catch a drop of twice the margin."""
from __future__ import annotations

import json

from proctor.defaults import DEFAULT_ALPHA, DEFAULT_CORRELATION, DEFAULT_POWER, margin_problem
from proctor.options import finite_float
from proctor.errors import EXIT_OK, BadInput


def add_parser(sub) -> None:
    plan = sub.add_parser("plan", help="items per family for the gate to catch a drop of 2x the margin")
    plan.add_argument("--margin", type=finite_float, required=True, help="non-inferiority margin, e.g. 0.02")
    plan.add_argument("--baseline-acc", type=finite_float, required=True, help="expected baseline accuracy, e.g. 0.7")
    plan.add_argument("--correlation", type=finite_float, default=DEFAULT_CORRELATION,
                      help="correlation of the two runs' per-item outcomes (consecutive checkpoints: 0.5-0.8)")
    plan.add_argument("--alpha", type=finite_float, default=DEFAULT_ALPHA, help=f"one-sided level (default {DEFAULT_ALPHA})")
    plan.add_argument("--power", type=finite_float, default=DEFAULT_POWER,
                      help=f"chance to flag a drop of 2 * margin (default {DEFAULT_POWER})")
    plan.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args) -> int:
    from proctor.gate.plan import plan_rows

    problem = margin_problem(args.margin, positive=True)
    if problem:
        raise BadInput(f"--margin: {problem}")
    rows = plan_rows(args.margin, args.baseline_acc, args.correlation, args.alpha, args.power)
    drop = 2 * args.margin
    if args.json:
        print(json.dumps({"margin": args.margin, "drop": drop, "baseline_acc": args.baseline_acc,
                          "correlation": args.correlation, "alpha": args.alpha, "power": args.power,
                          "items_per_family": rows[0]["items"], "designs": rows}, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"items per family to catch a drop of {drop:g} (margin {args.margin:g}) from accuracy "
                        f"{args.baseline_acc:g}, one-sided alpha {args.alpha:g}, power {args.power:g}")
    for column in ("design", "items per family", "actual power"):
        table.add_column(column, justify="left" if column == "design" else "right")
    for row in rows:
        table.add_row(row["design"], f"{row['items']:,}", f"{row['power']:.1%}")
    Console().print(table)
    print(f"items per family: {rows[0]['items']}")
    return EXIT_OK
