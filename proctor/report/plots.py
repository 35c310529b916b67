"""The report's plots, drawn with matplotlib and returned as inline SVG text.

matplotlib (not hand-drawn SVG, not a JavaScript library): it installs from
PyPI wheels, needs no network when the page is viewed, and its SVG output is
tens of kilobytes per plot where plotly's inline JS alone is about 4 MB.
Every mark (bar, point) carries an SVG id `<plot>-<kind>-<n>` set through
matplotlib's `gid`, so a browser test can count what was drawn.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import matplotlib

matplotlib.use("Agg")  # never a GUI backend: reports are made on headless CI machines

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# The gate's outcomes, the same colours as the page's verdict cells.
VERDICT_COLOURS = {"pass": "#1a7f37", "regressed": "#C44E52", "inconclusive": "#DD8452"}
PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974",
           "#64B5CD"]


@dataclass(frozen=True)
class Estimate:
    label: str
    value: float
    low: float
    high: float


def accuracy_bars(estimates: list[Estimate], title: str) -> str:
    """One bar per family with its confidence interval."""
    fig, ax = _figure(width=max(5.0, 1.1 * len(estimates) + 2), height=3.6)
    for k, e in enumerate(estimates):
        bars = ax.bar([k], [e.value], color=PALETTE[k % len(PALETTE)], yerr=[[e.value - e.low], [e.high - e.value]],
                      capsize=4, width=0.6)
        bars.patches[0].set_gid(f"accuracy-bar-{k}")
    ax.set_xticks(range(len(estimates)), [e.label for e in estimates], rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy (95% CI)")
    ax.set_title(title)
    return _svg(fig, "accuracy")


def difficulty_lines(levels: dict[str, list[tuple[int, Estimate]]], title: str) -> str:
    """Accuracy against difficulty level, one line per family, each level a point with its interval."""
    fig, ax = _figure(width=6.5, height=3.8)
    families = list(levels)
    shift = 0.08
    for k, family in enumerate(families):
        colour = PALETTE[k % len(PALETTE)]
        points = levels[family]
        offset = (k - (len(families) - 1) / 2) * shift  # side by side, so intervals do not hide each other
        xs = [level + offset for level, _ in points]
        ax.plot(xs, [e.value for _, e in points], color=colour, alpha=0.5, label=family)
        for x, (level, e) in zip(xs, points):
            container = ax.errorbar([x], [e.value], yerr=[[e.value - e.low], [e.high - e.value]], fmt="o",
                                    color=colour, capsize=3)
            container.lines[0].set_gid(f"difficulty-point-{k}-{level}")
    all_levels = sorted({level for points in levels.values() for level, _ in points})
    ax.set_xticks(all_levels)
    ax.set_xlabel("difficulty level")
    ax.set_ylabel("accuracy (95% CI)")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="best")
    return _svg(fig, "difficulty")


def delta_forest(deltas: list[tuple[Estimate, float, str]], title: str, confidence: str) -> str:
    """Candidate minus baseline per family (and overall) with its interval, coloured by the gate's verdict
    (pass, regressed, inconclusive); the margin drawn as a dashed mark."""
    fig, ax = _figure(width=6.5, height=max(2.4, 0.55 * len(deltas) + 1.4))
    seen = set()
    for k, (e, margin, verdict) in enumerate(deltas):
        colour = VERDICT_COLOURS.get(verdict, "#8172B3")
        container = ax.errorbar([e.value], [k], xerr=[[e.value - e.low], [e.high - e.value]], fmt="o",
                                color=colour, capsize=4, label=None if verdict in seen else verdict)
        seen.add(verdict)
        container.lines[0].set_gid(f"delta-point-{k}-{verdict}")
        ax.plot([-margin, -margin], [k - 0.3, k + 0.3], color="#999999", linestyle="--")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(deltas)), [e.label for e, _, _ in deltas])
    ax.invert_yaxis()
    ax.set_xlabel(f"candidate - baseline ({confidence} CI; dashed: -margin)")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="best", title="gate verdict", title_fontsize="small")
    return _svg(fig, "delta")


def trend_lines(series: dict[str, list[tuple[float | datetime, Estimate]]], title: str, x_label: str,
                current: float | datetime | None = None) -> str:
    """A suite's per-family scores over a model's runs, with the confidence band around each line."""
    fig, ax = _figure(width=7.0, height=3.8)
    for k, (family, points) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = sorted(points, key=lambda p: p[0])
        xs = [x for x, _ in points]
        ax.fill_between(xs, [e.low for _, e in points], [e.high for _, e in points], color=colour, alpha=0.18,
                        linewidth=0)
        ax.plot(xs, [e.value for _, e in points], color=colour, label=family)
        for j, (x, e) in enumerate(points):
            (mark,) = ax.plot([x], [e.value], "o", color=colour, markersize=5)
            mark.set_gid(f"trend-point-{k}-{j}")
    if current is not None:
        ax.axvline(current, color="#999999", linestyle=":", linewidth=1)
    ax.set_xlabel(x_label)
    ax.set_ylabel("accuracy (95% band)")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="best")
    xs = {x for points in series.values() for x, _ in points}
    if any(isinstance(x, datetime) for x in xs):
        if len(xs) == 1:  # one run: a day around it, not matplotlib's default of years
            (only,) = xs
            ax.set_xlim(only - timedelta(hours=12), only + timedelta(hours=12))
        # Dates with only the parts that change (2026-12-02, 15:25, ...), never "06:23.000000".
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
    return _svg(fig, "trend")


def slowest_bars(items: list[tuple[str, float, str]], title: str) -> str:
    """Grading time of the slowest items (label, milliseconds, status), slowest on top."""
    fig, ax = _figure(width=7.0, height=max(2.4, 0.35 * len(items) + 1.2))
    for k, (label, ms, status) in enumerate(items):
        colour = "#C44E52" if status in ("timeout", "error") else "#4C72B0"
        bars = ax.barh([k], [ms], color=colour)
        bars.patches[0].set_gid(f"slowest-bar-{k}")
    ax.set_yticks(range(len(items)), [label for label, _, _ in items], fontsize="x-small")
    ax.invert_yaxis()
    ax.set_xlabel("grading time (ms; red: timeout or error)")
    ax.set_title(title)
    return _svg(fig, "slowest")


def _figure(width: float, height: float):
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def _svg(fig: Figure, name: str) -> str:
    buffer = io.StringIO()
    # Text stays text (small, searchable); a per-plot salt keeps the ids of several inline SVGs apart;
    # no date in the metadata, so the same data make the same bytes.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": f"proctor-{name}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]
