"""`proctor plan`'s arithmetic: docs/design.md's figures, and plans that hold up in simulation."""
import math

import numpy as np
import pytest

from proctor.gate.power import (detection_probability, feasible_correlation, items_needed, min_detectable_drop,
                                textbook_detectable_drop, textbook_items_needed)
from proctor.gate.sensitivity import design_effect, judge
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


# --- the power of a finished gate at its own n (proctor/gate/sensitivity.py) ---------------------

@pytest.mark.parametrize("margin, acc, correlation", [(0.02, 0.70, 0.5), (0.01, 0.90, 0.6), (0.05, 0.50, 0.0)])
def test_min_detectable_drop_agrees_with_the_plan(margin, acc, correlation):
    """At the planned n the smallest detectable drop is twice the margin; one item fewer, it is more."""
    n = items_needed(margin, acc, correlation)
    assert min_detectable_drop(n, margin, acc, correlation) <= 2 * margin + 1e-6
    assert min_detectable_drop(n - 1, margin, acc, correlation) > 2 * margin
    drops = [min_detectable_drop(k, margin, acc, correlation) for k in (100, 1000, 10_000)]
    assert drops == sorted(drops, reverse=True)


def test_min_detectable_drop_is_none_where_nothing_can_drop_that_far():
    assert min_detectable_drop(5, 0.02, 0.5, 0.5) is None      # 5 items: not even losing everything is seen
    assert min_detectable_drop(1000, 0.02, 0.015, 0.5) is None  # the baseline is below the margin


def test_feasible_correlation_stays_inside_the_2x2_table():
    p, q = 0.7, 0.66
    highest = feasible_correlation(p, q, 1.0)
    both = p * q + highest * math.sqrt(p * (1 - p) * q * (1 - q))
    assert both == pytest.approx(q)  # at the top, the candidate gains nothing: all its right answers are shared
    lowest = feasible_correlation(p, q, -1.0)
    assert p * q + lowest * math.sqrt(p * (1 - p) * q * (1 - q)) == pytest.approx(p + q - 1)
    assert feasible_correlation(p, q, 0.5) == 0.5


def test_judge_assumes_the_planning_correlation_only_when_the_runs_show_none():
    estimated = judge(300, 0.7, 0.9, margin=0.02, drop=0.04, alpha=0.05, power=0.8, n_items=300)
    assumed = judge(300, 0.7, None, margin=0.02, drop=0.04, alpha=0.05, power=0.8, n_items=300)
    assert estimated.correlation_source == "estimated" and assumed.correlation_source == "assumed"
    assert assumed.correlation == 0.5 and estimated.min_detectable_drop < assumed.min_detectable_drop
    # A baseline with less accuracy than the drop cannot suffer it: nothing to detect, nothing missing.
    floor = judge(300, 0.03, 0.5, margin=0.02, drop=0.04, alpha=0.05, power=0.8, n_items=300)
    assert floor.power is None and floor.powered
    # All items right: the accuracy is kept half an item from 1, so the binary model has variance.
    top = judge(50, 1.0, None, margin=0.02, drop=0.04, alpha=0.05, power=0.8, n_items=50)
    assert top.baseline_acc == pytest.approx(0.99) and not top.powered


def test_templates_shrink_the_effective_n():
    rng = np.random.default_rng(22)
    templates = np.repeat(np.arange(40), 10)
    skill = rng.uniform(0.1, 0.9, 40)
    scores = rng.binomial(1, skill[templates]).astype(float)
    effect = design_effect(scores, templates)
    assert effect > 2  # items of one template succeed together
    assert design_effect(scores, np.arange(400)) == 1.0
