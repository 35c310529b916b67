"""Instances per second through the `json_schema` grader (extraction + bounded
parse + validation, from model text to Verdict) vs raw python-jsonschema
`Draft202012Validator(schema).is_valid` on the same instances already parsed,
in one run. The grader does more work per instance; the goal is to be faster anyway.

    .venv/bin/python bench/schema_speed.py [instances]
"""
from __future__ import annotations

import importlib.metadata
import json
import random
import sys
import time

import jsonschema
import jsonschema_rs

from proctor import graders
from proctor.graders.problem import Problem

SCHEMA = {
    "$defs": {
        "address": {"type": "object", "required": ["street", "city", "postcode"],
                    "properties": {"street": {"type": "string", "minLength": 1},
                                   "city": {"type": "string"},
                                   "postcode": {"type": "string", "pattern": "^[0-9]{5}$"}},
                    "additionalProperties": False},
    },
    "type": "object",
    "required": ["id", "customer", "status", "items", "shipping"],
    "properties": {
        "id": {"type": "string", "pattern": "^ORD-[0-9]{6}$"},
        "customer": {"type": "object", "required": ["name", "email"],
                     "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"},
                                    "address": {"$ref": "#/$defs/address"}}},
        "status": {"enum": ["new", "paid", "shipped", "delivered", "cancelled"]},
        "items": {"type": "array", "minItems": 1, "maxItems": 20,
                  "items": {"type": "object", "required": ["sku", "qty", "price"],
                            "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                                           "qty": {"type": "integer", "minimum": 1, "maximum": 99},
                                           "price": {"type": "number", "exclusiveMinimum": 0}}}},
        "shipping": {"oneOf": [
            {"type": "object", "required": ["method"], "properties": {"method": {"const": "pickup"}}},
            {"type": "object", "required": ["method", "address"],
             "properties": {"method": {"enum": ["standard", "express"]}, "address": {"$ref": "#/$defs/address"}}},
        ]},
        "placed": {"type": "string", "format": "date-time"},
        "notes": {"type": ["string", "null"], "maxLength": 200},
    },
}


def _address(rng):
    return {"street": f"{rng.randint(1, 300)} {rng.choice(['Mill Lane', 'Elm Street', 'Harbour Road'])}",
            "city": rng.choice(["Lisbon", "Osaka", "Leeds", "Accra"]), "postcode": f"{rng.randint(10000, 99999)}"}


def make_instance(rng: random.Random) -> dict:
    order = {
        "id": f"ORD-{rng.randint(100000, 999999)}",
        "customer": {"name": rng.choice(["Ada Berg", "Jun Ito", "Nia Silva"]), "email": "someone@example.com",
                     "address": _address(rng)},
        "status": rng.choice(["new", "paid", "shipped", "delivered", "cancelled"]),
        "items": [{"sku": f"{rng.choice(['ABC', 'KLM', 'XYZ'])}-{rng.randint(1000, 9999)}",
                   "qty": rng.randint(1, 9), "price": rng.randint(100, 99999) / 100} for _ in range(rng.randint(2, 5))],
        "shipping": {"method": "pickup"} if rng.random() < 0.3 else
                    {"method": rng.choice(["standard", "express"]), "address": _address(rng)},
        "placed": "2025-03-04T10:20:30Z",
        "notes": rng.choice([None, "leave at the door", "call first"]),
    }
    flaw = rng.random()  # about a third of instances break one rule
    if flaw < 0.08:
        order["status"] = "lost"
    elif flaw < 0.16:
        order["items"][0]["qty"] = 0
    elif flaw < 0.24:
        order["id"] = "ORD-12"
    elif flaw < 0.32:
        del order["customer"]["email"]
    return order


def main(count: int = 10_000) -> None:
    rng = random.Random("schema_speed")
    instances = [make_instance(rng) for _ in range(count)]
    texts = [json.dumps(i) for i in instances]
    mean_bytes = sum(map(len, texts)) / count

    grader = graders.get("json_schema")
    problem = Problem("bench", "bench", "", {"schema": SCHEMA})
    grader.grade(problem, texts[0])  # compile once, as a run would

    start = time.perf_counter()
    verdicts = [grader.grade(problem, text) for text in texts]
    grader_seconds = time.perf_counter() - start

    validator = jsonschema.Draft202012Validator(SCHEMA)
    start = time.perf_counter()
    raw = [validator.is_valid(instance) for instance in instances]
    raw_seconds = time.perf_counter() - start

    # For context: the engine alone, on parsed instances (why it was chosen).
    engine = jsonschema_rs.Draft202012Validator(SCHEMA)
    start = time.perf_counter()
    engine_verdicts = [engine.is_valid(instance) for instance in instances]
    engine_seconds = time.perf_counter() - start

    agree = sum((v.status == "correct") == r for v, r in zip(verdicts, raw))
    grader_rate, raw_rate = count / grader_seconds, count / raw_seconds
    rows = [
        ("json_schema grader (text -> extract -> parse -> validate -> Verdict)", grader_rate),
        (f"python-jsonschema {importlib.metadata.version('jsonschema')} Draft202012Validator.is_valid (parsed)", raw_rate),
        ("jsonschema-rs Draft202012Validator.is_valid (parsed; context only)", count / engine_seconds),
    ]
    print(f"{count} instances, mean {mean_bytes:.0f} bytes, {sum(raw)} valid per python-jsonschema")
    for label, rate in rows:
        print(f"{label:<80} {rate:10,.0f} /s")
    print(f"ratio grader / python-jsonschema: {grader_rate / raw_rate:.1f}x; verdicts agree on {agree}/{count}")
    if agree != count or engine_verdicts != raw:
        raise SystemExit("the grader and python-jsonschema disagree")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
