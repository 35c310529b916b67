"""The overall stratified test and how it combines with the per-family tests, checked by simulation.

The combination (proctor/gate/overall.py): one Holm procedure over the F family
hypotheses and the overall one, with the overall margin the item-weighted mean
of the families' margins. A clean candidate must then fail anywhere at most
alpha of the time, and a broad drop too thin for any family must still be caught.

Simulating thousands of gates of 8 x 3,357 items through `gate()` would take
minutes, so the simulations draw each family's 2x2 counts and run the gate's
own functions on them (the score test or exact McNemar, the stratified test,
Holm); `test_counts_level_decision_is_the_gates_decision` checks that this is
exactly what `gate()` decides on the same data. Every simulation is seeded.
"""
import math

import numpy as np
import pytest

from proctor.gate import PairedItem, gate, holm, items_needed, mcnemar_exact_p
from proctor.gate.overall import default_margin, stratified_test
from proctor.gate.stats import paired_score_p

ALPHA = 0.05
PLANNED_N = items_needed(0.02, 0.70, 0.5)   # 3,357: what `proctor plan` asks per family
FAMILIES = 8


def slack(rate: float, trials: int) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / trials)


def cells(baseline_acc: float, candidate_acc: float, correlation: float) -> list[float]:
    both = baseline_acc * candidate_acc + correlation * math.sqrt(
        baseline_acc * (1 - baseline_acc) * candidate_acc * (1 - candidate_acc))
    return [both, baseline_acc - both, candidate_acc - both, 1 - baseline_acc - candidate_acc + both]


def draw(rng, n: int, families: int, trials: int, baseline_acc: float, candidate_acc: float,
         correlation: float = 0.5) -> np.ndarray:
    """(trials, families, 4) counts: both right, lost, gained, both wrong."""
    return rng.multinomial(n, cells(baseline_acc, candidate_acc, correlation), size=(trials, families))


def decisions(counts: np.ndarray, margin: float) -> dict[str, np.ndarray]:
    """The gate's decision per simulated gate, from counts: which tests reject after Holm."""
    trials, families, _ = counts.shape
    n = counts[0, 0].sum()
    lost, gained = counts[..., 1], counts[..., 2]
    delta = (gained - lost) / n
    # The paired standard error per family (one item per cluster): sample sd / sqrt(n).
    se = np.sqrt(np.maximum((lost + gained) / n - delta ** 2, 0) / (n - 1))
    overall_margin = default_margin([margin] * families, [n] * families)
    family_rejects, overall_rejects, any_family_alone, each_family = [], [], [], []
    for t in range(trials):
        if margin == 0:
            p = [mcnemar_exact_p(int(a), int(b)) for a, b in zip(lost[t], gained[t])]
        else:
            p = [paired_score_p(int(a), int(b), int(n), margin) for a, b in zip(lost[t], gained[t])]
        _, _, p_overall, _, _ = stratified_test(delta[t], se[t], [n] * families, margin=overall_margin, alpha=ALPHA)
        adjusted = holm(p + [p_overall])
        family_rejects.append(min(adjusted[:-1]) <= ALPHA)
        each_family.append([a <= ALPHA for a in adjusted[:-1]])
        overall_rejects.append(adjusted[-1] <= ALPHA)
        any_family_alone.append(min(holm(p)) <= ALPHA)  # the gate before the overall test
    family_rejects, overall_rejects = np.array(family_rejects), np.array(overall_rejects)
    return {"gate": family_rejects | overall_rejects, "overall": overall_rejects, "families": family_rejects,
            "families_alone": np.array(any_family_alone), "each_family": np.array(each_family)}


