"""The `proctor` command: a thin layer over the Python API.

Exit codes: 0 done, 1 gate failed, 2 bad input, 3 infrastructure.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from contextlib import contextmanager
from typing import Iterator, TextIO

from proctor.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EXIT_OK, BadInput, ProctorError, store_failure
from proctor.gate.cli import COMMANDS as GATE_COMMANDS, add_parsers as add_gate_parsers
from proctor.lmeval import command as lmeval_cli
from proctor import options


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, like every other bad input
        self.exit(EXIT_BAD_INPUT, f"proctor: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="proctor", description="Generated problems, ground-truth graders, a checkpoint gate.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("tasks", help="list tasks with their grader and parameters")
    sub.add_parser("graders", help="list graders")

    gen = sub.add_parser("generate", help="write problems of a task as JSONL")
    gen.add_argument("task")
    gen.add_argument("--n", type=options.positive_int, default=10)
    gen.add_argument("--seed", type=options.sqlite_int, default=0)
    gen.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    gen.add_argument("-o", "--output", help="file to write (default: stdout)")

    grade = sub.add_parser("grade", help="grade completions against problems")
    grade.add_argument("problems", nargs="?")
    grade.add_argument("completions", nargs="?")
    lmeval_cli.add_grade_arguments(grade)
    grade.add_argument("-o", "--output", help="write verdicts JSONL here")
    grade.add_argument("--grader", help="grade with this grader instead of each task's own")
    grade.add_argument("--workers", type=options.workers, default=None, help="worker processes (default: CPU count)")
    grade.add_argument("--timeout", type=options.positive_finite_float, default=10.0,
                       help="hard per-item limit in seconds")
    grade.add_argument("--memory-mb", type=options.memory_mb, default=4096, help="memory cap per worker")
    _store_args(grade, run_help="store under this name; grading it again resumes")

    run = sub.add_parser("run", help="the main job: generate a suite's problems, ask a model, grade, store, report")
    run.add_argument("suite", metavar="SUITE.toml")
    run.add_argument("--model", required=True, metavar="SPEC",
                     help="local | openai:MODEL@BASE_URL | openai-completions:MODEL@BASE_URL | lm-eval:NAME | "
                          "file:COMPLETIONS.jsonl")
    run.add_argument("--model-args", default="", metavar="KEY=VALUE,...")
    run.add_argument("--step", type=options.non_negative_int, default=None,
                     help="the checkpoint's training step (the report's trend axis)")
    run.add_argument("--workers", type=options.workers, default=None, help="grading processes (default: CPU count)")
    run.add_argument("--timeout", type=options.positive_finite_float, default=10.0,
                     help="hard per-item grading limit in seconds")
    run.add_argument("--memory-mb", type=options.memory_mb, default=4096, help="memory cap per grading worker")
    _store_args(run, run_help="store under this name; running it again resumes")

    runs = sub.add_parser("runs", help="list stored runs")
    _store_args(runs, with_run=False)

    report = sub.add_parser("report", help="per-task accuracy of a run with 95%% confidence intervals")
    report.add_argument("name", metavar="RUN")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with plots")
    report.add_argument("--baseline", metavar="RUN", help="with --html: plot deltas against this run")
    _store_args(report, with_run=False)

    export = sub.add_parser("export", help="write a run's verdicts (with completions) as JSONL")
    export.add_argument("name", metavar="RUN")
    export.add_argument("-o", "--output", required=True)
    _store_args(export, with_run=False)
    add_gate_parsers(sub)
    lmeval_cli.add_arguments(sub.add_parser("lm-eval-tasks", help="write a suite as lm-eval tasks graded by proctor"))
    return parser


def _store_args(parser: argparse.ArgumentParser, with_run: bool = True, run_help: str = "") -> None:
    if with_run:
        parser.add_argument("--run", help=run_help)
    parser.add_argument("--db", help="run store path (default: $PROCTOR_DB or ./proctor.db)")


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", path) from None
    with handle:
        yield handle


def _parse_params(pairs: list[str]) -> dict:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"--param {pair!r} must look like KEY=VALUE")
        params[key.strip()] = value.strip()
    return params


def cmd_tasks(args) -> int:
    from proctor import tasks
    from rich.console import Console
    from rich.table import Table

    table = Table(title="tasks")
    for column in ("task", "grader", "parameters", "description"):
        table.add_column(column)
    for name in tasks.names():
        try:
            task = tasks.get(name)
        except tasks.RegistryError as exc:  # one broken plug-in must not hide the others
            table.add_row(name, "?", "", f"[red]{exc}[/red]")
            continue
        params = ", ".join(f"{p.name}={p.default} ({p.allowed()})" for p in task.params)
        table.add_row(name, task.grader, params, task.description)
    Console(width=200 if not sys.stdout.isatty() else None).print(table)
    return EXIT_OK


def cmd_graders(args) -> int:
    from proctor import graders

    for name in graders.names():
        try:
            grader = graders.get(name)
        except graders.RegistryError as exc:
            print(f"{name}\tfailed to load: {exc}")
            continue
        flag = " (sandboxed)" if grader.needs_sandbox else ""
        print(f"{name}\tversion {grader.version}{flag}")
    return EXIT_OK


def cmd_generate(args) -> int:
    from proctor import tasks

    task = tasks.get(args.task)
    params = _parse_params(args.param)
    problems = task.iter_generate(args.n, args.seed, **params)
    first = next(problems, None)  # parameter errors surface before the output file is created
    with _output(args.output) as out:
        if first is not None:
            out.write(first.to_json() + "\n")
        for problem in problems:
            out.write(problem.to_json() + "\n")
    return EXIT_OK


def cmd_grade(args) -> int:
    from proctor.grading import check_grading_options, ingest, new_run_name
    from proctor.jsonl import read_completions, read_problems
    from proctor.store import RunStore

    if args.from_lm_eval:
        return lmeval_cli.cmd_grade_from_lm_eval(args)
    if args.problems is None or args.completions is None:
        raise BadInput("grade needs PROBLEMS and COMPLETIONS files (or --from-lm-eval SAMPLES.jsonl)")
    check_grading_options(args.timeout, args.workers)
    run = args.run or new_run_name("grade")
    with RunStore(args.db) as store:
        ingest(store, run, read_problems(args.problems), read_completions(args.completions), grader=args.grader,
               config={"command": "grade", "problems": os.path.abspath(args.problems),
                       "completions": os.path.abspath(args.completions)},
               problems_file=args.problems, completions_file=args.completions)
        grade_stored_run(store, run, args)
    return EXIT_OK


def grade_stored_run(store, run: str, args, note: str = "") -> None:
    """Grades what the run lacks (with a progress bar), writes `-o`, prints the summary to stderr."""
    from rich.console import Console

    from proctor.grading import grade_pending
    from proctor.report import render_table, summarize

    grade_pending(store, run, workers=args.workers, timeout=args.timeout, memory_mb=args.memory_mb,
                  progress=f"grading {run}")
    if args.output:
        with _output(args.output) as out:
            summaries = summarize(_written(store.verdicts(run), out))  # one pass over the verdicts for both
    else:
        summaries = summarize(store.verdicts(run))
    Console(stderr=True).print(render_table(summaries, title=f"run {run}{note}"))


def _written(verdicts, out: TextIO):
    """The verdicts, each written to `out` as a JSONL line on its way through."""
    for v in verdicts:
        out.write(json.dumps(v.to_dict(), ensure_ascii=False) + "\n")
        yield v


def cmd_run(args) -> int:
    from rich.console import Console

    from proctor.grading import check_grading_options, new_run_name
    from proctor.models import open_model
    from proctor.report import render_table, summarize
    from proctor.run import run_suite
    from proctor.store import RunStore
    from proctor.suite import load_suite

    check_grading_options(args.timeout, args.workers)
    suite = load_suite(args.suite)
    run = args.run or new_run_name(suite.name)
    model = open_model(args.model, args.model_args)
    try:
        with RunStore(args.db) as store:
            run_suite(store, run, suite, model, workers=args.workers, timeout=args.timeout,
                      memory_mb=args.memory_mb, step=args.step)
            Console().print(render_table(summarize(store.verdicts(run)), title=f"run {run} ({args.model})"))
    finally:
        model.close()
    return EXIT_OK


def cmd_runs(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from proctor.store import RunStore

    table = Table(title="runs")
    for column in ("run", "created", "model", "completions", "verdicts"):
        table.add_column(column)
    with RunStore(args.db) as store:
        for info in store.runs():
            table.add_row(info.name, info.created, info.model or "-", str(store.count("completions", info.name)),
                          str(store.count("verdicts", info.name)))
    Console().print(table)
    return EXIT_OK


def cmd_report(args) -> int:
    if args.html or args.baseline:
        from proctor.report.html import cmd_html_report

        return cmd_html_report(args)
    from rich.console import Console

    from proctor.report import render_table, summarize
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        store.require_run(args.name)
        summaries = summarize(store.verdicts(args.name))
    if args.json:
        print(json.dumps([s.__dict__ for s in summaries], indent=2))
    else:
        Console().print(render_table(summaries, title=f"run {args.name}"))
    return EXIT_OK


def cmd_export(args) -> int:
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        store.require_run(args.name)
        with _output(args.output) as out:
            for v in store.verdicts(args.name, with_completion=True):
                out.write(json.dumps(v.to_dict(with_completion=True), ensure_ascii=False) + "\n")
    return EXIT_OK


COMMANDS = {"tasks": cmd_tasks, "graders": cmd_graders, "generate": cmd_generate, "grade": cmd_grade,
            "run": cmd_run, "runs": cmd_runs, "report": cmd_report, "export": cmd_export,
            "lm-eval-tasks": lmeval_cli.cmd_lm_eval_tasks, **GATE_COMMANDS}


def run_cli(argv: list[str] | None = None) -> int:
    from proctor.registry import RegistryError
    from proctor.tasks.base import CapacityError, TaskParameterError

    args = build_parser().parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
    except ProctorError as exc:
        print(f"proctor: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except (RegistryError, TaskParameterError, CapacityError) as exc:
        print(f"proctor: error: {exc}", file=sys.stderr)
        code = EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("proctor: interrupted; run the same command again to resume", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except sqlite3.Error as exc:  # the store file's fault (read-only, locked, full), named as such
        from proctor.store import default_db_path

        failure = store_failure(exc, getattr(args, "db", None) or default_db_path())
        print(f"proctor: error: {failure}", file=sys.stderr)
        code = failure.exit_code
    except Exception as exc:  # an internal failure: still one line, and the infrastructure code
        if os.environ.get("PROCTOR_DEBUG"):
            raise
        print(f"proctor: internal error: {type(exc).__name__}: {exc} (set PROCTOR_DEBUG=1 for a traceback)",
              file=sys.stderr)
        code = EXIT_INFRASTRUCTURE
    sys.stdout.flush()
    return code


def main() -> None:
    sys.exit(run_cli())


if __name__ == "__main__":
    main()
