"""`proctor plan`: how many items a family needs for the gate to catch a drop of twice the margin.

`auto_items` is what a suite's `n = "auto"` resolves to; the command is proctor/commands/plan.py.
"""
from __future__ import annotations

from proctor.errors import BadInput
from proctor.gate.power import detection_probability, items_needed, textbook_items_needed

from proctor.defaults import DEFAULT_ALPHA, DEFAULT_CORRELATION, DEFAULT_POWER, margin_problem


def auto_items(margin: float, baseline_acc: float | None = None, correlation: float = DEFAULT_CORRELATION,
               alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> int:
    """Items per family for `n = "auto"`: Nam's paired score-test sample size at a drop of 2 * margin.

    Without a known baseline accuracy this takes the worst case over accuracies
    (the variance of a difference peaks near 0.5), so the plan never falls short.
    """
    problem = margin_problem(margin, positive=True)
    if problem:
        raise BadInput(f"an automatic item count needs a margin above 0: {problem}")
    try:
        if baseline_acc is not None:
            return items_needed(margin, baseline_acc, correlation, alpha, power)
        needed = [_items_or_none(margin, a / 100, correlation, alpha, power) for a in range(1, 100)]
        return max(n for n in needed if n is not None)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _items_or_none(margin: float, baseline_acc: float, correlation: float, alpha: float, power: float) -> int | None:
    """None where the accuracy cannot carry the drop at this correlation (the 2x2 table would be negative)."""
    try:
        return items_needed(margin, baseline_acc, correlation, alpha, power)
    except ValueError:
        return None


def plan_rows(margin: float, baseline_acc: float, correlation: float, alpha: float, power: float) -> list[dict]:
    """The planned (paired) design next to the unpaired one and the textbook approximation."""
    try:
        paired = items_needed(margin, baseline_acc, correlation, alpha, power)
        unpaired = items_needed(margin, baseline_acc, correlation, alpha, power, paired=False)
        # The textbook formula at the distance the test must cover: drop - margin = margin.
        textbook = textbook_items_needed(margin, baseline_acc, correlation, alpha, power)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return [
        {"design": f"paired, correlation {correlation:g} (the gate's test)", "items": paired,
         "power": detection_probability(paired, margin, baseline_acc, correlation, alpha)},
        {"design": "unpaired (independent item sets, for comparison)", "items": unpaired,
         "power": detection_probability(unpaired, margin, baseline_acc, correlation, alpha, paired=False)},
        {"design": "textbook common-variance formula (underpowered for the gate)", "items": textbook,
         "power": detection_probability(textbook, margin, baseline_acc, correlation, alpha)},
    ]
