"""`proctor lm-eval-tasks DIR`: a suite (or every task) as lm-eval tasks graded by proctor."""
from __future__ import annotations

import sys

from proctor.errors import EXIT_OK, BadInput
from proctor.options import positive_int, sqlite_int

DEFAULT_N = 100


def add_parser(sub) -> None:
    parser = sub.add_parser("lm-eval-tasks", help="write a suite as lm-eval tasks graded by proctor")
    parser.add_argument("directory", metavar="DIR", help="folder to write the task YAMLs into")
    parser.add_argument("--suite", help="suite file whose families become tasks (default: every registered "
                                        "task with default parameters)")
    parser.add_argument("--n", type=positive_int, default=DEFAULT_N, help=f"problems per task without --suite "
                                                                 f"(default {DEFAULT_N})")
    parser.add_argument("--seed", type=sqlite_int, default=0, help="seed without --suite (default 0)")


def _all_task_families(n: int, seed: int):
    from proctor import tasks
    from proctor.defaults import DEFAULT_MARGIN
    from proctor.suite import Decoding, Family

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


def run(args) -> int:
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
