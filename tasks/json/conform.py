"""`json.conform`: write any JSON object that meets a schema's constraints.
Validity only; the reference keeps one valid answer (`example`) for self-checks.

Each constraint is generated together with a value meeting it, so every schema
is satisfiable. Difficulty adds constraint kinds: 1 required strings/integers
with lengths and ranges; 2 enums and consts; 3 patterns, multipleOf, exclusive
bounds; 4 a nested object and an array with item constraints, counts and
uniqueness; 5 no extra properties, dependentRequired, oneOf and a date format.
"""
from __future__ import annotations

import random

from proctor import tasks
from proctor.tasks.json.base import JsonTask
from proctor.tasks.json.common import CITIES, DRAFT_2020_12, LANGUAGES, answer_instruction, iso_date, schema_text

NAMES = ("label", "code", "count", "level", "score", "status", "region", "owner", "quota", "ratio", "mode",
         "channel", "priority", "batch", "tier", "origin", "target", "weight")


def _string_length(rng):
    low = rng.randint(2, 6)
    high = low + rng.randint(0, 6)
    return {"type": "string", "minLength": low, "maxLength": high}, "x" * low


def _integer_range(rng):
    low = rng.randint(-50, 50)
    high = low + rng.randint(0, 40)
    return {"type": "integer", "minimum": low, "maximum": high}, rng.randint(low, high)


def _enum(rng):
    options = rng.sample(CITIES, rng.randint(2, 4))
    return {"enum": options}, rng.choice(options)


def _const(rng):
    value = rng.choice([True, False, rng.randint(0, 9), rng.choice(LANGUAGES)])
    return {"const": value}, value


def _pattern(rng):
    letters, digits = rng.randint(2, 4), rng.randint(2, 5)
    value = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(letters)) + "-" + \
        "".join(rng.choice("0123456789") for _ in range(digits))
    return {"type": "string", "pattern": f"^[A-Z]{{{letters}}}-[0-9]{{{digits}}}$"}, value


def _multiple(rng):
    step = rng.choice([3, 5, 7, 25])
    low = rng.randint(1, 20) * step - rng.randint(1, step - 1)
    return {"type": "integer", "multipleOf": step, "exclusiveMinimum": low}, (low // step + 1) * step


def _nested(rng):
    inner_a, value_a = _integer_range(rng)
    inner_b, value_b = _enum(rng)
    schema = {"type": "object", "properties": {"amount": inner_a, "place": inner_b}, "required": ["amount", "place"]}
    return schema, {"amount": value_a, "place": value_b}


def _array(rng):
    low = rng.randint(1, 3)
    high = low + rng.randint(0, 3)
    item, _ = _integer_range(rng)
    span = item["maximum"] - item["minimum"] + 1
    if span < high:
        item["maximum"] = item["minimum"] + high
    schema = {"type": "array", "items": item, "minItems": low, "maxItems": high, "uniqueItems": True}
    return schema, list(range(item["minimum"], item["minimum"] + low))


def _one_of(rng):
    schema = {"oneOf": [{"type": "integer", "minimum": 10}, {"type": "string", "maxLength": 3}]}
    return schema, rng.choice([rng.randint(10, 99), "ok"])


def _date(rng):
    return {"type": "string", "format": "date"}, iso_date(rng)


MAKERS_BY_LEVEL = {
    1: (_string_length, _integer_range),
    2: (_enum, _const),
    3: (_pattern, _multiple),
    4: (_nested, _array),
    5: (_one_of, _date),
}


@tasks.register("json.conform")
class JsonConform(JsonTask):
    name = "json.conform"
    description = "Write a JSON object that satisfies a JSON Schema's constraints (validity only)."

    def make(self, rng: random.Random, params: dict):
        d = params["difficulty"]
        makers = [m for level in range(1, d + 1) for m in MAKERS_BY_LEVEL[level]]
        makers += [rng.choice(makers) for _ in range(d - 1)]
        names = rng.sample(NAMES, len(makers))
        properties, example = {}, {}
        for name, maker in zip(names, makers):
            properties[name], example[name] = maker(rng)
        required = sorted(rng.sample(names, max(1, len(names) - rng.randint(0, d // 2))))
        schema = {"$schema": DRAFT_2020_12, "type": "object", "properties": properties, "required": required}
        if d >= 5:
            schema["additionalProperties"] = False
            optional = [n for n in names if n not in required]
            if optional:
                # Whoever gives the optional field must give its partner too.
                schema["dependentRequired"] = {optional[0]: [rng.choice(required)]}
        prompt = ("Write one JSON object that is valid against this JSON Schema (formats are checked).\n\n"
                  f"Schema:\n{schema_text(schema)}\n\n{answer_instruction()}")
        return prompt, {"schema": schema, "formats": True, "example": example}
