"""`proctor plan`'s arithmetic: docs/design.md's figures, and plans that hold up in simulation."""
import math

import numpy as np
import pytest

from proctor.gate.power import (detection_probability, items_needed, textbook_detectable_drop,
                                textbook_items_needed)
from proctor.gate.stats import paired_score_p


@pytest.mark.parametrize("paired, correlation, design_figure", [(False, 0.5, 6492), (True, 0.5, 3246), (True, 0.8, 1299)])
def test_design_items_to_detect_a_two_point_drop(paired, correlation, design_figure):
    n = textbook_items_needed(0.02, 0.70, correlation, alpha=0.05, power=0.8, paired=paired)
    assert n == pytest.approx(design_figure, rel=0.01)


@pytest.mark.parametrize("n, figures", [(1000, (5.1, 3.6, 2.3)), (5000, (2.3, 1.6, 1.0))])
def test_design_smallest_detectable_drop_in_points(n, figures):
    unpaired = textbook_detectable_drop(n, 0.70, paired=False)
    paired_05 = textbook_detectable_drop(n, 0.70, 0.5)
    paired_08 = textbook_detectable_drop(n, 0.70, 0.8)
    assert [round(100 * d, 1) for d in (unpaired, paired_05, paired_08)] == list(figures)


def test_unpaired_is_the_paired_plan_at_zero_correlation():
    assert items_needed(0.02, 0.7, 0.9, paired=False) == items_needed(0.02, 0.7, 0.0)
    assert textbook_items_needed(0.02, 0.7, 0.9, paired=False) == textbook_items_needed(0.02, 0.7, 0.0)


@pytest.mark.parametrize("margin, acc, correlation", [(0.02, 0.70, 0.5), (0.02, 0.70, 0.8), (0.01, 0.90, 0.6),
                                                       (0.05, 0.50, 0.0), (0.03, 0.30, 0.7)])
def test_items_needed_is_the_smallest_n_reaching_the_power(margin, acc, correlation):
    n = items_needed(margin, acc, correlation, power=0.8)
    assert detection_probability(n, margin, acc, correlation) >= 0.8
    assert detection_probability(n - 1, margin, acc, correlation) < 0.8


def test_the_plan_is_close_to_the_textbook_but_not_below_what_the_test_needs():
    # Same distance from the null (2 points), honest variances: a few percent more than the textbook.
    plan = items_needed(0.02, 0.70, 0.5)
    textbook = textbook_items_needed(0.02, 0.70, 0.5)
    assert textbook < plan <= 1.05 * textbook
    assert detection_probability(textbook, 0.02, 0.70, 0.5) < 0.8


def test_more_correlation_fewer_items_and_more_power_with_more_items():
    counts = [items_needed(0.02, 0.7, r) for r in (0.0, 0.3, 0.5, 0.8)]
    assert counts == sorted(counts, reverse=True) and counts[0] > 2 * counts[2]
    powers = [detection_probability(n, 0.02, 0.7) for n in (500, 1000, 3000, 10000)]
    assert powers == sorted(powers) and powers[-1] > 0.99


@pytest.mark.parametrize("margin, acc, correlation", [(0.01, 0.90, 0.6), (0.03, 0.50, 0.8)])
def test_planned_n_detects_a_drop_of_twice_the_margin_in_simulation(margin, acc, correlation):
    """Other corners than the 0.70 one simulated in test_gate_stats, on the gate's score test directly."""
    n = items_needed(margin, acc, correlation)
    rng = np.random.default_rng(21)
    candidate = acc - 2 * margin
    both = acc * candidate + correlation * math.sqrt(acc * (1 - acc) * candidate * (1 - candidate))
    cells = [both, acc - both, candidate - both, 1 - acc - candidate + both]
    trials = 4000
    detected = np.mean([paired_score_p(int(lost), int(gained), n, margin) <= 0.05
                        for _, lost, gained, _ in rng.multinomial(n, cells, size=trials)])
    assert detected >= 0.80 - 3 * math.sqrt(0.16 / trials)


@pytest.mark.parametrize("kwargs", [
    dict(margin=0.02, baseline_acc=0.7, correlation=1.0),     # perfect correlation is impossible when accuracies differ
    dict(margin=0.02, baseline_acc=0.03),                     # nothing left to drop
    dict(margin=0.02, baseline_acc=0.7, drop=0.02),           # a drop inside the margin is never "detected"
    dict(margin=0.02, baseline_acc=0.7, alpha=0.0),
    dict(margin=0.02, baseline_acc=1.0),
])
def test_impossible_plans_are_refused(kwargs):
    with pytest.raises(ValueError):
        items_needed(**kwargs)
