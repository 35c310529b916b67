"""`proctor export RUN -o FILE`: a run's verdicts, with completions, as JSONL."""
from __future__ import annotations

from proctor.commands.common import add_store_options, output
from proctor.errors import EXIT_OK


def add_parser(sub) -> None:
    export = sub.add_parser("export", help="write a run's verdicts (with completions) as JSONL")
    export.add_argument("name", metavar="RUN")
    export.add_argument("-o", "--output", required=True)
    add_store_options(export)


def run(args) -> int:
    from proctor.graders.problem import json_text
    from proctor.store import RunStore

    with RunStore(args.db) as store:
        store.require_run(args.name)
        with output(args.output) as out:
            for v in store.verdicts(args.name, with_completion=True):
                out.write(json_text(v.to_dict(with_completion=True)) + "\n")
    return EXIT_OK
