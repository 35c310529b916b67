"""The overall test: all items of all families at once, families as strata.

A broad drop spread thinly over many families (3 points everywhere) can stay
inside every family's noise while the suite as a whole clearly got worse. The
overall test pools the evidence:

    H0: delta_all >= -M_all      delta_all = sum_f w_f * delta_f,  w_f = n_f / N

the item-weighted mean of the families' paired differences (so it equals the
plain mean difference over all paired items). Stratifying keeps each family's
own variance: Var(delta_all) = sum_f w_f^2 * se_f^2, with se_f the family's
paired standard error (clustered by template where templates are declared),
so differences *between* families' accuracies add no noise. The statistic is
z = (delta_all + M_all) / se_all against the standard normal: N is the whole
suite, hundreds of items at least, where the normal approximation holds.

The default M_all is the item-weighted mean of the families' margins. Then
"no family is worse than its margin" implies "the suite is no worse than M_all",
so under no change (or any change within every margin) the overall null holds
too, and one Holm procedure over the F family hypotheses plus this one keeps
the chance of any false alarm at most alpha (Holm needs no independence).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Sequence

from proctor.gate.sensitivity import Sensitivity

STRATIFIED = "stratified-z"

_NORMAL = NormalDist()


@dataclass(frozen=True)
class OverallResult:
    n: int                        # paired items over all families
    families: int
    baseline_mean: float          # item-weighted over the families
    candidate_mean: float
    delta: float
    se: float
    ci_low: float                 # two-sided 1 - 2*alpha interval
    ci_high: float
    confidence: float
    margin: float
    p_value: float                # one-sided, H0: delta >= -margin
    p_adjusted: float             # Holm, together with the families
    verdict: str
    method: str
    sensitivity: Sensitivity

    @property
    def regressed(self) -> bool:
        return self.verdict == "regressed"


def default_margin(margins: Sequence[float], sizes: Sequence[int]) -> float:
    """The item-weighted mean of the families' margins: implied by every family holding its own."""
    total = sum(sizes)
    return sum(m * n for m, n in zip(margins, sizes)) / total


def stratified_test(deltas: Sequence[float], ses: Sequence[float], sizes: Sequence[int], *, margin: float,
                    alpha: float) -> tuple[float, float, float, float, float]:
    """(delta, se, p, ci_low, ci_high) of the item-weighted stratified paired difference.

    `ses` are the strata's standard errors of their mean differences; a stratum
    too small to have one (fewer than 2 items or clusters) is given the largest
    variance a difference in [-1, 1] can have, 1 / n.
    """
    total = sum(sizes)
    weights = [n / total for n in sizes]
    delta = sum(w * d for w, d in zip(weights, deltas))
    variance = sum(w * w * (se * se if math.isfinite(se) else 1.0 / n) for w, se, n in zip(weights, ses, sizes))
    se = math.sqrt(variance)
    z_ci = _NORMAL.inv_cdf(1 - alpha)
    if se == 0:
        p = 1.0 if delta > -margin else 0.0 if delta < -margin else 0.5
    else:
        p = 0.5 * math.erfc(-((delta + margin) / se) / math.sqrt(2.0))  # erfc: precise deep in the tail
    return delta, se, p, delta - z_ci * se, delta + z_ci * se
