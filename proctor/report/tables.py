"""Terminal tables that never cut what users copy.

rich shortens a cell that does not fit with an ellipsis ("smoke-20261202-1525…"),
and a user who pastes that into `proctor report` gets "no run named". Here
name columns (runs, families) never wrap, other cells wrap at spaces, and a
table whose narrowest layout is still wider than the terminal is printed at
that width: the terminal wraps its lines, nothing is cut. Scripts should read
`--json` instead.
"""
from __future__ import annotations

import sys
from typing import Sequence

_WIDE = 100_000


def table(title: str | None, columns: Sequence[str], *, name_columns: int = 1, left: Sequence[str] = (),
          caption: str | None = None):
    """A rich Table whose first `name_columns` columns hold names kept whole; numbers are right-aligned,
    columns listed in `left` left-aligned."""
    from rich.table import Table

    result = Table(title=title, caption=caption)
    for index, column in enumerate(columns):
        if index < name_columns:
            result.add_column(column, no_wrap=True)
        else:
            result.add_column(column, overflow="fold", justify="left" if column in left else "right")
    return result


def print_table(renderable, *, stderr: bool = False, width: int | None = None) -> None:
    """Prints at the terminal's width (or `width`), or wider where the table cannot fit without cutting."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(stderr=stderr, width=width)
    natural = Measurement.get(console, console.options.update(width=_WIDE), renderable)
    if natural.minimum > console.width:
        console = Console(file=sys.stderr if stderr else sys.stdout, width=natural.minimum)
    console.print(renderable)
