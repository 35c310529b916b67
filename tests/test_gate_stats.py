"""The gate's statistics, checked against simulated checkpoints with known truth.

Every simulation is seeded, so a run is reproducible; the slack on each rate is
about three standard errors of the simulated proportion.
"""
import math
from fractions import Fraction

import numpy as np
import pytest

from proctor.errors import BadInput
from proctor.gate import FamilyResult, PairedItem, compare_family, gate, holm, items_needed, mcnemar_exact_p
from proctor.gate.power import detection_probability
from proctor.gate.stats import (BOOTSTRAP, CLUSTER_BOOTSTRAP, MCNEMAR_EXACT, TANGO_SCORE, clustered_se, naive_se,
                                paired_score_interval, paired_score_p)

ALPHA = 0.05


def slack(rate: float, trials: int) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / trials)


def cell_probabilities(baseline_acc: float, candidate_acc: float, correlation: float) -> list[float]:
    """P(both right), P(lost: baseline only), P(gained: candidate only), P(both wrong)."""
    both = baseline_acc * candidate_acc + correlation * math.sqrt(
        baseline_acc * (1 - baseline_acc) * candidate_acc * (1 - candidate_acc))
    return [both, baseline_acc - both, candidate_acc - both, 1 - baseline_acc - candidate_acc + both]


