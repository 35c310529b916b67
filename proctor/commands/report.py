"""`proctor report RUN`: per-family accuracy and pass@k with 95% intervals, truncation, tokens and latency,
as a table, JSON or an HTML page."""
from __future__ import annotations

import json
from pathlib import Path

from proctor.commands.common import add_pass_at_option, add_store_options
from proctor.errors import EXIT_OK, BadInput


def add_parser(sub) -> None:
    report = sub.add_parser("report", help="per-family accuracy and pass@k of a run with 95%% confidence intervals")
    report.add_argument("name", metavar="RUN")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with plots")
    report.add_argument("--baseline", metavar="RUN", help="with --html: plot deltas against this run")
    add_pass_at_option(report)
    add_store_options(report)


def run(args) -> int:
    from proctor.store import RunStore

    if args.baseline and not args.html:
        raise BadInput("--baseline only applies to the HTML report; add --html FILE")
    if args.html:
        return _html(args)
    from proctor.report import render_table, summarize
    from proctor.report.tables import print_table

    with RunStore(args.db) as store:
        store.require_run(args.name)
        summaries = summarize(store.verdicts(args.name), pass_at=args.pass_at)
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], indent=2))
    else:
        print_table(render_table(summaries, title=f"run {args.name}"))
    return EXIT_OK


def _html(args) -> int:
    from proctor.extras import require

    require("report", "the HTML report (proctor report --html)")
    from proctor.report.html import build_report
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        page = build_report(store, args.name, args.baseline, pass_at=args.pass_at)
    try:
        # A grader's reason may quote model text holding lone surrogates: shown as `\udcff`.
        Path(args.html).write_text(page, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", args.html) from None
    print(f"wrote {args.html} ({len(page.encode()) // 1024} KiB)")
    return EXIT_OK
