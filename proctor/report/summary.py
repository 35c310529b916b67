"""Per-task accuracy of a stored run, with 95% confidence intervals."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

from proctor.defaults import DEFAULT_PASS_AT
from proctor.passk import PassAtK, estimate
from proctor.report.usage import UsageSummary, summarize_usage
from proctor.store import StoredVerdict

Z95 = 1.959963984540054


@dataclass(frozen=True)
class TaskSummary:
    """One family of a run (the suite's family name, else the task)."""
    family: str
    task: str    # the family's task (several, comma-separated, only for hand-made stores)
    items: int  # problems with at least one scored sample
    samples: int  # verdicts, scored or not
    unscored: int  # grader timeouts and errors: not the model's fault, excluded from accuracy
    accuracy: float | None
    ci_low: float | None
    ci_high: float | None
    pass_at: tuple[PassAtK, ...] = ()   # for each asked k that every problem has samples for
    usage: UsageSummary | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["pass_at"] = {str(p.k): {"value": p.value, "ci_low": p.ci_low, "ci_high": p.ci_high,
                                      "problems": p.problems} for p in self.pass_at}
        return data


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
    # At 0 or 1 Wilson's bound equals the estimate, up to rounding that could put it on the wrong side.
    return accuracy, min(low, accuracy), max(high, accuracy)


def summarize(verdicts: Iterable[StoredVerdict], pass_at: Sequence[int] = DEFAULT_PASS_AT) -> list[TaskSummary]:
    """Per family. Samples of one problem are averaged first, so k samples never look like k independent items.

    pass@k is given for each k in `pass_at` that every scored problem of the
    family has at least k scored samples for (pass@1 always, where scored).
    """
    per_item: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    passed: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    samples: dict[str, int] = defaultdict(int)
    unscored: dict[str, int] = defaultdict(int)
    tasks: dict[str, set[str]] = defaultdict(set)
    usages: dict[str, list] = defaultdict(list)
    for v in verdicts:
        family = v.family_name
        samples[family] += 1
        tasks[family].add(v.task)
        usages[family].append(v.usage)
        if v.verdict.scored:
            per_item[family][v.id].append(v.verdict.score)
            passed[family][v.id].append(v.verdict.passed)
        else:
            unscored[family] += 1
    out = []
    for family in sorted(samples):
        task = ", ".join(sorted(tasks[family]))
        usage = summarize_usage(usages[family])
        items = [sum(s) / len(s) for s in per_item[family].values()]
        if not items:
            out.append(TaskSummary(family, task, 0, samples[family], unscored[family], None, None, None, (), usage))
            continue
        accuracy, low, high = accuracy_interval(items)
        counts = [len(p) for p in passed[family].values()]
        correct = [sum(p) for p in passed[family].values()]
        estimates = tuple(e for e in (estimate(counts, correct, k) for k in sorted(set(pass_at))) if e is not None)
        out.append(TaskSummary(family, task, len(items), samples[family], unscored[family], accuracy, low, high,
                               estimates, usage))
    return out


def render_table(summaries: list[TaskSummary], title: str | None = None):
    from proctor.report.tables import table

    ks = sorted({p.k for s in summaries for p in s.pass_at if p.k > 1})
    usage_known = any(s.usage is not None and s.usage.describe() != "-" for s in summaries)
    columns = ["family", "items", "samples", "accuracy [95% CI]", *(f"pass@{k} [95% CI]" for k in ks), "unscored"]
    if usage_known:
        columns += ["truncated", "tokens", "latency"]
    result = table(title, columns)
    for s in summaries:
        acc = "-" if s.accuracy is None else f"{s.accuracy:.3f} [{s.ci_low:.3f}, {s.ci_high:.3f}]"
        by_k = {p.k: p for p in s.pass_at}
        passes = [f"{by_k[k].value:.3f} [{by_k[k].ci_low:.3f}, {by_k[k].ci_high:.3f}]" if k in by_k else "-"
                  for k in ks]
        cells = [s.family, str(s.items), str(s.samples), acc, *passes, str(s.unscored)]
        if usage_known:
            u = s.usage
            cells += ["-" if u is None or u.truncation_rate is None else f"{u.truncation_rate:.1%}",
                      "-" if u is None or u.mean_completion_tokens is None else f"{u.mean_completion_tokens:.0f}",
                      "-" if u is None or u.mean_latency_ms is None else f"{u.mean_latency_ms:.0f} ms"]
        result.add_row(*cells)
    return result
