"""The checkpoint gate's statistics: paired tests per family (stats) and their planning (power)."""
from proctor.gate.power import detection_probability, items_needed, textbook_detectable_drop, textbook_items_needed
from proctor.gate.stats import FamilyResult, GateResult, PairedItem, compare_family, gate, holm, mcnemar_exact_p

__all__ = ["FamilyResult", "GateResult", "PairedItem", "compare_family", "detection_probability", "gate", "holm",
           "items_needed", "mcnemar_exact_p", "textbook_detectable_drop", "textbook_items_needed"]
