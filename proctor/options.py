"""Checks for the numbers a user hands proctor: command-line options (usable as
argparse `type=`) and numeric fields of JSONL and suite files.

Every number must be finite, in its range, and an integer that reaches the run
store must fit SQLite's 64-bit INTEGER (a larger one fails inside sqlite3 as
OverflowError, far from the line that held it). The checks raise
argparse.ArgumentTypeError, which argparse reports as one line with exit 2;
`check_int` serves the file readers, which wrap its message with file and line.
"""
from __future__ import annotations

import argparse
import math

SQLITE_MAX = 2 ** 63 - 1
SQLITE_MIN = -2 ** 63
# memory_mb x 2^20 bytes must still fit the kernel's 64-bit resource limits.
MAX_MEMORY_MB = 2 ** 43 - 1
# Each worker is a process: more than this is a typo, not a machine.
MAX_WORKERS = 1024


def _number(text: str, kind: type):
    digits = text.strip().lstrip("+-")
    if kind is int and digits.isdigit() and len(digits) > 19:  # int() refuses past 4,300 digits anyway
        raise argparse.ArgumentTypeError(f"must be an integer from {SQLITE_MIN:,} to {SQLITE_MAX:,}, "
                                         f"got one of {len(digits)} digits")
    try:
        return kind(text)
    except (ValueError, OverflowError):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise argparse.ArgumentTypeError(f"{shown!r} is not {'an integer' if kind is int else 'a number'}") from None


def finite_float(text: str) -> float:
    value = _number(text, float)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def positive_finite_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def float_between(low: float, high: float, low_open: bool = False, high_open: bool = False):
    """An argparse type for finite numbers in an interval (open or closed at each end)."""
    shown = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def parse(text: str) -> float:
        value = finite_float(text)
        if value < low or value > high or (low_open and value == low) or (high_open and value == high):
            raise argparse.ArgumentTypeError(f"must be a number in {shown}, got {text}")
        return value

    parse.__name__ = f"number in {shown}"
    return parse


def int_between(low: int, high: int, what: str = "an integer"):
    """An argparse type for integers in [low, high]."""
    def parse(text: str) -> int:
        value = _number(text, int)
        problem = int_problem(value, low, high, what)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    parse.__name__ = f"int in [{low}, {high}]"  # argparse names the type in some messages
    return parse


def int_problem(value, low: int = SQLITE_MIN, high: int = SQLITE_MAX, what: str = "an integer") -> str | None:
    """None when `value` is an int (not a bool) in [low, high], else what is wrong, in words."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be {what}, got {_shown(value)}"
    if not low <= value <= high:
        return f"must be {what} from {low:,} to {high:,}, got {_shown(value)}"
    return None


def _shown(value) -> str:
    if isinstance(value, int) and value.bit_length() > 200:  # str() of a huge int is slow, and refused past 4,300 digits
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


sqlite_int = int_between(SQLITE_MIN, SQLITE_MAX, "an integer")
non_negative_int = int_between(0, SQLITE_MAX, "a non-negative integer")
positive_int = int_between(1, SQLITE_MAX, "a positive integer")
memory_mb = int_between(1, MAX_MEMORY_MB, "a positive number of MB")
workers = int_between(0, MAX_WORKERS, "0 (grade in-process) or a number of worker processes")