class BinaryCheckpoints:
    """Draws paired binary items (one sample each) for two checkpoints with known accuracies."""

    def __init__(self, n: int, prefix: str = ""):
        self.n = n
        outcomes = [(1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]
        self.pools = [[PairedItem(f"{prefix}{cell}-{i}", None, (b,), (c,)) for i in range(n)]
                      for cell, (b, c) in enumerate(outcomes)]

    def draws(self, rng, baseline_acc, candidate_acc, correlation, times):
        for counts in rng.multinomial(self.n, cell_probabilities(baseline_acc, candidate_acc, correlation), size=times):
            yield [item for pool, k in zip(self.pools, counts) for item in pool[:k]]


def items_from_counts(both: int, lost: int, gained: int, neither: int) -> list[PairedItem]:
    cells = [(both, 1.0, 1.0), (lost, 1.0, 0.0), (gained, 0.0, 1.0), (neither, 0.0, 0.0)]
    return [PairedItem(f"c{cell}-{i}", None, [b], [c]) for cell, (count, b, c) in enumerate(cells)
            for i in range(count)]


# --- the evidence: false alarms and power, through the public gate() ---------------

PLANNED_N = items_needed(0.02, 0.70, 0.5)


@pytest.mark.parametrize("margin", [0.02, 0.0])
def test_identical_checkpoints_false_alarm_at_most_alpha_over_2000_gates(margin):
    rng = np.random.default_rng(7)
    source = BinaryCheckpoints(PLANNED_N)
    results = [gate({"arith": items}, margin=margin, alpha=ALPHA)
               for items in source.draws(rng, 0.70, 0.70, 0.5, times=2000)]
    false_alarms = sum(r.verdict == "regressed" for r in results) / len(results)
    assert results[0].families[0].method == (TANGO_SCORE if margin else MCNEMAR_EXACT)
    assert false_alarms <= ALPHA + slack(ALPHA, 2000)


def test_a_true_drop_of_twice_the_margin_is_caught_at_the_planned_power():
    margin = 0.02
    assert detection_probability(PLANNED_N, margin, 0.70, 0.5) >= 0.80
    rng = np.random.default_rng(8)
    source = BinaryCheckpoints(PLANNED_N)
    results = [gate({"arith": items}, margin=margin, alpha=ALPHA)
               for items in source.draws(rng, 0.70, 0.70 - 2 * margin, 0.5, times=2000)]
    detected = sum(r.verdict == "regressed" for r in results) / len(results)
    assert detected >= 0.80 - slack(0.80, 2000)
    # The verdict and the one-sided bound tell the same story (one family, so Holm changes nothing).
    agree = sum((r.families[0].ci_high < -margin) == (r.verdict == "regressed") for r in results)
    assert agree >= 0.995 * len(results)


def test_score_test_size_at_the_margin_boundary_is_near_alpha():
    """At delta = -M exactly, the null's edge, Tango's test rejects about alpha of the time."""
    rng = np.random.default_rng(9)
    trials = 20_000
    for n, acc, correlation in [(3357, 0.70, 0.5), (500, 0.70, 0.5), (400, 0.90, 0.3), (1000, 0.50, 0.8)]:
        counts = rng.multinomial(n, cell_probabilities(acc, acc - 0.02, correlation), size=trials)
        rate = np.mean([paired_score_p(int(lost), int(gained), n, 0.02) <= ALPHA for _, lost, gained, _ in counts])
        assert abs(rate - ALPHA) <= slack(ALPHA, trials) + 0.005, (n, acc, correlation, rate)


# --- Holm across families ------------------------------------------------------------------

def test_holm_keeps_20_clean_families_at_alpha_where_uncorrected_fails_64_percent():
    rng = np.random.default_rng(10)
    trials = 20_000
    p_values = rng.uniform(size=(trials, 20))
    uncorrected = np.mean(np.any(p_values <= ALPHA, axis=1))
    corrected = np.mean([min(holm(list(row))) <= ALPHA for row in p_values])
    assert abs(uncorrected - (1 - (1 - ALPHA) ** 20)) <= slack(0.64, trials)
    assert corrected <= ALPHA + slack(ALPHA, trials)


def test_holm_adjusted_p_values_follow_the_step_down_rule():
    # sorted: 0.01 * 3, then 0.03 * 2, then 0.04 * 1 raised to the running maximum 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([0.2]) == [0.2]


def test_a_clean_gate_of_20_families_rarely_fails():
    rng = np.random.default_rng(11)
    sources = [BinaryCheckpoints(200, prefix=f"f{f}-") for f in range(20)]
    gates = 400
    draws = [s.draws(rng, 0.70, 0.70, 0.5, times=gates) for s in sources]
    failed = raw_failed = 0
    for _ in range(gates):
        result = gate({f"family{f}": next(d) for f, d in enumerate(draws)}, margin=0.0, alpha=ALPHA)
        failed += result.verdict == "regressed"
        raw_failed += any(f.p_value <= ALPHA for f in result.families)
    assert failed / gates <= ALPHA + slack(ALPHA, gates)
    assert raw_failed / gates >= 0.40  # exact McNemar is conservative, so below 64%, still far above alpha


def test_holm_decides_each_family_and_the_overall_verdict():
    clean = items_from_counts(600, 50, 50, 300)
    broken = items_from_counts(560, 120, 20, 300)
    result = gate({"clean": clean, "broken": broken, "clean2": clean}, margin=0.02)
    assert result.verdict == "regressed" and result.regressed == ("broken",)
    by_name = {f.family: f for f in result.families}
    assert [f.family for f in result.families] == ["clean", "broken", "clean2"]
    # Holm over the three families and the overall test: the smallest p is multiplied by 4.
    assert by_name["broken"].p_adjusted == pytest.approx(4 * by_name["broken"].p_value)
    assert result.overall is not None and result.overall.p_adjusted >= result.overall.p_value
    assert by_name["clean"].verdict != "regressed"
    assert result.n == 3000
    assert result.delta == pytest.approx((0 + (20 - 120) / 1000 + 0) / 3)


def test_per_family_margins_override_the_default():
    drop_of_three_points = items_from_counts(600, 80, 50, 270)
    strict = gate({"a": drop_of_three_points}, margin=0.0)
    lenient = gate({"a": drop_of_three_points}, margin=0.0, margins={"a": 0.05})
    assert strict.families[0].margin == 0.0 and lenient.families[0].margin == 0.05
    assert lenient.families[0].p_value > strict.families[0].p_value
    assert lenient.passed
    with pytest.raises(BadInput, match="not in the gate"):
        gate({"a": drop_of_three_points}, margins={"b": 0.05})


# --- McNemar and the score test on binary items --------------------------------------------

def test_design_example_one_sided_exact_mcnemar():
    """docs/design.md (Gate): 1,000 items, 45 lost and 25 gained: one-sided exact McNemar p = 0.011."""
    assert round(mcnemar_exact_p(45, 25), 3) == 0.011
    result = compare_family("arith", items_from_counts(650, 45, 25, 280), margin=0.0)
    assert isinstance(result, FamilyResult)
    assert result.method == MCNEMAR_EXACT and result.p_value == mcnemar_exact_p(45, 25)
    assert result.verdict == "regressed" and result.delta == pytest.approx(-0.02)
    assert len(result.lost) == 45 and all(i.startswith("c1-") for i in result.lost)
    assert len(result.gained) == 25 and all(i.startswith("c2-") for i in result.gained)
    # With the default margin 0.02 the same two-point drop is within the margin: no regression
    # (and 1,000 items at this pairing cannot see a 4-point drop with 80% power: inconclusive).
    within = compare_family("arith", items_from_counts(650, 45, 25, 280))
    assert within.verdict == "inconclusive" and within.sensitivity.min_detectable_drop > 0.04


def test_exact_mcnemar_equals_the_binomial_tail():
    for lost, gained in [(0, 0), (3, 0), (0, 3), (7, 2), (2, 7), (30, 31), (100, 60)]:
        n = lost + gained
        tail = sum((Fraction(math.comb(n, k), 2 ** n) for k in range(lost, n + 1)), Fraction(0))
        assert mcnemar_exact_p(lost, gained) == pytest.approx(float(tail) if n else 1.0, rel=1e-12)
    tiny = mcnemar_exact_p(3000, 1000)  # a float binomial pmf underflows here; exact arithmetic does not
    assert 0.0 < tiny < 1e-200
    assert mcnemar_exact_p(1000, 3000) == 1.0


def test_score_test_at_zero_margin_is_mcnemars_z():
    for lost, gained, n in [(45, 25, 1000), (10, 30, 200), (60, 61, 500)]:
        z = (gained - lost) / math.sqrt(lost + gained)
        assert paired_score_p(lost, gained, n, 0.0) == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)))


