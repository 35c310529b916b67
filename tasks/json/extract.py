"""`json.extract`: a synthetic record (person, order, event, invoice) told as
prose; the model returns it as JSON per the given schema. Expected = the record.

Difficulty: 1 three flat fields, sentences in schema order; 2 five fields incl.
a boolean and a decimal, shuffled; 3 adds a nested object; 4 adds arrays (a list
of objects and an unordered list of words); 5 adds a field the text says is
unknown (null), spoken dates and thousands separators.
Graded with field-level partial credit (F1 over leaves), whitespace-insensitive strings.
"""
from __future__ import annotations

import random

from proctor import tasks
from proctor.tasks.base import Param
from proctor.tasks.json.base import JsonTask
from proctor.tasks.json.common import (CITIES, COMPANIES, DRAFT_2020_12, LANGUAGES, PRODUCTS, STREETS, TOPICS,
                               answer_instruction, iso_date, money, person_name, schema_text, show_money,
                               spoken_date)

STRING, INTEGER, NUMBER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date"}


def _object(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def _person(rng: random.Random, d: int):
    """(record, schema properties, sentences, unordered array pointers)"""
    name, age = person_name(rng), rng.randint(18, 90)
    record = {"name": name, "age": age, "city": rng.choice(CITIES)}
    props = {"name": STRING, "age": INTEGER, "city": STRING}
    said = [f"{name} is {age} years old.", f"{name.split()[0]} lives in {record['city']}."]
    if d >= 2:
        record["is_member"] = rng.random() < 0.5
        record["height_m"] = round(rng.randint(150, 200) / 100, 2)
        props |= {"is_member": BOOLEAN, "height_m": NUMBER}
        said += [f"{name.split()[0]} {'holds' if record['is_member'] else 'does not hold'} a membership.",
                 f"They are {record['height_m']} metres tall."]
    if d >= 3:
        record["address"] = {"street": rng.choice(STREETS), "number": rng.randint(1, 250),
                             "postcode": f"{rng.randint(10000, 99999)}"}
        props["address"] = _object({"street": STRING, "number": INTEGER, "postcode": STRING})
        a = record["address"]
        said.append(f"Their address is {a['number']} {a['street']}, postcode {a['postcode']}.")
    if d >= 4:
        record["languages"] = rng.sample(LANGUAGES, rng.randint(2, 4))
        props["languages"] = {"type": "array", "items": STRING}
        said.append(f"They speak {', '.join(record['languages'][:-1])} and {record['languages'][-1]}.")
    if d >= 5:
        record["phone"] = None
        props["phone"] = {"type": ["string", "null"]}
        said.append("No phone number was given.")
    return record, props, said, ["/languages"]


def _order(rng: random.Random, d: int):
    order_id = f"ORD-{rng.randint(10000, 99999)}"
    record = {"order_id": order_id, "customer": person_name(rng), "total": 0.0}
    props = {"order_id": {"type": "string", "pattern": "^ORD-[0-9]{5}$"}, "customer": STRING, "total": NUMBER}
    said = [f"Order {order_id} was placed by {record['customer']}."]
    if d >= 4:
        items = [{"product": p, "quantity": rng.randint(1, 5), "unit_price": money(rng, 3, 400)}
                 for p in rng.sample(PRODUCTS, rng.randint(2, 3))]
        record["items"] = items
        props["items"] = {"type": "array", "items": _object({"product": STRING, "quantity": INTEGER,
                                                             "unit_price": NUMBER})}
        for item in items:
            said.append(f"It includes {item['quantity']} x {item['product']} at "
                        f"{show_money(item['unit_price'])} each.")
        record["total"] = round(sum(i["quantity"] * i["unit_price"] for i in items), 2)
    else:
        record["total"] = money(rng, 5, 3000 if d >= 5 else 900)
    said.append(f"The order total is {show_money(record['total'])}.")
    if d >= 2:
        record["paid"] = rng.random() < 0.5
        record["placed_on"] = iso_date(rng)
        props |= {"paid": BOOLEAN, "placed_on": DATE}
        said += ["Payment has been received." if record["paid"] else "It has not been paid yet.",
                 f"It was placed on {spoken_date(record['placed_on']) if d >= 5 else record['placed_on']}."]
    if d >= 3:
        record["shipping"] = {"method": rng.choice(["standard", "express", "pickup"]), "days": rng.randint(1, 9)}
        props["shipping"] = _object({"method": {"enum": ["standard", "express", "pickup"]}, "days": INTEGER})
        said.append(f"Shipping is {record['shipping']['method']} and takes {record['shipping']['days']} days.")
    if d >= 5:
        record["coupon"] = None
        props["coupon"] = {"type": ["string", "null"]}
        said.append("No coupon was used.")
    return record, props, said, []


def _event(rng: random.Random, d: int):
    topic = rng.choice(TOPICS)
    record = {"title": f"{topic} Meetup", "date": iso_date(rng), "attendees": rng.randint(5, 400)}
    props = {"title": STRING, "date": DATE, "attendees": INTEGER}
    when = spoken_date(record["date"]) if d >= 5 else record["date"]
    said = [f"The {record['title']} takes place on {when}.", f"{record['attendees']} people are expected."]
    if d >= 2:
        record["online"] = rng.random() < 0.5
        record["ticket_price"] = money(rng, 0, 80)
        props |= {"online": BOOLEAN, "ticket_price": NUMBER}
        said += ["It is streamed online." if record["online"] else "It is in person only.",
                 f"Tickets cost {show_money(record['ticket_price'])}."]
    if d >= 3:
        record["venue"] = {"name": f"{rng.choice(STREETS).split()[0]} Hall", "city": rng.choice(CITIES)}
        props["venue"] = _object({"name": STRING, "city": STRING})
        said.append(f"The venue is {record['venue']['name']} in {record['venue']['city']}.")
    if d >= 4:
        record["speakers"] = sorted({person_name(rng) for _ in range(3)})
        props["speakers"] = {"type": "array", "items": STRING}
        said.append(f"Speakers: {'; '.join(record['speakers'])}.")
    if d >= 5:
        record["end_date"] = None
        props["end_date"] = {"type": ["string", "null"], "format": "date"}
        said.append("No end date has been announced.")
    return record, props, said, ["/speakers"]


def _invoice(rng: random.Random, d: int):
    number = f"INV-{rng.randint(2020, 2030)}-{rng.randint(1, 9999):04d}"
    record = {"invoice_number": number, "vendor": rng.choice(COMPANIES), "currency": rng.choice(["USD", "EUR", "GBP"])}
    props = {"invoice_number": STRING, "vendor": STRING, "currency": {"enum": ["USD", "EUR", "GBP"]}}
    said = [f"{record['vendor']} issued invoice {number}, payable in {record['currency']}."]
    if d >= 2:
        record["due_date"] = iso_date(rng)
        record["paid"] = rng.random() < 0.5
        props |= {"due_date": DATE, "paid": BOOLEAN}
        said += [f"It is due on {spoken_date(record['due_date']) if d >= 5 else record['due_date']}.",
                 "It has been settled." if record["paid"] else "It is still outstanding."]
    if d >= 3:
        record["bill_to"] = {"name": person_name(rng), "city": rng.choice(CITIES)}
        props["bill_to"] = _object({"name": STRING, "city": STRING})
        said.append(f"It is billed to {record['bill_to']['name']} of {record['bill_to']['city']}.")
    if d >= 4:
        lines = [{"description": f"{p} service", "amount": money(rng, 20, 5000)}
                 for p in rng.sample(("design", "hosting", "support", "audit", "training"), rng.randint(2, 3))]
        record["lines"] = lines
        props["lines"] = {"type": "array", "items": _object({"description": STRING, "amount": NUMBER})}
        said += [f"One line reads '{ln['description']}' for {show_money(ln['amount'])}." for ln in lines]
    record["amount_due"] = round(sum(ln["amount"] for ln in record["lines"]), 2) if d >= 4 else money(rng, 50, 20000)
    props["amount_due"] = NUMBER
    said.append(f"The amount due is {show_money(record['amount_due'])} {record['currency']}.")
    if d >= 5:
        record["notes"] = None
        props["notes"] = {"type": ["string", "null"]}
        said.append("There are no notes on it.")
    return record, props, said, []


KINDS = {"person": _person, "order": _order, "event": _event, "invoice": _invoice}


@tasks.register("json.extract")
class JsonExtract(JsonTask):
    name = "json.extract"
    description = "Turn a record described in prose into JSON following a given schema."
    params = (
        Param(name="difficulty", type=int, default=1, low=1, high=5,
              help="1: three flat fields ... 5: nested objects, arrays, nulls, spoken dates"),
        Param(name="kind", type=str, default="any", choices=("any", *KINDS), help="record kind; any = drawn per item"),
    )

    def make(self, rng: random.Random, params: dict):
        kind = rng.choice(tuple(KINDS)) if params["kind"] == "any" else params["kind"]
        d = params["difficulty"]
        record, props, said, unordered = KINDS[kind](rng, d)
        if d >= 2:
            rng.shuffle(said)
        schema = {"$schema": DRAFT_2020_12, "title": kind, **_object({k: props[k] for k in record})}
        prompt = (f"Read the text and return the {kind} it describes as one JSON object valid against this "
                  f"JSON Schema. Use null for a value the text says is unknown.\n\n"
                  f"Schema:\n{schema_text(schema)}\n\nText:\n{' '.join(said)}\n\n{answer_instruction()}")
        reference = {"schema": schema, "expected": record, "formats": True,
                     "match": {"partial_credit": True, "normalize_whitespace": True,
                               "unordered": [u for u in unordered if u.lstrip("/") in record]}}
        return prompt, reference
