"""`proctor run SUITE --model SPEC`: the main job (generate, ask the model, grade, store, report)."""
from __future__ import annotations

from proctor.commands.common import add_grading_options, add_store_options
from proctor import options
from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    run = sub.add_parser("run", help="the main job: generate a suite's problems, ask a model, grade, store, report")
    run.add_argument("suite", metavar="SUITE.toml")
    run.add_argument("--model", required=True, metavar="SPEC",
                     help="local | openai:MODEL@BASE_URL | openai-completions:MODEL@BASE_URL | lm-eval:NAME | "
                          "file:COMPLETIONS.jsonl")
    run.add_argument("--model-args", default="", metavar="KEY=VALUE,...")
    run.add_argument("--step", type=options.non_negative_int, default=None, help="the checkpoint's training step (the report's trend axis)")
    add_grading_options(run)
    add_store_options(run, run_help="store under this name; running it again resumes")


def run(args) -> int:
    from proctor.grading import check_grading_options, new_run_name
    from proctor.models import open_model
    from proctor.report import render_table, summarize
    from proctor.report.tables import print_table
    from proctor.store import RunStore
    from proctor.suite import load_suite
    from proctor.suite_run import run_suite

    check_grading_options(args.timeout, args.workers, args.executor, args.ray_address)
    suite = load_suite(args.suite)
    run_name = args.run or new_run_name(suite.name)
    model = open_model(args.model, args.model_args)
    try:
        with RunStore(args.db) as store:
            run_suite(store, run_name, suite, model, workers=args.workers, timeout=args.timeout,
                      memory_mb=args.memory_mb, step=args.step, executor=args.executor,
                      ray_address=args.ray_address)
            print_table(render_table(summarize(store.verdicts(run_name)), title=f"run {run_name} ({args.model})"))
    finally:
        model.close()
    return EXIT_OK
