"""The checkpoint gate: paired tests per family and overall (stats, overall), their planning and
their power after the fact (power, sensitivity), the verdict from two runs (sides, outcome) and
its renderings (outputs); `proctor plan`'s numbers (plan).

Names load on first use (PEP 562), so building the CLI's parser never imports numpy.
"""
import importlib

_EXPORTS = {
    "detection_probability": "power", "items_needed": "power", "textbook_detectable_drop": "power",
    "textbook_items_needed": "power", "FamilyResult": "stats", "GateResult": "stats", "PairedItem": "stats",
    "compare_family": "stats", "gate": "stats", "holm": "stats", "mcnemar_exact_p": "stats",
    "min_detectable_drop": "power", "OverallResult": "overall", "stratified_test": "overall",
    "Sensitivity": "sensitivity",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"proctor.gate.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'proctor.gate' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
