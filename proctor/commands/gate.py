"""`proctor gate`: did the candidate regress against the baseline?

Exit 0 no, 1 yes, 2 bad input, 3 too many unscored items.
"""
from __future__ import annotations

import sys
from pathlib import Path

from proctor.commands.common import DB_HELP
from proctor.defaults import DEFAULT_ALPHA, DEFAULT_MARGIN, DEFAULT_MAX_UNSCORED
from proctor.errors import BadInput


def add_parser(sub) -> None:
    parser = sub.add_parser("gate", help="did a candidate regress against its baseline? (exit 1 if so)")
    parser.add_argument("--candidate", required=True, metavar="RUN",
                        help="run name in the store, or a verdicts JSONL file")
    parser.add_argument("--baseline", metavar="RUN",
                        help="run name or verdicts file (default: the promoted baseline of the candidate's suite)")
    parser.add_argument("--suite", help="whose promoted baseline to use (default: the candidate run's suite)")
    parser.add_argument("--margin", type=float, default=None,
                        help=f"non-inferiority margin for families the suite gives none (default {DEFAULT_MARGIN})")
    parser.add_argument("--alpha", type=float, default=None,
                        help=f"one-sided level, Holm-corrected across families (default {DEFAULT_ALPHA})")
    parser.add_argument("--max-unscored", type=float, default=None, metavar="SHARE",
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
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        candidate = load_side(args.candidate, store)
        baseline = load_side(args.baseline or promoted_baseline(store, candidate, args.suite), store)
    margins = suite_margins(candidate)
    outcome: GateOutcome = run_gate(
        baseline, candidate, margin=DEFAULT_MARGIN if args.margin is None else args.margin, margins=margins,
        alpha=DEFAULT_ALPHA if args.alpha is None else args.alpha,
        max_unscored=DEFAULT_MAX_UNSCORED if args.max_unscored is None else args.max_unscored)
    for path, text in ((args.junit, outputs.to_junit), (args.markdown, outputs.to_markdown),
                       (args.json, outputs.to_json)):
        if path:
            _write(path, text(outcome))
    # The table goes to stderr when JSON goes to stdout, so the JSON stays parseable.
    console = Console(stderr=args.json == "-", width=None if sys.stdout.isatty() else 160)
    console.print(outputs.render_table(outcome))
    for line in outputs.render_changes(outcome):
        console.print(line, markup=False, highlight=False)
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
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", path) from None
