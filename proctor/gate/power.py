"""How many items a family needs for the gate to catch a regression.

"Detectable" means: when the candidate's true accuracy is `drop` below the
baseline's (2 * margin unless given), the gate's one-sided test of
H0: delta >= -margin rejects with probability `power`. The planned test is the
one the gate runs on binary, one-sample-per-item families: Tango's score test
(McNemar's z when margin = 0), so `items_needed` is Nam's (1997) sample size for
it: n = ((z_alpha * s0 + z_power * s1) / (drop - margin))^2, with s1 the
per-item standard deviation of the difference under the drop and s0 its
restricted estimate under the null boundary delta = -margin. Both come from
the 2x2 table implied by the baseline accuracy, the candidate accuracy and the
correlation between the two runs' per-item outcomes (phi coefficient).

The textbook formula, n = 2 p (1 - p) (1 - correlation) (z_alpha + z_power)^2 / drop^2,
gives both runs the baseline's variance and tests against 0; docs/design.md's figures
are from it. It underestimates what the gate needs by a few percent (3% at
margin 0.02, accuracy 0.70, correlation 0.5), so `plan` uses `items_needed`.

Averaging k > 1 samples per item shrinks the per-item variance, so these
counts are conservative for it; templates (correlated items) need more: times
the design effect 1 + (m - 1) * icc for templates of m items.
"""
from __future__ import annotations

import math
from statistics import NormalDist

from proctor.defaults import margin_problem

_NORMAL = NormalDist()


def items_needed(margin: float, baseline_acc: float, correlation: float = 0.5, alpha: float = 0.05,
                 power: float = 0.8, *, drop: float | None = None, paired: bool = True) -> int:
    """Items per family (and per run) for the gate to flag a true drop of `drop` (default 2*margin).

    paired=False is the unpaired design for comparison: two independent item
    sets of this size each, i.e. the paired formula at correlation 0.
    """
    drop = 2 * margin if drop is None else drop
    s0, s1 = _null_and_alternative_sd(margin, baseline_acc, correlation if paired else 0.0, drop)
    z_alpha, z_power = _z(alpha, power)
    return math.ceil(((z_alpha * s0 + z_power * s1) / (drop - margin)) ** 2)


def detection_probability(n: int, margin: float, baseline_acc: float, correlation: float = 0.5,
                          alpha: float = 0.05, *, drop: float | None = None, paired: bool = True) -> float:
    """The probability that the gate flags a true drop of `drop` (default 2*margin) with n items."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    drop = 2 * margin if drop is None else drop
    s0, s1 = _null_and_alternative_sd(margin, baseline_acc, correlation if paired else 0.0, drop)
    z_alpha = _NORMAL.inv_cdf(1 - _check_probability("alpha", alpha))
    return _NORMAL.cdf(((drop - margin) * math.sqrt(n) - z_alpha * s0) / s1)


def textbook_items_needed(drop: float, baseline_acc: float, correlation: float = 0.5, alpha: float = 0.05,
                          power: float = 0.8, *, paired: bool = True) -> int:
    """The common-variance approximation docs/design.md quotes (margin 0): a quick estimate, not the plan."""
    if drop <= 0:
        raise ValueError(f"drop must be positive, got {drop}")
    z_alpha, z_power = _z(alpha, power)
    return math.ceil(_textbook_variance(baseline_acc, correlation, paired) * (z_alpha + z_power) ** 2 / drop ** 2)


def textbook_detectable_drop(n: int, baseline_acc: float, correlation: float = 0.5, alpha: float = 0.05,
                             power: float = 0.8, *, paired: bool = True) -> float:
    """The smallest drop (margin 0) the common-variance approximation says n items detect."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    z_alpha, z_power = _z(alpha, power)
    return (z_alpha + z_power) * math.sqrt(_textbook_variance(baseline_acc, correlation, paired) / n)


def feasible_correlation(baseline_acc: float, candidate_acc: float, correlation: float) -> float:
    """`correlation` moved into the range two accuracies allow (phi is bounded by the margins of the 2x2 table).

    Two identical runs correlate perfectly, but a run that drops cannot: the
    plan for a drop takes the nearest correlation the drop leaves possible.
    """
    p, q = baseline_acc, candidate_acc
    spread = math.sqrt(p * (1 - p) * q * (1 - q))
    if spread == 0:
        return 0.0
    highest = (min(p, q) - p * q) / spread
    lowest = (max(0.0, p + q - 1) - p * q) / spread
    return min(max(correlation, lowest), highest)


