"""`proctor grade PROBLEMS COMPLETIONS` (or `--from-lm-eval SAMPLES.jsonl`): grade, store, summarize."""
from __future__ import annotations

import os

from proctor.commands.common import add_grading_options, add_store_options, grade_stored_run
from proctor.errors import EXIT_OK, BadInput


def add_parser(sub) -> None:
    grade = sub.add_parser("grade", help="grade completions against problems")
    grade.add_argument("problems", nargs="?")
    grade.add_argument("completions", nargs="?")
    grade.add_argument("--from-lm-eval", metavar="SAMPLES.jsonl",
                       help="re-grade an lm-eval --log_samples file instead of PROBLEMS and COMPLETIONS")
    grade.add_argument("-o", "--output", help="write verdicts JSONL here")
    grade.add_argument("--grader", help="grade with this grader instead of each task's own")
    add_grading_options(grade)
    add_store_options(grade, run_help="store under this name; grading it again resumes")


def run(args) -> int:
    from proctor.grading import check_grading_options, ingest, new_run_name
    from proctor.store import RunStore

    check_grading_options(args.timeout, args.workers, args.executor, args.ray_address)
    if args.from_lm_eval:
        return _from_lm_eval(args)
    if args.problems is None or args.completions is None:
        raise BadInput("grade needs PROBLEMS and COMPLETIONS files (or --from-lm-eval SAMPLES.jsonl)")
    from proctor.jsonl import read_completions, read_problems

    run_name = args.run or new_run_name("grade")
    with RunStore(args.db) as store:
        ingest(store, run_name, read_problems(args.problems), read_completions(args.completions),
               grader=args.grader, config={"command": "grade", "problems": os.path.abspath(args.problems),
                                           "completions": os.path.abspath(args.completions)},
               problems_file=args.problems, completions_file=args.completions)
        grade_stored_run(store, run_name, args)
    return EXIT_OK


def _from_lm_eval(args) -> int:
    from proctor.grading import ingest, new_run_name
    from proctor.lmeval.samples import read_sample_log
    from proctor.store import RunStore

    if args.problems is not None or args.completions is not None:
        raise BadInput("--from-lm-eval takes the place of PROBLEMS and COMPLETIONS; give one or the other")
    log = read_sample_log(args.from_lm_eval)
    run_name = args.run or new_run_name("lm-eval")
    with RunStore(args.db) as store:
        ingest(store, run_name, log.problems, log.completions, grader=args.grader, model=log.model,
               config={"command": "grade", "from_lm_eval": os.path.abspath(log.path), "lm_eval_task": log.task},
               problems_file=log.path, completions_file=log.path)
        note = f" ({log.skipped_filter_lines} lines of further filters skipped)" if log.skipped_filter_lines else ""
        grade_stored_run(store, run_name, args, note)
    return EXIT_OK
