"""`proctor gate`: did the candidate regress against the baseline?

Exit 0 no, 1 yes, 2 bad input, 3 too many unscored items, 4 inconclusive (no
regression shown, but some test's n cannot see the drop it must).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proctor.commands.common import DB_HELP
from proctor.defaults import (DEFAULT_ALPHA, DEFAULT_DETECTABLE_DROP_FACTOR, DEFAULT_GATE_PASS_AT, DEFAULT_MARGIN,
                              DEFAULT_MAX_UNSCORED, DEFAULT_POWER)
from proctor.options import finite_float, float_between
from proctor.errors import BadInput


def detectable_drop(text: str) -> tuple[str, float]:
    """`--detectable-drop 0.05` (accuracy points) or `--detectable-drop 2x` (times each test's margin)."""
    factor = text.strip().lower().endswith("x")
    try:
        value = float(text.strip()[:-1] if factor else text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a drop in accuracy points (0.05) or a multiple of the "
                                         f"margin (2x)") from None
    if value != value:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    return ("factor" if factor else "drop"), value


def add_parser(sub) -> None:
    parser = sub.add_parser("gate", help="did a candidate regress against its baseline? (exit 1 if so, 4 if the "
                                         "runs are too small to tell)")
    parser.add_argument("--candidate", required=True, metavar="RUN",
                        help="run name in the store, or a verdicts JSONL file")
    parser.add_argument("--baseline", metavar="RUN",
                        help="run name or verdicts file (default: the promoted baseline of the candidate's suite)")
    parser.add_argument("--suite", help="whose promoted baseline to use (default: the candidate run's suite)")
    parser.add_argument("--margin", type=finite_float, default=None,
                        help=f"non-inferiority margin for families the suite gives none (default {DEFAULT_MARGIN})")
    parser.add_argument("--alpha", type=float_between(0, 0.5, True, True), default=None,
                        help=f"one-sided level, Holm-corrected across families (default {DEFAULT_ALPHA})")
    parser.add_argument("--overall-margin", type=finite_float, default=None, metavar="M",
                        help="margin of the overall test over all families' items (default: the item-weighted mean "
                             "of the families' margins)")
    parser.add_argument("--detectable-drop", type=detectable_drop, default=None, metavar="DROP|Fx",
                        help="the true drop each test's n must be able to see, else the gate is inconclusive: "
                             "accuracy points (0.05) or a multiple of each margin (3x) "
                             f"(default {DEFAULT_DETECTABLE_DROP_FACTOR:g}x, what `proctor plan` sizes for)")
    parser.add_argument("--power", type=finite_float, default=DEFAULT_POWER,
                        help=f"the probability with which that drop must be seen (default {DEFAULT_POWER:g})")
    parser.add_argument("--allow-underpowered", action="store_true",
                        help="pass (exit 0) where the only fault is too few items; the outputs still say so")
    parser.add_argument("--pass-at", type=int, default=DEFAULT_GATE_PASS_AT, metavar="K",
                        help="compare pass@K per problem (needs K samples per problem in both runs; default "
                             f"{DEFAULT_GATE_PASS_AT}: the mean score)")
    parser.add_argument("--max-unscored", type=float_between(0, 1), default=None, metavar="SHARE",
                        help="largest share of unscored items (grader timeout/error) per run before exit 3 "
                             f"(default {DEFAULT_MAX_UNSCORED})")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML (one testcase per family)")
    parser.add_argument("--markdown", metavar="FILE", help="write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--json", metavar="FILE", help="write the full result as JSON ('-' for stdout)")
    parser.add_argument("--db", help=DB_HELP)


def run(args) -> int:
    from rich.console import Console

    from proctor.gate import outputs
    from proctor.gate.outcome import GateOutcome, run_gate
    from proctor.gate.sides import load_side
    from proctor.report.tables import print_table
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        candidate = load_side(args.candidate, store)
        baseline = load_side(args.baseline or promoted_baseline(store, candidate, args.suite), store)
    margins = suite_margins(candidate)
    kind, value = args.detectable_drop or ("factor", DEFAULT_DETECTABLE_DROP_FACTOR)
    outcome: GateOutcome = run_gate(
        baseline, candidate, margin=DEFAULT_MARGIN if args.margin is None else args.margin, margins=margins,
        alpha=DEFAULT_ALPHA if args.alpha is None else args.alpha,
        max_unscored=DEFAULT_MAX_UNSCORED if args.max_unscored is None else args.max_unscored,
        drop=value if kind == "drop" else None,
        drop_factor=value if kind == "factor" else DEFAULT_DETECTABLE_DROP_FACTOR, power=args.power,
        overall_margin=args.overall_margin, allow_underpowered=args.allow_underpowered, pass_at=args.pass_at)
    for path, text in ((args.junit, outputs.to_junit), (args.markdown, outputs.to_markdown),
                       (args.json, outputs.to_json)):
        if path:
            _write(path, text(outcome))
    # The table goes to stderr when JSON goes to stdout, so the JSON stays parseable.
    to_stderr = args.json == "-"
    width = None if (sys.stderr if to_stderr else sys.stdout).isatty() else 160
    print_table(outputs.render_table(outcome), stderr=to_stderr, width=width)
    console = Console(stderr=to_stderr, width=width)
    for line in outputs.render_changes(outcome):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return outcome.exit_code


def promoted_baseline(store, candidate, suite: str | None) -> str:
    if suite is None:
        suite = candidate.info.config.get("suite") if candidate.info else None
    if suite is None:
        raise BadInput(f"no --baseline given, and the {candidate.describe()} names no suite whose promoted baseline "
                       "to use; pass --baseline RUN or --suite NAME")
    for name, run, _ in store.baselines():
        if name == suite:
            return run
    raise BadInput(f"no baseline promoted for suite {suite!r}; run `proctor baseline promote RUN --suite {suite}` "
                   "or pass --baseline RUN")


def suite_margins(candidate) -> dict[str, float]:
    """Per-family margins the suite file declared, as `proctor run` stored them in the run's config."""
    margins = candidate.info.config.get("margins") if candidate.info else None
    if margins is None:
        return {}
    if not isinstance(margins, dict):
        raise BadInput(f"the {candidate.describe()} has config 'margins' that is not a table of family = margin")
    return margins


def _write(path: str, text: str) -> None:
    # A model's answer quoted in a report may hold lone surrogates, which UTF-8 cannot encode:
    # written as `\udcff`, which JSON reads back as the same text and Markdown/XML show as is.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", path) from None
