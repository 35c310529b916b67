"""`proctor generate TASK`: a task's problems as JSONL."""
from __future__ import annotations

from proctor.commands.common import output
from proctor import options
from proctor.errors import EXIT_OK, BadInput


def add_parser(sub) -> None:
    gen = sub.add_parser("generate", help="write problems of a task as JSONL")
    gen.add_argument("task")
    gen.add_argument("--n", type=options.positive_int, default=10)
    gen.add_argument("--seed", type=options.sqlite_int, default=0)
    gen.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    gen.add_argument("-o", "--output", help="file to write (default: stdout)")


def parse_params(pairs: list[str]) -> dict:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"--param {pair!r} must look like KEY=VALUE")
        params[key.strip()] = value.strip()
    return params


def run(args) -> int:
    from proctor import tasks

    task = tasks.get(args.task)
    problems = task.iter_generate(args.n, args.seed, **parse_params(args.param))
    first = next(problems, None)  # parameter errors surface before the output file is created
    with output(args.output) as out:
        if first is not None:
            out.write(first.to_json() + "\n")
        for problem in problems:
            out.write(problem.to_json() + "\n")
    return EXIT_OK