def items(counts) -> list[PairedItem]:
    outcomes = [(1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]
    return [PairedItem(f"c{cell}-{i}", None, [b], [c]) for cell, (b, c) in enumerate(outcomes)
            for i in range(int(counts[cell]))]


def test_counts_level_decision_is_the_gates_decision():
    rng = np.random.default_rng(30)
    for margin, acc_drop in [(0.02, 0.03), (0.0, 0.02), (0.02, 0.0)]:
        counts = draw(rng, 400, 4, 12, 0.7, 0.7 - acc_drop)
        decided = decisions(counts, margin)
        for t in range(len(counts)):
            result = gate({f"f{f}": items(counts[t, f]) for f in range(4)}, margin=margin, alpha=ALPHA)
            assert result.overall is not None and result.overall.method == "stratified-z"
            assert (result.verdict == "regressed") == decided["gate"][t]
            assert result.overall.regressed == decided["overall"][t]
            assert bool(result.regressed) == decided["families"][t]


@pytest.mark.parametrize("margin, n", [(0.02, PLANNED_N), (0.0, PLANNED_N), (0.0, 300)])
def test_no_change_false_alarms_at_most_alpha_over_2000_gates(margin, n):
    """Identical accuracies, per-item noise (correlation 0.5): the whole gate, families and overall together."""
    rng = np.random.default_rng(31)
    trials = 2000
    decided = decisions(draw(rng, n, FAMILIES, trials, 0.70, 0.70), margin)
    assert decided["gate"].mean() <= ALPHA + slack(ALPHA, trials)


def test_the_overall_test_alone_is_calibrated_at_its_null_boundary():
    """Every family exactly at -margin: the overall test alone rejects about alpha of the time, not more."""
    rng = np.random.default_rng(32)
    trials, n, margin = 4000, 1000, 0.02
    counts = draw(rng, n, FAMILIES, trials, 0.70, 0.70 - margin)
    lost, gained = counts[..., 1], counts[..., 2]
    delta = (gained - lost) / n
    se = np.sqrt(np.maximum((lost + gained) / n - delta ** 2, 0) / (n - 1))
    rejects = np.mean([stratified_test(delta[t], se[t], [n] * FAMILIES, margin=margin, alpha=ALPHA)[2] <= ALPHA
                       for t in range(trials)])
    assert abs(rejects - ALPHA) <= slack(ALPHA, trials) + 0.005


def test_a_broad_three_point_drop_is_caught_at_the_planned_n_where_no_family_shows_it():
    """8 families at the planned 3,357 items each, every one 3 points worse: within no family's reach
    (each family is planned for 4 points), caught by the overall test at least 80% of the time."""
    rng = np.random.default_rng(33)
    trials = 2000
    decided = decisions(draw(rng, PLANNED_N, FAMILIES, trials, 0.70, 0.67), 0.02)
    assert decided["gate"].mean() >= 0.80 - slack(0.80, trials)
    assert decided["overall"].mean() >= 0.80 - slack(0.80, trials)
    # A given family flags the drop about one time in ten; the gate without the overall test
    # (any of the 8 families) catches it far less often than with it.
    assert decided["each_family"].mean() <= 0.15
    assert decided["gate"].mean() >= decided["families_alone"].mean() + 0.2


def test_stratified_test_weights_items_and_keeps_each_family_variance():
    delta, se, p, low, high = stratified_test([-0.1, 0.0], [0.02, 0.01], [100, 300], margin=0.02, alpha=0.05)
    assert delta == pytest.approx(-0.1 * 0.25)
    assert se == pytest.approx(math.sqrt(0.25 ** 2 * 0.02 ** 2 + 0.75 ** 2 * 0.01 ** 2))
    z = (delta + 0.02) / se
    assert p == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)))
    assert high == pytest.approx(delta + 1.6448536 * se, rel=1e-6) and low < delta < high
    # A stratum too small for a standard error gets the largest variance a difference can have.
    _, small_se, _, _, _ = stratified_test([0.0, 0.0], [float("nan"), 0.01], [1, 99], margin=0.0, alpha=0.05)
    assert small_se == pytest.approx(math.sqrt(0.01 ** 2 * 1.0 + 0.99 ** 2 * 0.01 ** 2))
    assert default_margin([0.02, 0.05], [300, 100]) == pytest.approx(0.0275)


def test_one_family_has_no_separate_overall_test():
    counts = [600, 45, 25, 330]
    result = gate({"only": items(counts)}, margin=0.0)
    assert result.overall is None
    assert result.families[0].p_adjusted == result.families[0].p_value  # Holm over one hypothesis


def test_overall_margin_can_be_set():
    clean = items([600, 40, 40, 320])
    thin = items([600, 55, 40, 305])   # 1.5 points worse
    loose = gate({"a": clean, "b": thin, "c": thin, "d": thin}, margin=0.02)
    strict = gate({"a": clean, "b": thin, "c": thin, "d": thin}, margin=0.02, overall_margin=0.0)
    assert loose.overall.margin == pytest.approx(0.02) and strict.overall.margin == 0.0
    assert strict.overall.p_value < loose.overall.p_value
