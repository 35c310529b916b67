"""`proctor report RUN [--baseline RUN] --html FILE`: one self-contained HTML page with plots.

Everything is inline (SVG from matplotlib, CSS), so the file opens offline and
can be attached to a CI job as a single artifact.
"""
from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from proctor.errors import BadInput
from proctor.extras import require
from proctor.report.summary import accuracy_interval, summarize
from proctor.store import RunInfo, RunStore, StoredVerdict

SLOWEST = 15
UNSCORED_LISTED = 50

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 0.5em 0; } figure svg { max-width: 100%; height: auto; }
.regressed { color: #b00; font-weight: bold; } .note { color: #666; }
"""


def cmd_html_report(args) -> int:
    if not args.html:
        raise BadInput("--baseline only applies to the HTML report; add --html FILE")
    with RunStore(args.db) as store:
        page = build_report(store, args.name, args.baseline)
    try:
        # A grader's reason may quote model text holding lone surrogates: shown as `\udcff`.
        Path(args.html).write_text(page, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", args.html) from None
    print(f"wrote {args.html} ({len(page.encode()) // 1024} KiB)")
    return 0


def build_report(store: RunStore, run: str, baseline: str | None = None) -> str:
    require("report", "the HTML report (proctor report --html)")
    from proctor.report import plots

    info = store.require_run(run)
    verdicts = list(store.verdicts(run))
    difficulty = {p.id: p.metadata.get("difficulty") for p in store.problems(run)}
    summaries = summarize(verdicts)
    sections = [_header(info, store.run(baseline) if baseline else None)]

    scored = [s for s in summaries if s.accuracy is not None]
    sections.append("<h2>Accuracy per family</h2>")
    if scored:
        sections.append(_figure("accuracy", plots.accuracy_bars(
            [plots.Estimate(s.task, s.accuracy, s.ci_low, s.ci_high) for s in scored], f"run {run}")))
    sections.append(_summary_table(summaries))

    sections.append("<h2>Accuracy by difficulty level</h2>")
    levels = accuracy_by_difficulty(verdicts, difficulty)
    if levels:
        sections.append(_figure("difficulty", plots.difficulty_lines(levels, "accuracy by difficulty within each family")))
    else:
        sections.append('<p class="note">No problem of this run records a difficulty level.</p>')

    if baseline:
        sections += _delta_section(store, run, baseline)

    sections += _trend_section(store, info)
    sections += _slowest_and_unscored(verdicts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>proctor report: {html.escape(run)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def accuracy_by_difficulty(verdicts: list[StoredVerdict], difficulty: dict[str, object]):
    """family -> [(level, Estimate)] over scored items whose problem records an integer difficulty."""
    from proctor.report.plots import Estimate

    per_item: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        level = difficulty.get(v.id)
        if v.verdict.scored and isinstance(level, int) and not isinstance(level, bool):
            per_item[(v.task, level)][v.id].append(v.verdict.score)
    out: dict[str, list] = defaultdict(list)
    for (family, level), items in sorted(per_item.items()):
        out[family].append((level, Estimate(str(level), *accuracy_interval([sum(s) / len(s) for s in items.values()]))))
    return dict(out)


def trend_points(store: RunStore, info: RunInfo):
    """The suite's per-family accuracy over every stored run of the same model and suite.

    x is the checkpoint step (config "step") when every such run records one, else the run's creation time.
    """
    from proctor.report.plots import Estimate

    suite = info.config.get("suite")
    peers = [r for r in store.runs() if r.model == info.model and r.config.get("suite") == suite]
    by_step = all(isinstance(r.config.get("step"), (int, float)) for r in peers)
    series: dict[str, list] = defaultdict(list)
    current = None
    for peer in peers:
        x = peer.config["step"] if by_step else _created(peer)
        if peer.name == info.name:
            current = x
        for s in summarize(store.verdicts(peer.name)):
            if s.accuracy is not None:
                series[s.task].append((x, Estimate(peer.name, s.accuracy, s.ci_low, s.ci_high)))
    return dict(series), ("checkpoint step" if by_step else "run date"), current, len(peers)


def _delta_section(store: RunStore, run: str, baseline: str) -> list[str]:
    from proctor.report import plots
    from proctor.gate.outcome import run_gate
    from proctor.gate.sides import load_run

    outcome = run_gate(load_run(store, baseline), load_run(store, run), max_unscored=1.0)
    parts = [f"<h2>Against baseline {html.escape(baseline)}</h2>",
             f'<p>Paired per problem; problems checked: {html.escape(outcome.identity)}. '
             f'Gate verdict: <span class="{outcome.status}">{html.escape(outcome.status)}</span> '
             f"(one-sided alpha {outcome.alpha:g}, Holm across families).</p>"]
    if outcome.result is None:
        return parts + ['<p class="note">No scored items to compare.</p>']
    results = outcome.result.families
    confidence = f"{results[0].confidence:.0%}"
    parts.append(_figure("delta", plots.delta_forest(
        [(plots.Estimate(r.family, r.delta, r.ci_low, r.ci_high), r.margin, r.regressed) for r in results],
        f"run {run} minus baseline {baseline}", confidence)))
    rows = [[r.family, r.n, f"{r.baseline_mean:.3f}", f"{r.candidate_mean:.3f}",
             f"{r.delta:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]", f"{r.margin:g}", f"{len(r.lost)} / {len(r.gained)}",
             f"{r.p_adjusted:.3g}", r.verdict] for r in results]
    parts.append(_table(["family", "n", "baseline", "candidate", f"delta [{confidence} CI]", "margin",
                         "lost / gained", "p (Holm)", "verdict"], rows))
    return parts


def _trend_section(store: RunStore, info: RunInfo) -> list[str]:
    from proctor.report import plots

    series, x_label, current, count = trend_points(store, info)
    suite = info.config.get("suite")
    what = f"model {info.model or '(none recorded)'}, suite {suite or '(none recorded)'}"
    parts = ["<h2>Trend over runs</h2>", f"<p>{count} stored run(s) of {html.escape(what)}.</p>"]
    if series:
        parts.append(_figure("trend", plots.trend_lines(series, f"accuracy over runs ({what})", x_label, current)))
    return parts


def _slowest_and_unscored(verdicts: list[StoredVerdict]) -> list[str]:
    from proctor.report import plots

    parts = ["<h2>Slowest items</h2>"]
    slowest = sorted(verdicts, key=lambda v: (-v.verdict.elapsed_ms, v.id, v.sample))[:SLOWEST]
    if slowest:
        parts.append(_figure("slowest", plots.slowest_bars(
            [(_item_label(v), v.verdict.elapsed_ms, v.verdict.status) for v in slowest],
            f"the {len(slowest)} slowest items to grade")))
        parts.append(_table(["problem", "task", "sample", "status", "ms"],
                            [[v.id, v.task, v.sample, v.verdict.status, f"{v.verdict.elapsed_ms:.1f}"]
                             for v in slowest]))
    unscored = [v for v in verdicts if not v.verdict.scored]
    parts.append(f"<h2>Unscored items ({len(unscored)})</h2>")
    if unscored:
        parts.append('<p class="note">Grader timeouts and errors: not the model\'s fault, excluded from accuracy.</p>')
        parts.append(_table(["problem", "task", "sample", "status", "reason"],
                            [[v.id, v.task, v.sample, v.verdict.status, v.verdict.reason]
                             for v in unscored[:UNSCORED_LISTED]], table_id="unscored"))
        if len(unscored) > UNSCORED_LISTED:
            parts.append(f'<p class="note">... and {len(unscored) - UNSCORED_LISTED} more.</p>')
    else:
        parts.append('<p class="note">None: every item was scored.</p>')
    return parts


def _header(info: RunInfo, baseline: RunInfo | None) -> str:
    rows = [["run", info.name], ["model", info.model or "-"], ["created", info.created],
            ["suite", info.config.get("suite") or "-"], ["step", info.config.get("step", "-")],
            ["problem set", (info.problem_set_hash or "-")[:16]]]
    if baseline is not None:
        rows.append(["baseline", f"{baseline.name} ({baseline.model or '-'}, {baseline.created})"])
    return f"<h1>proctor report: {html.escape(info.name)}</h1>" + _table(["", ""], rows)


def _summary_table(summaries) -> str:
    rows = [[s.task, s.items, s.samples, "-" if s.accuracy is None else f"{s.accuracy:.3f}",
             "-" if s.ci_low is None else f"[{s.ci_low:.3f}, {s.ci_high:.3f}]", s.unscored] for s in summaries]
    return _table(["family", "items", "samples", "accuracy", "95% CI", "unscored"], rows)


def _figure(name: str, svg: str) -> str:
    return f'<figure data-plot="{name}">{svg}</figure>'


def _table(header: list[str], rows: list[list], table_id: str | None = None) -> str:
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _created(info: RunInfo) -> datetime:
    try:
        return datetime.strptime(info.created, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.fromisoformat(info.created)


def _item_label(v: StoredVerdict) -> str:
    label = v.id if v.sample == 0 else f"{v.id} #{v.sample}"
    return label if len(label) <= 40 else "..." + label[-37:]
