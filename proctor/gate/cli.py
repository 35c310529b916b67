"""The gate's commands for `proctor`: `gate`, `plan` and `baseline`, their arguments and dispatch.

Kept apart from proctor.gate so that building the parser stays cheap: the
statistics (numpy) load only when one of these commands runs.
"""
from __future__ import annotations

import argparse

from proctor.options import finite_float, float_between

_DB_HELP = "run store path (default: $PROCTOR_DB or ./proctor.db)"


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--candidate", required=True, metavar="RUN",
                        help="run name in the store, or a verdicts JSONL file")
    parser.add_argument("--baseline", metavar="RUN",
                        help="run name or verdicts file (default: the promoted baseline of the candidate's suite)")
    parser.add_argument("--suite", help="whose promoted baseline to use (default: the candidate run's suite)")
    parser.add_argument("--margin", type=float_between(0, 1, high_open=True), default=None,
                        help="non-inferiority margin for families the suite gives none (default 0.02)")
    parser.add_argument("--alpha", type=float_between(0, 0.5, True, True), default=None,
                        help="one-sided level, Holm-corrected across families (default 0.05)")
    parser.add_argument("--max-unscored", type=float_between(0, 1), default=None, metavar="SHARE",
                        help="largest share of unscored items (grader timeout/error) per run before exit 3 "
                             "(default 0.02)")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML (one testcase per family)")
    parser.add_argument("--markdown", metavar="FILE", help="write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--json", metavar="FILE", help="write the full result as JSON ('-' for stdout)")
    parser.add_argument("--db", help=_DB_HELP)


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--margin", type=finite_float, required=True, help="non-inferiority margin, e.g. 0.02")
    parser.add_argument("--baseline-acc", type=finite_float, required=True, help="expected baseline accuracy, e.g. 0.7")
    parser.add_argument("--correlation", type=finite_float, default=0.5,
                        help="correlation of the two runs' per-item outcomes (consecutive checkpoints: 0.5-0.8)")
    parser.add_argument("--alpha", type=finite_float, default=0.05, help="one-sided level (default 0.05)")
    parser.add_argument("--power", type=finite_float, default=0.8, help="chance to flag a drop of 2 * margin (default 0.8)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_baseline_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="baseline_action", required=True, parser_class=type(parser))
    promote = actions.add_parser("promote", help="make RUN the baseline its suite's candidates are gated against")
    promote.add_argument("name", metavar="RUN")
    promote.add_argument("--suite", help="suite name (default: the suite the run was made from)")
    promote.add_argument("--db", help=_DB_HELP)
    show = actions.add_parser("show", help="list the promoted baseline of every suite")
    show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    show.add_argument("--db", help=_DB_HELP)


def add_parsers(sub) -> None:
    """Adds `gate`, `plan` and `baseline` to the `proctor` subcommands."""
    add_gate_arguments(sub.add_parser("gate", help="did a candidate regress against its baseline? (exit 1 if so)"))
    add_plan_arguments(sub.add_parser("plan", help="items per family for the gate to catch a drop of 2x the margin"))
    add_baseline_arguments(sub.add_parser("baseline", help="promote or show the accepted baseline run of a suite"))


def cmd_gate(args) -> int:
    from proctor.gate.command import cmd_gate as run

    return run(args)


def cmd_plan(args) -> int:
    from proctor.gate.plan import cmd_plan as run

    return run(args)


def cmd_baseline(args) -> int:
    from proctor.gate.baselines import cmd_baseline as run

    return run(args)


COMMANDS = {"gate": cmd_gate, "plan": cmd_plan, "baseline": cmd_baseline}