def test_score_test_variance_is_the_restricted_maximum_likelihood():
    """The closed-form root agrees with maximising the constrained likelihood numerically."""
    for lost, gained, n, margin in [(45, 25, 1000, 0.02), (130, 90, 3000, 0.02), (5, 0, 100, 0.05), (40, 80, 500, 0.01)]:
        concordant = n - lost - gained
        grid = np.linspace(1e-7, (1 - margin) / 2 - 1e-7, 400_001)  # x = P(gained) under the null
        loglik = lost * np.log(grid + margin) + gained * np.log(grid) + concordant * np.log(1 - 2 * grid - margin)
        x = grid[np.argmax(loglik)]
        z = ((gained - lost) / n + margin) / math.sqrt((2 * x + margin - margin ** 2) / n)
        assert paired_score_p(lost, gained, n, margin) == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)), abs=1e-5)


def test_score_interval_is_the_set_the_test_does_not_reject():
    lost, gained, n = 45, 25, 1000
    low, high = paired_score_interval(lost, gained, n, confidence=0.90)
    assert low < -0.02 < high < 0
    # At the upper bound, testing "delta >= high" gives p = 0.05 exactly.
    assert paired_score_p(lost, gained, n, margin=-high) == pytest.approx(0.05, abs=1e-6)
    wide_low, wide_high = paired_score_interval(lost, gained, n, confidence=0.99)
    assert wide_low < low and wide_high > high


# --- partial credit, k samples, templates: the bootstrap -----------------------------------

def k_sample_items(rng, n, k, solve_rates_baseline, solve_rates_candidate, templates=None):
    base = rng.binomial(1, solve_rates_baseline[:, None], size=(n, k)).astype(float)
    cand = rng.binomial(1, solve_rates_candidate[:, None], size=(n, k)).astype(float)
    return [PairedItem(f"p{i}", None if templates is None else templates[i], base[i].tolist(), cand[i].tolist())
            for i in range(n)]


