"""`json.convert`: a CSV or key-value table turned into a JSON array of objects,
one per row, with typed values. Expected = the rows.

Difficulty: 1 two rows of text and integers in CSV; 2 three rows adding
decimals; 3 booleans and a key-value layout; 4 CSV fields with commas and
quotes; 5 empty cells that must become null, more rows and columns.
"""
from __future__ import annotations

import csv
import io
import random

from proctor import tasks
from proctor.tasks.json.base import JsonTask
from proctor.tasks.json.common import (CITIES, COMPANIES, DRAFT_2020_12, PRODUCTS, answer_instruction, money,
                               person_name, schema_text)

# column -> (JSON type, value maker)
COLUMNS = {
    "name": ("string", person_name),
    "city": ("string", lambda rng: rng.choice(CITIES)),
    "age": ("integer", lambda rng: rng.randint(18, 90)),
    "units": ("integer", lambda rng: rng.randint(0, 500)),
    "price": ("number", lambda rng: money(rng, 1, 999)),
    "rating": ("number", lambda rng: rng.randint(10, 50) / 10),
    "active": ("boolean", lambda rng: rng.random() < 0.5),
    "in_stock": ("boolean", lambda rng: rng.random() < 0.5),
    "product": ("string", lambda rng: rng.choice(PRODUCTS)),
    "supplier": ("string", lambda rng: rng.choice(COMPANIES)),
    "note": ("string", lambda rng: rng.choice(['fragile, handle with care', 'ask for "Sam"', 'none',
                                                'back order, 2 weeks', 'gift wrap'])),
}
# level -> (rows, columns, types allowed, layouts, empty cells)
LEVELS = {
    1: (2, 2, ("string", "integer"), ("csv",), False),
    2: (3, 3, ("string", "integer", "number"), ("csv",), False),
    3: (3, 4, ("string", "integer", "number", "boolean"), ("csv", "key-value"), False),
    4: (4, 4, ("string", "integer", "number", "boolean"), ("csv",), False),
    5: (6, 5, ("string", "integer", "number", "boolean"), ("csv", "key-value"), True),
}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _render(layout: str, columns: list[str], rows: list[dict]) -> str:
    if layout == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])
        return out.getvalue().rstrip("\n")
    blocks = ["\n".join(f"{c}: {_cell(row[c])}" for c in columns) for row in rows]
    return "\n---\n".join(blocks)


@tasks.register("json.convert")
class JsonConvert(JsonTask):
    name = "json.convert"
    description = "Convert a CSV or key-value table to a JSON array of objects."

    def make(self, rng: random.Random, params: dict):
        d = params["difficulty"]
        n_rows, n_cols, types, layouts, empties = LEVELS[d]
        pool = [c for c, (t, _) in COLUMNS.items() if t in types and (d >= 4 or c != "note")]
        columns = rng.sample(pool, n_cols)
        if d == 4 and "note" not in columns:
            columns[-1] = "note"  # the level is about quoting: make sure a quoted field appears
        rows = [{c: COLUMNS[c][1](rng) for c in columns} for _ in range(n_rows)]
        if empties:
            for _ in range(2):
                row, column = rng.randrange(n_rows), rng.choice(columns[1:])
                rows[row][column] = None
        layout = rng.choice(layouts)
        nullable = empties
        item = {"type": "object",
                "properties": {c: {"type": [COLUMNS[c][0], "null"] if nullable else COLUMNS[c][0]} for c in columns},
                "required": columns, "additionalProperties": False}
        schema = {"$schema": DRAFT_2020_12, "type": "array", "items": item, "minItems": n_rows, "maxItems": n_rows}
        kind = "CSV table (with a header row)" if layout == "csv" else "list of records (key: value lines, records separated by ---)"
        prompt = (f"Convert this {kind} to a JSON array with one object per row, keys as the column names, "
                  f"in the same order. Numbers and true/false become JSON numbers and booleans"
                  f"{'; an empty cell becomes null' if empties else ''}. The result must be valid against "
                  f"this JSON Schema:\n{schema_text(schema)}\n\nTable:\n{_render(layout, columns, rows)}\n\n"
                  f"{answer_instruction()}")
        return prompt, {"schema": schema, "expected": rows, "match": {"partial_credit": True}}
