"""Options and outputs several commands share."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from typing import Iterator, TextIO

from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.executors import EXECUTORS
from proctor.errors import BadInput

DB_HELP = "run store path (default: $PROCTOR_DB or ./proctor.db)"


def add_store_options(parser: argparse.ArgumentParser, run_help: str | None = None) -> None:
    """--db, and --run NAME when `run_help` says what the name is for."""
    if run_help is not None:
        parser.add_argument("--run", help=run_help)
    parser.add_argument("--db", help=DB_HELP)


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=None,
                        help="grading processes, or with --executor ray grading actors (default: CPU count)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"hard per-item grading limit in seconds (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
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
    from rich.console import Console

    from proctor.grading import grade_pending
    from proctor.report import render_table, summarize

    grade_pending(store, run, workers=args.workers, timeout=args.timeout, memory_mb=args.memory_mb,
                  progress=f"grading {run}", executor=args.executor, ray_address=args.ray_address)
    if args.output:
        with output(args.output) as out:
            summaries = summarize(_written(store.verdicts(run), out))  # one pass over the verdicts for both
    else:
        summaries = summarize(store.verdicts(run))
    Console(stderr=True).print(render_table(summaries, title=f"run {run}{note}"))


def _written(verdicts, out: TextIO):
    """The verdicts, each written to `out` as a JSONL line on its way through."""
    for v in verdicts:
        out.write(json.dumps(v.to_dict(), ensure_ascii=False) + "\n")
        yield v
