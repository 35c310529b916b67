"""Per-task accuracy of a stored run, with 95% confidence intervals."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from proctor.store import StoredVerdict

Z95 = 1.959963984540054


@dataclass(frozen=True)
class TaskSummary:
    task: str
    items: int  # problems with at least one scored sample
    samples: int  # verdicts, scored or not
    unscored: int  # grader timeouts and errors: not the model's fault, excluded from accuracy
    accuracy: float | None
    ci_low: float | None
    ci_high: float | None


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: list[float], z: float = Z95) -> tuple[float, float]:
    """Normal interval for a mean of per-item scores in [0, 1], clipped to [0, 1]."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return (0.0, 1.0)
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = z * math.sqrt(var / n)
    return (max(0.0, mean - half), min(1.0, mean + half))


def accuracy_interval(item_means: list[float]) -> tuple[float, float, float]:
    """(accuracy, ci_low, ci_high) of per-item mean scores: Wilson when every item is 0 or 1, else normal."""
    accuracy = sum(item_means) / len(item_means)
    binary = all(x in (0.0, 1.0) for x in item_means)
    low, high = wilson_interval(sum(item_means), len(item_means)) if binary else mean_interval(item_means)
    return accuracy, low, high


def summarize(verdicts: Iterable[StoredVerdict]) -> list[TaskSummary]:
    """Samples of one problem are averaged first, so k samples never look like k independent items."""
    per_item: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    samples: dict[str, int] = defaultdict(int)
    unscored: dict[str, int] = defaultdict(int)
    for v in verdicts:
        samples[v.task] += 1
        if v.verdict.scored:
            per_item[v.task][v.id].append(v.verdict.score)
        else:
            unscored[v.task] += 1
    out = []
    for task in sorted(samples):
        items = [sum(s) / len(s) for s in per_item[task].values()]
        if not items:
            out.append(TaskSummary(task, 0, samples[task], unscored[task], None, None, None))
            continue
        accuracy, low, high = accuracy_interval(items)
        out.append(TaskSummary(task, len(items), samples[task], unscored[task], accuracy, low, high))
    return out


def render_table(summaries: list[TaskSummary], title: str | None = None):
    from rich.table import Table

    table = Table(title=title)
    for column in ("task", "items", "samples", "accuracy", "95% CI", "unscored"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for s in summaries:
        acc = "-" if s.accuracy is None else f"{s.accuracy:.3f}"
        ci = "-" if s.ci_low is None else f"[{s.ci_low:.3f}, {s.ci_high:.3f}]"
        table.add_row(s.task, str(s.items), str(s.samples), acc, ci, str(s.unscored))
    return table