def test_k_samples_are_averaged_per_item_before_testing():
    items = [PairedItem("a", None, [1, 1, 0, 0], [1, 1, 1, 1]), PairedItem("b", None, [1, 1, 1, 1], [0, 0, 0, 1]),
             PairedItem("c", None, [0], [0.5])]
    result = compare_family("f", items, margin=0.0, n_bootstrap=500)
    assert result.method == BOOTSTRAP and result.n == 3
    assert result.baseline_mean == pytest.approx((0.5 + 1 + 0) / 3)
    assert result.candidate_mean == pytest.approx((1 + 0.25 + 0.5) / 3)
    assert result.lost == ("b",) and result.gained == ("a", "c")  # biggest change first


def test_bootstrap_identical_checkpoints_with_k_samples_false_alarm_at_most_alpha():
    rng = np.random.default_rng(12)
    gates, n = 1000, 400
    failed = 0
    for g in range(gates):
        rates = rng.beta(2, 1, size=n)  # same model twice: same per-item solve rates, fresh samples
        result = compare_family("f", k_sample_items(rng, n, 4, rates, rates), margin=0.0, n_bootstrap=1000, seed=g)
        failed += result.verdict == "regressed"
    assert result.method == BOOTSTRAP
    assert failed / gates <= ALPHA + slack(ALPHA, gates)


def test_bootstrap_catches_a_drop_and_agrees_with_the_normal_theory_test():
    rng = np.random.default_rng(13)
    gates, n, margin = 300, 600, 0.02
    detected = agree = 0
    for g in range(gates):
        rates = rng.beta(2, 1, size=n)
        result = compare_family("f", k_sample_items(rng, n, 4, rates, np.clip(rates - 0.06, 0, 1)), margin=margin,
                                n_bootstrap=2000, seed=g)
        wald_p = 0.5 * math.erfc(-((result.delta + margin) / result.se) / math.sqrt(2))
        detected += result.verdict == "regressed"
        agree += (result.p_value <= ALPHA) == (wald_p <= ALPHA)
        assert (result.p_value <= ALPHA) == (result.ci_high < -margin) or abs(result.ci_high + margin) < 1e-3
    assert detected / gates >= 0.80
    assert agree / gates >= 0.95


def test_bootstrap_real_valued_partial_credit_false_alarm_at_most_alpha():
    rng = np.random.default_rng(14)
    gates, n = 400, 200
    failed = 0
    for g in range(gates):
        quality = rng.beta(2, 2, size=n)
        base = np.clip(quality + rng.normal(0, 0.15, n), 0, 1)
        cand = np.clip(quality + rng.normal(0, 0.15, n), 0, 1)
        items = [PairedItem(f"p{i}", None, [base[i]], [cand[i]]) for i in range(n)]
        result = compare_family("f", items, margin=0.0, n_bootstrap=1000, seed=g)
        failed += result.verdict == "regressed"
    assert result.method == BOOTSTRAP
    assert failed / gates <= ALPHA + slack(ALPHA, gates)


def test_bootstrap_is_seeded_and_independent_of_family_order():
    rng = np.random.default_rng(15)
    rates = rng.beta(2, 1, size=300)
    a = k_sample_items(rng, 300, 3, rates, rates)
    b = k_sample_items(rng, 300, 3, rates, rates)
    first = gate({"a": a, "b": b}, seed=1, n_bootstrap=2000)
    again = gate({"b": b, "a": a}, seed=1, n_bootstrap=2000)
    assert {f.family: f.p_value for f in first.families} == {f.family: f.p_value for f in again.families}
    other_seed = gate({"a": a, "b": b}, seed=2, n_bootstrap=2000)
    assert [f.p_value for f in other_seed.families] != [f.p_value for f in first.families]