def power_at(n: float, margin: float, baseline_acc: float, correlation: float, alpha: float, drop: float) -> float:
    """`detection_probability` for an n that may be fractional (an effective n), the correlation made feasible."""
    correlation = feasible_correlation(baseline_acc, baseline_acc - drop, correlation)
    s0, s1 = _null_and_alternative_sd(margin, baseline_acc, correlation, drop)
    z_alpha = _NORMAL.inv_cdf(1 - _check_probability("alpha", alpha))
    if s1 == 0:
        return 1.0 if (drop - margin) * math.sqrt(n) > z_alpha * s0 else 0.0
    return _NORMAL.cdf(((drop - margin) * math.sqrt(n) - z_alpha * s0) / s1)


def min_detectable_drop(n: float, margin: float, baseline_acc: float, correlation: float, alpha: float = 0.05,
                        power: float = 0.8) -> float | None:
    """The smallest true drop the gate flags with probability `power` on n items, or None.

    None: not even a drop to (almost) zero accuracy would be flagged that often.
    The correlation is made feasible for each drop tried (`feasible_correlation`).
    """
    _check_probability("power", power)
    if n <= 0 or baseline_acc <= margin:
        return None
    top = baseline_acc * (1 - 1e-9)  # the candidate keeps a sliver of accuracy: the 2x2 table stays proper
    steps = 64
    previous = margin
    for k in range(1, steps + 1):
        drop = margin + (top - margin) * k / steps
        if power_at(n, margin, baseline_acc, correlation, alpha, drop) >= power:
            low, high = previous, drop
            while high - low > 1e-7:
                middle = (low + high) / 2
                if middle > margin and power_at(n, margin, baseline_acc, correlation, alpha, middle) >= power:
                    high = middle
                else:
                    low = middle
            return high
        previous = drop
    return None


def items_for(margin: float, baseline_acc: float, correlation: float, alpha: float, power: float,
              drop: float) -> int | None:
    """`items_needed` with the correlation made feasible; None where the drop cannot happen."""
    if not margin < drop < baseline_acc:
        return None
    correlation = feasible_correlation(baseline_acc, baseline_acc - drop, correlation)
    return items_needed(margin, baseline_acc, correlation, alpha, power, drop=drop)


def _null_and_alternative_sd(margin: float, baseline_acc: float, correlation: float,
                             drop: float) -> tuple[float, float]:
    problem = margin_problem(margin)
    if problem:
        raise ValueError(f"margin: {problem}")
    if not drop > margin:
        raise ValueError(f"the drop to detect ({drop}) must exceed the margin ({margin})")
    p = _check_probability("baseline_acc", baseline_acc)
    q = p - drop
    if not 0 < q:
        raise ValueError(f"a drop of {drop} from accuracy {p} leaves no accuracy to measure")
    if not -1 <= correlation <= 1:
        raise ValueError(f"correlation must be in [-1, 1], got {correlation}")
    both = p * q + correlation * math.sqrt(p * (1 - p) * q * (1 - q))
    lost, gained = p - both, q - both          # cell probabilities under the drop
    neither = 1 - p - q + both
    if min(both, lost, gained, neither) < -1e-12:
        raise ValueError(f"correlation {correlation} is impossible between accuracies {p} and {q}")
    lost, gained, neither = max(lost, 0.0), max(gained, 0.0), max(neither, 0.0)
    s1 = math.sqrt(lost + gained - drop ** 2)
    # The score test's restricted MLE of the smaller discordant probability under
    # delta = -margin, evaluated at the expected table (per item, so n = 1).
    m = margin
    b = lost * (1 - m) + gained * (1 - 3 * m) - 2 * (both + neither) * m
    c = gained * m * (1 - m)
    x = (b + math.sqrt(b * b + 8 * c)) / 4
    s0 = math.sqrt(2 * x + m - m * m)
    return s0, s1


def _textbook_variance(baseline_acc: float, correlation: float, paired: bool) -> float:
    p = _check_probability("baseline_acc", baseline_acc)
    rho = correlation if paired else 0.0
    if not -1 <= rho <= 1:
        raise ValueError(f"correlation must be in [-1, 1], got {correlation}")
    return 2 * p * (1 - p) * (1 - rho)


def _z(alpha: float, power: float) -> tuple[float, float]:
    return (_NORMAL.inv_cdf(1 - _check_probability("alpha", alpha)),
            _NORMAL.inv_cdf(_check_probability("power", power)))


def _check_probability(name: str, value: float) -> float:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return value
