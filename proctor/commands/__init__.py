"""One module per `proctor` command, in the order `proctor --help` lists them.

Each module holds `add_parser(subparsers)` and `run(args) -> int`. A module
imports only argparse-level names at the top, so `proctor --help` loads
none of the stack; `run` imports what its command needs.
"""
from __future__ import annotations

# command name -> module under proctor.commands
COMMANDS = {
    "tasks": "tasks",
    "graders": "graders",
    "generate": "generate",
    "grade": "grade",
    "run": "run",
    "runs": "runs",
    "report": "report",
    "export": "export",
    "gate": "gate",
    "plan": "plan",
    "baseline": "baseline",
    "lm-eval-tasks": "lm_eval_tasks",
    "serve": "serve",
}
