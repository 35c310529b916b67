"""`proctor gate`: did the candidate regress against the baseline? Exit 0 no, 1 yes, 2 bad input, 3 unscored."""
from __future__ import annotations

import sys
from pathlib import Path

from proctor.errors import BadInput
from proctor.gate.outcome import DEFAULT_MAX_UNSCORED, GateOutcome, run_gate
from proctor.gate.sides import Side, load_side
from proctor.gate.stats import DEFAULT_ALPHA, DEFAULT_MARGIN
from proctor.store import RunStore



def cmd_gate(args) -> int:
    from rich.console import Console

    from proctor.gate import outputs

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


def promoted_baseline(store: RunStore, candidate: Side, suite: str | None) -> str:
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


def suite_margins(candidate: Side) -> dict[str, float]:
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
