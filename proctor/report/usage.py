"""What a family's completions cost and how they ended: truncation, tokens, latency.

When a score drops, the first thing to check is whether the answers were cut
off: "41% of math.system answers hit max_tokens" explains a drop no grader
change does. Backends report what they know (proctor.store.CompletionUsage);
a figure no completion reported stays None, never 0.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Iterable

from proctor.store import CompletionUsage

# Finish reasons that mean "cut by the token limit": OpenAI-compatible servers and
# llama-cpp say "length"; "max_tokens" is the other common spelling.
TRUNCATED = frozenset({"length", "max_tokens"})


@dataclass(frozen=True)
class UsageSummary:
    completions: int
    with_finish_reason: int                 # completions whose backend said how they ended
    truncated: int                          # ... of which hit the token limit
    truncation_rate: float | None           # truncated / with_finish_reason
    mean_prompt_tokens: float | None
    mean_completion_tokens: float | None
    mean_latency_ms: float | None
    p95_latency_ms: float | None

    def describe(self) -> str:
        """One short cell: '12% cut, 143 tok, 820 ms' (a dash for what is unknown)."""
        cut = "-" if self.truncation_rate is None else f"{self.truncation_rate:.0%} cut"
        tokens = "-" if self.mean_completion_tokens is None else f"{self.mean_completion_tokens:.0f} tok"
        latency = "-" if self.mean_latency_ms is None else f"{self.mean_latency_ms:.0f} ms"
        return "-" if cut == tokens == latency == "-" else f"{cut}, {tokens}, {latency}"


def summarize_usage(usages: Iterable[CompletionUsage | None]) -> UsageSummary:
    count = 0
    reasons: list[str] = []
    prompt: list[int] = []
    completion: list[int] = []
    latency: list[float] = []
    for usage in usages:
        count += 1
        if usage is None:
            continue
        if usage.finish_reason is not None:
            reasons.append(usage.finish_reason)
        if usage.prompt_tokens is not None:
            prompt.append(usage.prompt_tokens)
        if usage.completion_tokens is not None:
            completion.append(usage.completion_tokens)
        if usage.latency_ms is not None:
            latency.append(usage.latency_ms)
    truncated = sum(reason in TRUNCATED for reason in reasons)
    return UsageSummary(
        completions=count, with_finish_reason=len(reasons), truncated=truncated,
        truncation_rate=truncated / len(reasons) if reasons else None,
        mean_prompt_tokens=_mean(prompt), mean_completion_tokens=_mean(completion), mean_latency_ms=_mean(latency),
        p95_latency_ms=statistics.quantiles(latency, n=20, method="inclusive")[-1] if len(latency) > 1
        else _mean(latency))


def _mean(values: list) -> float | None:
    return sum(values) / len(values) if values else None
