"""Could this gate have seen the drop it guards against? The power of a finished gate at its own n.

A family (or the overall test) passes with little evidence when its n is too
small: 60 items cannot show a 4-point drop, and "no regression found" then
says nothing. So each test is judged the way `proctor plan` sizes a suite
(`proctor.gate.power`: Nam's sample size for the paired score test), with
what the two runs themselves show:

- the baseline accuracy is the baseline's mean per-item score (kept a
  half-item away from 0 and 1, where the binary model has no variance);
- the pairing correlation is the Pearson correlation of the two runs'
  per-item scores, moved into the range the drop allows (two identical runs
  correlate perfectly; a run that lost items cannot). Where it cannot be
  estimated (one run scores every item alike) the planning default is assumed;
- templates shrink n to an effective n: n divided by the design effect of the
  baseline's scores (clustered over naive variance of the mean);
- scores that are not 0/1 (partial credit, k samples averaged) are modelled
  as 0/1 with the same mean: the variance of a score in [0, 1] is at most
  that, so the judgement errs towards "inconclusive", never towards "powered".

The test is *powered* when the probability of flagging a true drop of the
stated size (by default twice the margin) reaches the stated power (0.8). A
drop the baseline cannot suffer (its accuracy is at most the drop) needs no
power: such a test counts as powered.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from proctor.defaults import DEFAULT_CORRELATION
from proctor.gate.power import feasible_correlation, items_for, min_detectable_drop, power_at

ESTIMATED, ASSUMED = "estimated", "assumed"


@dataclass(frozen=True)
class Sensitivity:
    drop: float                          # the true drop this test must be able to see
    target_power: float                  # with this probability
    power: float | None                  # the probability of flagging `drop` at this n (None: no such drop possible)
    min_detectable_drop: float | None    # the smallest drop flagged with target_power (None: none up to all items)
    items_needed: int | None             # the n that would see `drop`, at this accuracy and correlation
    effective_n: float                   # n, shrunk by the design effect of templates
    baseline_acc: float                  # as modelled
    correlation: float                   # as modelled (feasible for `drop`)
    correlation_source: str              # "estimated" from the runs, or "assumed" (the planning default)

    @property
    def powered(self) -> bool:
        return self.power is None or self.power >= self.target_power


def judge(n_effective: float, baseline_acc: float, correlation: float | None, *, margin: float, drop: float,
          alpha: float, power: float, n_items: int) -> Sensitivity:
    """The sensitivity of one paired test, from its summary numbers."""
    edge = 0.5 / max(n_items, 1)
    p = min(max(baseline_acc, edge), 1 - edge)
    source = ESTIMATED if correlation is not None and math.isfinite(correlation) else ASSUMED
    rho = correlation if source == ESTIMATED else DEFAULT_CORRELATION
    if drop >= p:  # the baseline has less accuracy than the drop: no such regression can happen
        return Sensitivity(drop, power, None, min_detectable_drop(n_effective, margin, p, rho, alpha, power),
                           None, n_effective, p, rho, source)
    rho = feasible_correlation(p, p - drop, rho)
    return Sensitivity(
        drop=drop, target_power=power, power=power_at(n_effective, margin, p, rho, alpha, drop),
        min_detectable_drop=min_detectable_drop(n_effective, margin, p, rho, alpha, power),
        items_needed=items_for(margin, p, rho, alpha, power, drop), effective_n=n_effective, baseline_acc=p,
        correlation=rho, correlation_source=source)


def design_effect(scores: np.ndarray, clusters: np.ndarray) -> float:
    """How much templates inflate the variance of a mean of `scores`: 1 without templates or variation."""
    from proctor.gate.stats import clustered_se, naive_se

    n = len(scores)
    if n < 2 or int(clusters.max()) + 1 == n:
        return 1.0
    naive, clustered = naive_se(scores), clustered_se(scores, clusters)
    if not (naive > 0 and math.isfinite(clustered)):
        return 1.0
    return max(1.0, (clustered / naive) ** 2)
