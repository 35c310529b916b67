"""The checkpoint gate: paired tests per family (stats), their planning (power),
and the `gate`, `plan` and `baseline` commands (cli, command, plan, baselines).

Names load on first use (PEP 562), so building the CLI's parser never imports numpy.
"""
import importlib

_EXPORTS = {
    "detection_probability": "power", "items_needed": "power", "textbook_detectable_drop": "power",
    "textbook_items_needed": "power", "FamilyResult": "stats", "GateResult": "stats", "PairedItem": "stats",
    "compare_family": "stats", "gate": "stats", "holm": "stats", "mcnemar_exact_p": "stats",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"proctor.gate.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'proctor.gate' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
