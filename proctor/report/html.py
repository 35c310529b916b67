"""The HTML report (`proctor report RUN [--baseline RUN] --html FILE`): one self-contained page with plots.

Everything is inline (SVG from matplotlib, CSS), so the file opens offline and
can be attached to a CI job as a single artifact.
"""
from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime

from proctor.defaults import DEFAULT_PASS_AT
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
.note { color: #666; }
/* the gate's three outcomes */
.pass { color: #1a7f37; font-weight: bold; } .regressed { color: #b00; font-weight: bold; }
.inconclusive { color: #b35900; font-weight: bold; } .unscored { color: #6e40c9; font-weight: bold; }
td.pass { background: #e6f4ea; } td.regressed { background: #fde7e7; } td.inconclusive { background: #fff4e0; }
"""


def build_report(store: RunStore, run: str, baseline: str | None = None,
                 pass_at: tuple[int, ...] = DEFAULT_PASS_AT) -> str:
    info = store.require_run(run)
    if baseline:
        store.require_run(baseline)
    verdicts = list(store.verdicts(run))
    difficulty = {p.id: p.metadata.get("difficulty") for p in store.problems(run)}
    summaries = summarize(verdicts, pass_at=pass_at)
    sections = [_header(info, store.run(baseline) if baseline else None)]
    sections += _accuracy_section(run, summaries)
    sections += _difficulty_section(accuracy_by_difficulty(verdicts, difficulty))

    if baseline:
        sections += _delta_section(store, run, baseline)

    sections += _trend_section(store, info)
    sections += _slowest_and_unscored(verdicts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>proctor report: {html.escape(run)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def _accuracy_section(run: str, summaries) -> list[str]:
    from proctor.report import plots

    parts = ["<h2>Accuracy per family</h2>"]
    scored = [s for s in summaries if s.accuracy is not None]
    if scored:
        parts.append(_figure("accuracy", plots.accuracy_bars(
            [plots.Estimate(s.family, s.accuracy, s.ci_low, s.ci_high) for s in scored], f"run {run}")))
    parts.append(_summary_table(summaries))
    return parts


def _difficulty_section(levels: dict[str, list]) -> list[str]:
    """Lines across levels where a family has several; a family at one level is named, not drawn as a dot."""
    from proctor.report import plots

    parts = ["<h2>Accuracy by difficulty level</h2>"]
    if not levels:
        return parts + ['<p class="note">No problem of this run records a difficulty level.</p>']
    several = {family: points for family, points in levels.items() if len(points) > 1}
    single = {family: points[0][0] for family, points in levels.items() if len(points) == 1}
    if several:
        parts.append(_figure("difficulty", plots.difficulty_lines(several,
                                                                  "accuracy by difficulty within each family")))
    if single:
        listed = ", ".join(f"{html.escape(family)} (level {level})" for family, level in sorted(single.items()))
        if several:
            parts.append(f'<p class="note">Generated at a single difficulty level, so not plotted: {listed}.</p>')
        else:
            parts.append(f'<p class="note" id="one-level">Every family of this run was generated at a single '
                         f'difficulty level ({listed}): there is no trend across levels to plot. Gate several '
                         f'levels side by side as named families of one task to see one.</p>')
    return parts


def accuracy_by_difficulty(verdicts: list[StoredVerdict], difficulty: dict[str, object]):
    """family -> [(level, Estimate)] over scored items whose problem records an integer difficulty."""
    from proctor.report.plots import Estimate

    per_item: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        level = difficulty.get(v.id)
        if v.verdict.scored and isinstance(level, int) and not isinstance(level, bool):
            per_item[(v.family_name, level)][v.id].append(v.verdict.score)
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
                series[s.family].append((x, Estimate(peer.name, s.accuracy, s.ci_low, s.ci_high)))
    return dict(series), ("checkpoint step" if by_step else "run date"), current, len(peers)


def _delta_section(store: RunStore, run: str, baseline: str) -> list[str]:
    from proctor.gate.outcome import run_gate
    from proctor.gate.outputs import detectable, verdict_line
    from proctor.gate.sides import load_run
    from proctor.report import plots

    outcome = run_gate(load_run(store, baseline), load_run(store, run), max_unscored=1.0)
    status = outcome.status
    parts = [f"<h2>Against baseline {html.escape(baseline)}</h2>",
             f'<p>Paired per problem; problems checked: {html.escape(outcome.identity)}. Gate verdict: '
             f'<span class="{status}">{html.escape(verdict_line(outcome))}</span> (one-sided alpha '
             f"{outcome.alpha:g}, Holm across the families and the overall test; a test that could not see "
             f"{html.escape(outcome.drop_rule())} with {outcome.power:.0%} power is inconclusive).</p>"]
    if outcome.result is None:
        return parts + ['<p class="note">No scored items to compare.</p>']
    results = outcome.result.families
    tests = [(r.family, r) for r in results]
    if outcome.result.overall is not None:
        tests.append((f"overall ({outcome.result.overall.families} families)", outcome.result.overall))
    confidence = f"{results[0].confidence:.0%}"
    parts.append(_figure("delta", plots.delta_forest(
        [(plots.Estimate(name, r.delta, r.ci_low, r.ci_high), r.margin, r.verdict) for name, r in tests],
        f"run {run} minus baseline {baseline}", confidence)))
    rows = []
    for name, r in tests:
        usage = outcome.usage.get(name)
        rows.append([name, r.n, f"{r.baseline_mean:.3f}", f"{r.candidate_mean:.3f}",
                     f"{r.delta:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]", f"{r.margin:g}", detectable(r.sensitivity),
                     f"{len(r.lost)} / {len(r.gained)}" if hasattr(r, "lost") else "-", f"{r.p_adjusted:.3g}",
                     usage[0].describe() if usage else "-", usage[1].describe() if usage else "-",
                     (r.verdict, r.verdict)])
    parts.append(_table(["family", "n", "baseline", "candidate", f"delta [{confidence} CI]", "margin",
                         f"min detectable drop ({outcome.power:.0%} power)", "lost / gained", "p (Holm)",
                         "baseline: cut, tokens, latency", "candidate: cut, tokens, latency", "verdict"], rows,
                        table_id="gate"))
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
        parts.append(_table(["problem", "family", "sample", "status", "ms"],
                            [[v.id, v.family_name, v.sample, v.verdict.status, f"{v.verdict.elapsed_ms:.1f}"]
                             for v in slowest]))
    unscored = [v for v in verdicts if not v.verdict.scored]
    parts.append(f"<h2>Unscored items ({len(unscored)})</h2>")
    if unscored:
        parts.append('<p class="note">Grader timeouts and errors: not the model\'s fault, excluded from accuracy.</p>')
        parts.append(_table(["problem", "family", "sample", "status", "reason"],
                            [[v.id, v.family_name, v.sample, v.verdict.status, v.verdict.reason]
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
    ks = sorted({p.k for s in summaries for p in s.pass_at if p.k > 1})
    rows = []
    for s in summaries:
        by_k = {p.k: p for p in s.pass_at}
        u = s.usage
        rows.append([s.family, s.items, s.samples, "-" if s.accuracy is None else f"{s.accuracy:.3f}",
                     "-" if s.ci_low is None else f"[{s.ci_low:.3f}, {s.ci_high:.3f}]",
                     *(f"{by_k[k].value:.3f} [{by_k[k].ci_low:.3f}, {by_k[k].ci_high:.3f}]" if k in by_k else "-"
                       for k in ks), s.unscored,
                     "-" if u is None or u.truncation_rate is None else f"{u.truncation_rate:.1%}",
                     "-" if u is None or u.mean_completion_tokens is None else f"{u.mean_completion_tokens:.0f}",
                     "-" if u is None or u.mean_latency_ms is None else f"{u.mean_latency_ms:.0f} ms"])
    return _table(["family", "items", "samples", "accuracy", "95% CI", *(f"pass@{k} [95% CI]" for k in ks),
                   "unscored", "cut by max_tokens", "mean tokens", "mean latency"], rows, table_id="families")


def _figure(name: str, svg: str) -> str:
    return f'<figure data-plot="{name}">{svg}</figure>'


def _table(header: list[str], rows: list[list], table_id: str | None = None) -> str:
    """Cells are text, or (text, css class) for a coloured one."""
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(content) -> str:
    if isinstance(content, tuple):
        text, css = content
        return f'<td class="{html.escape(css)}">{html.escape(str(text))}</td>'
    return f"<td>{html.escape(str(content))}</td>"


def _created(info: RunInfo) -> datetime:
    try:
        return datetime.strptime(info.created, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.fromisoformat(info.created)


def _item_label(v: StoredVerdict) -> str:
    label = v.id if v.sample == 0 else f"{v.id} #{v.sample}"
    return label if len(label) <= 40 else "..." + label[-37:]
