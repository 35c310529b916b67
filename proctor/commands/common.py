"""Options and outputs several commands share."""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import Iterator, TextIO

from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_PASS_AT, DEFAULT_TIMEOUT
from proctor.executors import EXECUTORS
from proctor.errors import BadInput
from proctor import options

DB_HELP = "run store path (default: $PROCTOR_DB or ./proctor.db)"
MAX_PASS_AT = 100_000


def pass_at_list(text: str) -> tuple[int, ...]:
    """`--pass-at 1,10,100`: the k of pass@k, positive integers."""
    try:
        ks = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers, e.g. 1,10,100") \
            from None
    if not ks or ks[0] < 1 or ks[-1] > MAX_PASS_AT:
        raise argparse.ArgumentTypeError(f"{text!r}: each k must be an integer from 1 to {MAX_PASS_AT:,}")
    return ks


def add_pass_at_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pass-at", type=pass_at_list, default=DEFAULT_PASS_AT, metavar="K,K,...",
                        help="report pass@k (Chen et al. 2021's unbiased estimator, bootstrap intervals over "
                             "problems) for these k, where every problem has k samples "
                             f"(default {','.join(map(str, DEFAULT_PASS_AT))})")


def add_store_options(parser: argparse.ArgumentParser, run_help: str | None = None) -> None:
    """--db, and --run NAME when `run_help` says what the name is for."""
    if run_help is not None:
        parser.add_argument("--run", help=run_help)
    parser.add_argument("--db", help=DB_HELP)


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=options.workers, default=None,
                        help="grading processes, or with --executor ray grading actors (default: CPU count)")
    parser.add_argument("--timeout", type=options.positive_finite_float, default=DEFAULT_TIMEOUT,
                        help=f"hard per-item grading limit in seconds (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--memory-mb", type=options.memory_mb, default=DEFAULT_MEMORY_MB,
                        help=f"memory cap per grading worker (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="grade in local processes (default) or on a Ray cluster (needs proctor[ray])")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="the Ray cluster to grade on (default: $RAY_ADDRESS, else a cluster started on this "
                             "machine, else a new local one)")


@contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    """The file to write, or stdout for None and '-'; an unwritable path is bad input."""
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", path) from None
    with handle:
        yield handle


def grade_stored_run(store, run: str, args, note: str = "") -> None:
    """Grades what the run lacks (with a progress bar), writes `-o`, prints the summary to stderr."""
    from proctor.grading import grade_pending
    from proctor.report import render_table, summarize
    from proctor.report.tables import print_table

    grade_pending(store, run, workers=args.workers, timeout=args.timeout, memory_mb=args.memory_mb,
                  progress=f"grading {run}", executor=args.executor, ray_address=args.ray_address)
    if args.output:
        with output(args.output) as out:
            summaries = summarize(_written(store.verdicts(run), out))  # one pass over the verdicts for both
    else:
        summaries = summarize(store.verdicts(run))
    print_table(render_table(summaries, title=f"run {run}{note}"), stderr=True)


def _written(verdicts, out: TextIO):
    """The verdicts, each written to `out` as a JSONL line on its way through."""
    from proctor.graders.problem import json_text

    for v in verdicts:
        out.write(json_text(v.to_dict()) + "\n")
        yield v