def template_items(rng, templates, per_template, spread, use_templates=True):
    """Template-level skill differences that cancel on average: the true delta is 0."""
    base = rng.uniform(0.2, 0.8, templates)
    shift = np.clip(rng.normal(0, spread, templates), -0.35, 0.35)
    b = rng.binomial(1, np.repeat(base + shift / 2, per_template))
    c = rng.binomial(1, np.repeat(base - shift / 2, per_template))
    return [PairedItem(f"p{i}", f"t{i // per_template}" if use_templates else None, [float(b[i])], [float(c[i])])
            for i in range(templates * per_template)]


def test_clustered_se_is_larger_than_naive_and_calibrated_when_templates_correlate():
    rng = np.random.default_rng(16)
    deltas, clustered, naive = [], [], []
    clusters = np.repeat(np.arange(40), 10)
    for _ in range(2000):
        items = template_items(rng, 40, 10, spread=0.25)
        d = np.array([it.candidate[0] - it.baseline[0] for it in items])
        deltas.append(d.mean())
        clustered.append(clustered_se(d, clusters))
        naive.append(naive_se(d))
    true_sd = float(np.std(deltas))
    assert np.mean(np.array(clustered) >= np.array(naive)) >= 0.95
    assert np.mean(clustered) == pytest.approx(true_sd, rel=0.1)
    assert np.mean(naive) < 0.9 * true_sd  # treating template-mates as independent overstates the evidence


def test_clustered_se_equals_naive_se_with_one_item_per_cluster():
    d = np.random.default_rng(17).normal(size=50)
    assert clustered_se(d, np.arange(50)) == pytest.approx(naive_se(d), rel=1e-12)


def test_templates_are_resampled_whole_and_keep_false_alarms_at_alpha():
    rng = np.random.default_rng(18)
    gates = 600
    with_templates = without = 0
    for g in range(gates):
        state = rng.bit_generator.state
        clustered = compare_family("f", template_items(rng, 40, 10, 0.15), margin=0.0, n_bootstrap=1000, seed=g)
        rng.bit_generator.state = state  # the same data, templates ignored
        ignored = compare_family("f", template_items(rng, 40, 10, 0.15, use_templates=False), margin=0.0)
        with_templates += clustered.verdict == "regressed"
        without += ignored.verdict == "regressed"
    assert clustered.method == CLUSTER_BOOTSTRAP and clustered.n_clusters == 40 and clustered.n == 400
    assert ignored.method == MCNEMAR_EXACT
    assert with_templates / gates <= ALPHA + slack(ALPHA, gates)
    assert without > with_templates


# --- input the gate must refuse ------------------------------------------------------------

@pytest.mark.parametrize("items, message", [
    ([], "no scored items"),
    ([("a", None, [1], [1]), ("a", None, [0], [1])], "appears more than once"),
    ([("a", None, [], [1])], "no baseline scores"),
    ([("a", None, [1], [1]), ("b", None, [1], [1.5])], "'b' has a candidate score outside"),
    ([("a", None, [1, float("nan")], [1])], "outside"),
    ([("a", None, [1], [-0.1])], "outside"),
])
def test_bad_items_are_refused_with_a_clear_message(items, message):
    with pytest.raises(BadInput, match=message):
        compare_family("fam", items)


def test_bad_parameters_are_refused():
    items = items_from_counts(5, 1, 1, 3)
    with pytest.raises(ValueError):
        compare_family("f", items, margin=-0.01)
    with pytest.raises(ValueError):
        compare_family("f", items, alpha=0.7)
    with pytest.raises(BadInput):
        gate({})


def test_plain_tuples_and_unanimous_runs_work():
    same = [(f"p{i}", None, [1.0], [1.0]) for i in range(10)]
    result = compare_family("f", same, margin=0.0)
    assert result.p_value == 1.0 and result.lost == () and result.gained == ()
    assert result.correlation is None  # no variation to correlate
    # Ten items show no regression, and could not have shown one: the planning correlation is assumed.
    assert result.verdict == "inconclusive" and result.sensitivity.correlation_source == "assumed"
