"""Did the candidate regress? Paired tests per family, an overall stratified test, Holm across them all.

Pure statistics: items in, numbers out; no store, no files, no printing.

Per family, the question is one-sided and carries a non-inferiority margin M:

    H0: delta >= -M   (no regression beyond the margin)
    H1: delta <  -M   (the candidate is worse than the baseline by more than M)

where delta = candidate accuracy - baseline accuracy on the same items. The gate
passes by default and fails only on evidence, so identical checkpoints fail at
most alpha of the time (in fact far less when M > 0), and a true drop of 2M is
caught with the power `proctor.gate.power.items_needed` plans for.

Each item's k samples are averaged first (the item, not the sample, is the unit:
samples of one item are not independent). The test then depends on the scores:

- binary per-item scores, no templates, M == 0: McNemar's exact test, the
  one-sided binomial tail of the lost items among the discordant ones.
- binary per-item scores, no templates, M > 0: McNemar's test cannot take a
  margin (conditioning on the discordant pairs leaves the nuisance discordance
  rate in the null), so this uses Tango's score test for paired proportions
  (Tango 1998, Stat Med 17:891; Nam 1997, Biometrics 53:1422): a z statistic
  whose variance is the restricted maximum-likelihood estimate under delta = -M.
  At M = 0 it is exactly McNemar's z. Its size is close to nominal for the
  discordant counts a gate sees (hundreds); with a handful of discordant
  pairs it can be slightly liberal. Its confidence interval (Tango's interval,
  by inverting the same test) is reported for both binary methods.
- partial credit, or k > 1 samples: a seeded paired bootstrap of the mean
  difference (percentile method); p = share of resampled deltas >= -M.
- templates declared: the same bootstrap, resampling whole templates, because
  items of one template succeed and fail together and counting them as
  independent would overstate the evidence.

The reported standard error is clustered by template where templates are
declared (CR1, as in Miller 2024, arXiv 2411.00640), otherwise per item.
[ci_low, ci_high] is the two-sided 1 - 2*alpha interval, so ci_high is the
one-sided 1 - alpha upper bound on delta: the family regresses (before Holm)
exactly when that bound lies below -M.

With two families or more, one more hypothesis joins them: the overall
stratified test over every item (proctor.gate.overall). Holm's step-down runs
over all F + 1 hypotheses, so the chance of any false alarm stays at alpha.

A test that shows no regression is *inconclusive* when its n could not have
seen the drop it guards against (proctor.gate.sensitivity): by default a
true drop of twice its margin, with 80% power, judged as `proctor plan` would.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from itertools import chain
from statistics import NormalDist
from typing import Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from proctor.defaults import (DEFAULT_ALPHA, DEFAULT_DETECTABLE_DROP_FACTOR, DEFAULT_MARGIN, DEFAULT_POWER,
                              margin_problem)
from proctor.errors import BadInput
from proctor.gate.overall import STRATIFIED, OverallResult, default_margin, stratified_test
from proctor.gate.sensitivity import Sensitivity, design_effect, judge

PASS = "pass"
REGRESSED = "regressed"
INCONCLUSIVE = "inconclusive"   # no regression shown, and n too small to have shown the stated drop

MCNEMAR_EXACT = "mcnemar-exact"
TANGO_SCORE = "tango-score"
BOOTSTRAP = "bootstrap"
CLUSTER_BOOTSTRAP = "cluster-bootstrap"

DEFAULT_BOOTSTRAP = 10_000

_NORMAL = NormalDist()
# numpy draws a multinomial one category at a time, several times slower per
# category than drawing an index: counting per distinct kind pays only when the
# kinds are much fewer than the clusters (binary or k-sample scores, not real-valued).
_KINDS_PER_CLUSTER_FOR_COUNTS = 1 / 8
_BOOTSTRAP_CELLS_PER_CHUNK = 2_000_000


class PairedItem(NamedTuple):
    """One problem scored by both runs. Plain 4-tuples in this order are accepted too."""
    problem_id: str
    template: str | None          # items sharing a template are resampled together
    baseline: Sequence[float]     # the baseline's k sample scores, each in [0, 1]
    candidate: Sequence[float]    # the candidate's k sample scores


@dataclass(frozen=True)
class FamilyResult:
    family: str
    n: int                        # paired, scored items
    n_clusters: int               # templates (each template-less item counts as its own)
    baseline_mean: float
    candidate_mean: float
    delta: float                  # candidate_mean - baseline_mean
    se: float                     # of delta; clustered by template where declared; nan when n < 2
    ci_low: float                 # two-sided 1 - 2*alpha interval for delta
    ci_high: float                # = one-sided 1 - alpha upper bound on delta
    confidence: float             # 1 - 2*alpha, the level of [ci_low, ci_high]
    margin: float
    p_value: float                # one-sided, H0: delta >= -margin
    p_adjusted: float             # Holm-adjusted across the gate's families (and the overall test)
    verdict: str                  # "pass" | "regressed" (decided on p_adjusted) | "inconclusive"
    method: str                   # mcnemar-exact | tango-score | bootstrap | cluster-bootstrap
    correlation: float | None     # Pearson r of per-item scores, for planning; None if undefined
    lost: tuple[str, ...]         # problem ids scored lower by the candidate, biggest drop first
    gained: tuple[str, ...]       # problem ids scored higher by the candidate, biggest gain first
    sensitivity: Sensitivity      # could this n have seen the drop it guards against?

    @property
    def regressed(self) -> bool:
        return self.verdict == REGRESSED


@dataclass(frozen=True)
class GateResult:
    families: tuple[FamilyResult, ...]    # in the order given
    alpha: float
    verdict: str                          # "regressed" if any test regressed, else "inconclusive" if any
                                          # test lacked power, else "pass"
    regressed: tuple[str, ...]            # names of the families that regressed
    n: int                                # items over all families
    baseline_mean: float                  # item-weighted over all families
    candidate_mean: float
    delta: float
    overall: OverallResult | None = None  # the stratified test over all items; None with one family
    inconclusive: tuple[str, ...] = ()    # families without a regression whose n could not see the stated drop

    @property
    def passed(self) -> bool:
        return self.verdict == PASS


def detection_target(margin: float, drop: float | None = None,
                     factor: float = DEFAULT_DETECTABLE_DROP_FACTOR) -> float:
    """The true drop a test must be able to see: `drop` if stated, else `factor` x the margin.

    A margin of 0 gives no drop to scale, so it scales the default margin instead.
    """
    if drop is not None:
        return drop
    return factor * (margin if margin > 0 else DEFAULT_MARGIN)


def gate(families: Mapping[str, Iterable[PairedItem | Sequence]], *, margin: float = DEFAULT_MARGIN,
         margins: Mapping[str, float] | None = None, alpha: float = DEFAULT_ALPHA,
         n_bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = 0, drop: float | None = None,
         drop_factor: float = DEFAULT_DETECTABLE_DROP_FACTOR, power: float = DEFAULT_POWER,
         overall_margin: float | None = None) -> GateResult:
    """Tests every family and (with two or more) all items together, Holm-adjusts across them all.

    `margins` overrides `margin` per family (a suite file's per-family margins).
    Each test must be able to see a true drop of `drop` (default `drop_factor` x
    its margin) with probability `power`, or a pass is only inconclusive.
    `overall_margin` defaults to the item-weighted mean of the families' margins.
    Holm over the F + 1 hypotheses keeps the chance that a clean candidate fails
    anywhere at alpha, whatever the dependence between the tests.
    """
    _check_alpha(alpha)
    margins = dict(margins or {})
    unknown = sorted(set(margins) - set(families))
    if unknown:
        raise BadInput(f"margins given for families not in the gate: {', '.join(unknown)}")
    if not families:
        raise BadInput("the gate has no families to compare")
    raw = []
    for name, items in families.items():
        own = margins.get(name, margin)
        raw.append(compare_family(name, items, margin=own, alpha=alpha, n_bootstrap=n_bootstrap, seed=seed,
                                  drop=_checked_target(name, own, drop, drop_factor), power=power))
    overall = None
    if len(raw) > 1:
        overall = _overall(raw, alpha=alpha, margin=overall_margin, drop=drop, drop_factor=drop_factor, power=power)
    adjusted = holm([r.p_value for r in raw] + ([overall.p_value] if overall else []))
    results = tuple(_with_adjusted_p(r, p, alpha) for r, p in zip(raw, adjusted))
    if overall is not None:
        overall = _with_adjusted_p(overall, adjusted[-1], alpha)
    regressed = tuple(r.family for r in results if r.regressed)
    inconclusive = tuple(r.family for r in results if r.verdict == INCONCLUSIVE)
    tests = [*results, *([overall] if overall else [])]
    verdict = (REGRESSED if any(t.verdict == REGRESSED for t in tests)
               else INCONCLUSIVE if any(t.verdict == INCONCLUSIVE for t in tests) else PASS)
    n = sum(r.n for r in results)
    baseline_mean = sum(r.baseline_mean * r.n for r in results) / n
    candidate_mean = sum(r.candidate_mean * r.n for r in results) / n
    return GateResult(families=results, alpha=alpha, verdict=verdict, regressed=regressed, n=n,
                      baseline_mean=baseline_mean, candidate_mean=candidate_mean,
                      delta=candidate_mean - baseline_mean, overall=overall, inconclusive=inconclusive)


def _checked_target(family: str, margin: float, drop: float | None, factor: float) -> float:
    target = detection_target(margin, drop, factor)
    if not margin < target < 1:
        raise BadInput(f"family {family!r}: the drop the gate must detect ({target:g}) must lie between its "
                       f"margin ({margin:g}) and 1")
    return target


def _overall(results: list[FamilyResult], *, alpha: float, margin: float | None, drop: float | None,
             drop_factor: float, power: float) -> OverallResult:
    sizes = [r.n for r in results]
    if margin is None:
        margin = default_margin([r.margin for r in results], sizes)
    problem = margin_problem(margin)
    if problem:
        raise BadInput(f"the overall margin: {problem}")
    target = _checked_target("overall", margin, drop, drop_factor)
    delta, se, p_value, ci_low, ci_high = stratified_test([r.delta for r in results], [r.se for r in results],
                                                          sizes, margin=margin, alpha=alpha)
    total = sum(sizes)
    baseline_mean = sum(r.baseline_mean * r.n for r in results) / total
    candidate_mean = sum(r.candidate_mean * r.n for r in results) / total
    # Pooled planning model: the item-weighted accuracy and correlation; pooling accuracies
    # only adds variance (p(1-p) is concave), so this errs towards "inconclusive".
    correlations = [(r.sensitivity.correlation, r.n) for r in results]
    correlation = sum(c * n for c, n in correlations) / total
    sensitivity = judge(sum(r.sensitivity.effective_n for r in results), baseline_mean, correlation, margin=margin,
                        drop=target, alpha=alpha, power=power, n_items=total)
    if all(r.sensitivity.correlation_source != "estimated" for r in results):
        sensitivity = replace(sensitivity, correlation_source="assumed")
    return OverallResult(n=total, families=len(results), baseline_mean=baseline_mean, candidate_mean=candidate_mean,
                         delta=delta, se=se, ci_low=ci_low, ci_high=ci_high, confidence=1.0 - 2.0 * alpha,
                         margin=margin, p_value=p_value, p_adjusted=p_value,
                         verdict=_verdict(p_value, alpha, sensitivity), method=STRATIFIED, sensitivity=sensitivity)


def _verdict(p: float, alpha: float, sensitivity: Sensitivity) -> str:
    if p <= alpha:
        return REGRESSED
    return PASS if sensitivity.powered else INCONCLUSIVE


def compare_family(family: str, items: Iterable[PairedItem | Sequence], *, margin: float = DEFAULT_MARGIN,
                   alpha: float = DEFAULT_ALPHA, n_bootstrap: int = DEFAULT_BOOTSTRAP,
                   seed: int = 0, drop: float | None = None, power: float = DEFAULT_POWER) -> FamilyResult:
    """One family's paired test, unadjusted: p_adjusted == p_value and the verdict is on p_value.

    `drop`: the true drop this family's n must be able to see with probability
    `power` (default twice the margin), else a pass is only inconclusive.
    """
    _check_alpha(alpha)
    problem = margin_problem(margin)
    if problem:
        raise ValueError(f"margin: {problem}")
    target = detection_target(margin, drop)
    if not margin < target < 1:
        raise ValueError(f"the drop to detect ({target:g}) must lie between the margin ({margin:g}) and 1")
    scores = _PairedScores.from_items(family, items)
    n = len(scores.ids)
    diffs = scores.candidate - scores.baseline
    delta = float(diffs.mean())
    se = clustered_se(diffs, scores.clusters)
    confidence = 1.0 - 2.0 * alpha

    binary = bool(np.all((scores.baseline == 0) | (scores.baseline == 1))
                  and np.all((scores.candidate == 0) | (scores.candidate == 1)))
    if scores.has_templates or not binary:
        method = CLUSTER_BOOTSTRAP if scores.has_templates else BOOTSTRAP
        rng = np.random.default_rng(np.random.SeedSequence([seed, _stable_key(family)]))
        p_value, ci_low, ci_high = paired_bootstrap(diffs, scores.clusters, margin=margin, alpha=alpha,
                                                    n_bootstrap=n_bootstrap, rng=rng)
    else:
        lost, gained = int(np.sum(diffs < 0)), int(np.sum(diffs > 0))
        if margin == 0:
            method, p_value = MCNEMAR_EXACT, mcnemar_exact_p(lost, gained)
        else:
            method, p_value = TANGO_SCORE, paired_score_p(lost, gained, n, margin)
        ci_low, ci_high = paired_score_interval(lost, gained, n, confidence)

    order_lost = np.flatnonzero(diffs < 0)
    order_lost = order_lost[np.argsort(diffs[order_lost], kind="stable")]
    order_gained = np.flatnonzero(diffs > 0)
    order_gained = order_gained[np.argsort(-diffs[order_gained], kind="stable")]
    baseline_mean = float(scores.baseline.mean())
    correlation = _pearson(scores.baseline, scores.candidate)
    effective_n = n / design_effect(scores.baseline, scores.clusters) if scores.has_templates else float(n)
    sensitivity = judge(effective_n, baseline_mean, correlation, margin=margin, drop=target, alpha=alpha,
                        power=power, n_items=n)
    return FamilyResult(
        family=family, n=n, n_clusters=scores.n_clusters,
        baseline_mean=baseline_mean, candidate_mean=float(scores.candidate.mean()),
        delta=delta, se=se, ci_low=float(ci_low), ci_high=float(ci_high), confidence=confidence,
        margin=margin, p_value=float(p_value), p_adjusted=float(p_value),
        verdict=_verdict(float(p_value), alpha, sensitivity), method=method, correlation=correlation,
        lost=tuple(scores.ids[i] for i in order_lost), gained=tuple(scores.ids[i] for i in order_gained),
        sensitivity=sensitivity)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order.

    Rejecting every hypothesis whose adjusted p is <= alpha keeps the chance of
    any false rejection at most alpha, whatever the dependence between tests.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def mcnemar_exact_p(lost: int, gained: int) -> float:
    """One-sided exact McNemar: P(X >= lost) for X ~ Binomial(lost + gained, 1/2).

    Small when the candidate lost many more items than it gained. Exact integer
    arithmetic (math.comb is exact, and int / int rounds once), so no underflow
    at any size; this avoids a scipy dependency for one tail sum.
    """
    if lost < 0 or gained < 0:
        raise ValueError("counts must be non-negative")
    n = lost + gained
    if n == 0:
        return 1.0
    # Sum whichever tail is shorter; both are exact integers.
    if lost > n // 2:
        tail = _binomial_coefficient_sum(n, lost, n)
    else:
        tail = (1 << n) - _binomial_coefficient_sum(n, 0, lost - 1)
    return tail / (1 << n)


def paired_score_p(lost: int, gained: int, n: int, margin: float) -> float:
    """Tango's one-sided score test of H0: delta >= -margin for n paired binary items.

    `lost` items were right for the baseline only, `gained` for the candidate only.
    """
    return _normal_cdf(_score_z(lost, gained, n, -margin))


def paired_score_interval(lost: int, gained: int, n: int, confidence: float) -> tuple[float, float]:
    """Tango's two-sided interval for delta: the deltas the score test does not reject."""
    if n <= 0:
        return (math.nan, math.nan)
    z = _NORMAL.inv_cdf(0.5 + confidence / 2.0)
    observed = (gained - lost) / n
    # The score statistic falls monotonically in the hypothesised delta, from
    # +inf near -1 to -inf near +1, so bisection finds where it crosses +-z.
    upper = _bisect(lambda d0: _score_z(lost, gained, n, d0) > -z, observed, 1.0)
    lower = _bisect(lambda d0: _score_z(lost, gained, n, d0) >= z, -1.0, observed)
    return (lower, upper)


def paired_bootstrap(differences: np.ndarray, clusters: np.ndarray, *, margin: float, alpha: float,
                     n_bootstrap: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """(p, ci_low, ci_high) for the mean paired difference by resampling clusters.

    A cluster is a template, or an item when none are declared. A resample draws
    as many clusters as there are, with replacement, and takes the mean over the
    items drawn. p = (1 + #{resampled delta >= -margin}) / (n_bootstrap + 1), the
    percentile-method test, so p <= alpha exactly when ci_high < -margin (up to
    the quantile's interpolation).
    """
    if n_bootstrap < 100:
        raise ValueError(f"n_bootstrap must be at least 100, got {n_bootstrap}")
    n_clusters = int(clusters.max()) + 1
    sums = np.bincount(clusters, weights=differences, minlength=n_clusters)
    sizes = np.bincount(clusters, minlength=n_clusters).astype(float)
    # Clusters with the same (sum, size) are interchangeable: resampling counts
    # per distinct kind is the same distribution as resampling the clusters.
    kinds, multiplicity = np.unique(np.column_stack([sums, sizes]), axis=0, return_counts=True)
    by_counts = len(kinds) <= _KINDS_PER_CLUSTER_FOR_COUNTS * n_clusters
    width = len(kinds) if by_counts else n_clusters
    chunk = max(1, _BOOTSTRAP_CELLS_PER_CHUNK // width)
    deltas = np.empty(n_bootstrap)
    for start in range(0, n_bootstrap, chunk):
        rows = min(chunk, n_bootstrap - start)
        if by_counts:
            counts = rng.multinomial(n_clusters, multiplicity / n_clusters, size=rows)
            deltas[start:start + rows] = (counts @ kinds[:, 0]) / (counts @ kinds[:, 1])
        else:
            drawn = rng.integers(0, n_clusters, size=(rows, n_clusters))
            deltas[start:start + rows] = sums[drawn].sum(axis=1) / sizes[drawn].sum(axis=1)
    p_value = (1 + int(np.sum(deltas >= -margin))) / (n_bootstrap + 1)
    ci_low, ci_high = np.quantile(deltas, [alpha, 1.0 - alpha])
    return p_value, float(ci_low), float(ci_high)


def naive_se(differences: np.ndarray) -> float:
    """Standard error of the mean difference treating items as independent."""
    n = len(differences)
    if n < 2:
        return math.nan
    return float(np.std(differences, ddof=1) / math.sqrt(n))


def clustered_se(differences: np.ndarray, clusters: np.ndarray) -> float:
    """Cluster-robust (CR1) standard error of the mean difference.

    `clusters[i]` is item i's cluster index (0..G-1). With every item its own
    cluster this equals `naive_se`; positively correlated items within a
    cluster make it larger, as it should be.
    """
    n = len(differences)
    n_clusters = int(clusters.max()) + 1 if n else 0
    if n < 2 or n_clusters < 2:
        return math.nan
    centred = differences - differences.mean()
    cluster_sums = np.bincount(clusters, weights=centred, minlength=n_clusters)
    variance = n_clusters / (n_clusters - 1) * float(np.sum(cluster_sums ** 2)) / n ** 2
    return math.sqrt(variance)


# ---------------------------------------------------------------------------


class _PairedScores(NamedTuple):
    ids: list[str]
    baseline: np.ndarray    # per-item mean over its samples
    candidate: np.ndarray
    clusters: np.ndarray    # per-item cluster index
    n_clusters: int
    has_templates: bool

    @classmethod
    def from_items(cls, family: str, items: Iterable[PairedItem | Sequence]) -> "_PairedScores":
        rows = [item if isinstance(item, PairedItem) else PairedItem._make(item) for item in items]
        if not rows:
            raise BadInput(f"family {family!r} has no scored items to compare")
        ids = [str(row.problem_id) for row in rows]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            duplicate = next(i for i in ids if i in seen or seen.add(i))
            raise BadInput(f"family {family!r}: problem {duplicate!r} appears more than once")
        baseline = _item_means(family, "baseline", ids, [row.baseline for row in rows])
        candidate = _item_means(family, "candidate", ids, [row.candidate for row in rows])
        templates = [row.template for row in rows]
        if templates.count(None) == len(templates):
            return cls(ids, baseline, candidate, np.arange(len(ids), dtype=np.intp), len(ids), False)
        index: dict[object, int] = {}
        # A template-less item is its own cluster; keyed by position so it never merges.
        clusters = np.array([index.setdefault(t if t is not None else (None, i), len(index))
                             for i, t in enumerate(templates)], dtype=np.intp)
        return cls(ids, baseline, candidate, clusters, len(index), True)


def _item_means(family: str, side: str, ids: list[str], samples: list[Sequence[float]]) -> np.ndarray:
    lengths = np.array(list(map(len, samples)), dtype=np.intp)
    if np.any(lengths == 0):
        missing = ids[int(np.flatnonzero(lengths == 0)[0])]
        raise BadInput(f"family {family!r}: problem {missing!r} has no {side} scores")
    flat = np.fromiter(chain.from_iterable(samples), dtype=float, count=int(lengths.sum()))
    bad = ~((flat >= 0.0) & (flat <= 1.0))  # also catches nan
    if np.any(bad):
        owner = int(np.searchsorted(np.cumsum(lengths), int(np.flatnonzero(bad)[0]), side="right"))
        raise BadInput(f"family {family!r}: problem {ids[owner]!r} has a {side} score outside [0, 1]")
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.add.reduceat(flat, starts) / lengths


def _score_z(lost: int, gained: int, n: int, delta0: float) -> float:
    """Tango's score statistic for H0: delta = delta0 (candidate minus baseline).

    Negative when the data favour a delta below delta0. The variance is that of
    one item's difference, 2x + |D| - D^2, at the restricted maximum-likelihood
    cell probabilities under the null (x = the smaller discordant probability).
    """
    if n <= 0 or lost < 0 or gained < 0 or lost + gained > n:
        raise ValueError(f"need 0 <= lost + gained <= n, got lost={lost}, gained={gained}, n={n}")
    observed = (gained - lost) / n
    drop = -delta0  # = P(lost) - P(gained) under the null
    # Solve for x = the null's smaller discordant probability; the side with the
    # larger one (more lost if drop > 0) plays the part of `more` below.
    more, fewer = (lost, gained) if drop >= 0 else (gained, lost)
    d = abs(drop)
    concordant = n - lost - gained
    # Root of 2n x^2 - b x - c = 0, from setting the restricted log-likelihood's derivative to 0.
    b = more * (1 - d) + fewer * (1 - 3 * d) - 2 * concordant * d
    c = fewer * d * (1 - d)
    x = (b + math.sqrt(b * b + 8 * n * c)) / (4 * n)
    variance = (2 * x + d - d * d) / n
    if variance <= 0:
        return 0.0 if observed == delta0 else math.copysign(math.inf, observed - delta0)
    return (observed - delta0) / math.sqrt(variance)


def _bisect(holds, low: float, high: float, tolerance: float = 1e-10) -> float:
    """The boundary in [low, high] where `holds` turns from true (at low) to false."""
    while high - low > tolerance:
        middle = (low + high) / 2
        if holds(middle):
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _binomial_coefficient_sum(n: int, first: int, last: int) -> int:
    """Sum of comb(n, k) for first <= k <= last, exactly, one multiplication per term."""
    if last < first:
        return 0
    term = math.comb(n, first)
    total = term
    for k in range(first, last):
        term = term * (n - k) // (k + 1)
        total += term
    return total


def _normal_cdf(z: float) -> float:
    # erfc keeps precision deep in the lower tail, where the small p-values are.
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _stable_key(text: str) -> int:
    """A per-family seed component that is the same on every machine (hash() is not)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")


def _with_adjusted_p(result, p_adjusted: float, alpha: float):
    return replace(result, p_adjusted=p_adjusted, verdict=_verdict(p_adjusted, alpha, result.sensitivity))
