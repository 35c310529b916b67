"""The lm-eval commands: `proctor lm-eval-tasks DIR` and `proctor grade --from-lm-eval SAMPLES.jsonl`."""
from __future__ import annotations

import argparse
import os
import sys

from proctor.errors import EXIT_OK, BadInput
from proctor.options import positive_int, sqlite_int

DEFAULT_N = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `proctor lm-eval-tasks`."""
    parser.add_argument("directory", metavar="DIR", help="folder to write the task YAMLs into")
    parser.add_argument("--suite", help="suite file whose families become tasks (default: every registered "
                                        "task with default parameters)")
    parser.add_argument("--n", type=positive_int, default=DEFAULT_N, help=f"problems per task without --suite "
                                                                 f"(default {DEFAULT_N})")
    parser.add_argument("--seed", type=sqlite_int, default=0, help="seed without --suite (default 0)")


def add_grade_arguments(grade: argparse.ArgumentParser) -> None:
    """The option `proctor grade` gains."""
    grade.add_argument("--from-lm-eval", metavar="SAMPLES.jsonl",
                       help="re-grade an lm-eval --log_samples file instead of PROBLEMS and COMPLETIONS")


def _all_task_families(n: int, seed: int):
    from proctor import tasks
    from proctor.suite import DEFAULT_MARGIN, Decoding, Family

    if n < 1:
        raise BadInput(f"--n must be a positive integer, got {n}")
    families = []
    for name in tasks.names():
        task = tasks.get(name)
        params = task.resolve_params({})
        capacity = task.capacity(params)
        families.append(Family(task=name, n=min(n, capacity) if capacity else n, seed=seed, params=params, k=1,
                               decoding=Decoding(), margin=DEFAULT_MARGIN))
    return families


def cmd_lm_eval_tasks(args) -> int:
    from proctor import graders
    from proctor import tasks
    from proctor.lmeval import task_name, write_task_folder
    from proctor.suite import Suite, load_suite

    suite = load_suite(args.suite) if args.suite else Suite("all", "", tuple(_all_task_families(args.n, args.seed)))
    written = write_task_folder(args.directory, suite)
    print(f"wrote {len(written)} lm-eval tasks to {args.directory}: {', '.join(p.stem for p in written)}",
          file=sys.stderr)
    unsafe = any(graders.get(tasks.get(f.task).grader).needs_sandbox for f in suite.families)
    print(f"run them all: lm_eval --include_path {args.directory} --tasks {task_name(suite.name)} --model ... "
          f"--log_samples --output_path OUT{' --confirm_run_unsafe_code' if unsafe else ''}", file=sys.stderr)
    return EXIT_OK


def cmd_grade_from_lm_eval(args) -> int:
    from proctor.cli import grade_stored_run
    from proctor.grading import check_grading_options, ingest, new_run_name
    from proctor.lmeval.samples import read_sample_log
    from proctor.store import RunStore

    if args.problems is not None or args.completions is not None:
        raise BadInput("--from-lm-eval takes the place of PROBLEMS and COMPLETIONS; give one or the other")
    check_grading_options(args.timeout, args.workers)
    log = read_sample_log(args.from_lm_eval)
    run = args.run or new_run_name("lm-eval")
    with RunStore(args.db) as store:
        ingest(store, run, log.problems, log.completions, grader=args.grader, model=log.model,
               config={"command": "grade", "from_lm_eval": os.path.abspath(log.path), "lm_eval_task": log.task},
               problems_file=log.path, completions_file=log.path)
        note = f" ({log.skipped_filter_lines} lines of further filters skipped)" if log.skipped_filter_lines else ""
        grade_stored_run(store, run, args, note)
    return EXIT_OK
