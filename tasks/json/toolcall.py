"""`json.toolcall`: tool descriptions (name + JSON Schema of arguments, as in
function-calling APIs) and a user request; the model returns the call as
{"name": <tool>, "arguments": {...}}. Expected = that call.

Difficulty: 1 one tool, its required arguments; 2 adds enum and number
arguments; 3 three tools to choose from; 4 optional arguments (given only when
asked for) and list arguments; 5 all tools, spoken dates and distracting detail.
Graded with partial credit over the call's fields; unordered lists compared as sets.
"""
from __future__ import annotations

import random

from proctor import tasks
from proctor.tasks.json.base import JsonTask
from proctor.tasks.json.common import (CITIES, DRAFT_2020_12, TOPICS, answer_instruction, iso_date, person_name,
                               schema_text, spoken_date)


def _weather(rng, d):
    city = rng.choice(CITIES)
    args, asks = {"city": city}, [f"what's the weather like in {city}"]
    if d >= 2:
        args["unit"] = rng.choice(["celsius", "fahrenheit"])
        asks.append(f"in {args['unit']}")
    if d >= 4 and rng.random() < 0.5:
        args["days"] = rng.randint(2, 7)
        asks.append(f"for the next {args['days']} days")
    return args, "Please tell me " + " ".join(asks) + "."


def _flight(rng, d):
    origin, destination = rng.sample(CITIES, 2)
    date = iso_date(rng)
    args = {"origin": origin, "destination": destination, "date": date}
    when = spoken_date(date) if d >= 5 else date
    text = f"Find me a flight from {origin} to {destination} on {when}"
    if d >= 2:
        args["passengers"] = rng.randint(1, 6)
        args["cabin"] = rng.choice(["economy", "business", "first"])
        text += f" for {args['passengers']} passenger{'s' if args['passengers'] > 1 else ''} in {args['cabin']}"
    if d >= 4 and rng.random() < 0.5:
        args["max_price"] = rng.randint(2, 30) * 50
        text += f", nothing above {args['max_price']}"
    return args, text + "."


def _event(rng, d):
    title = f"{rng.choice(TOPICS)} sync"
    date = iso_date(rng)
    args = {"title": title, "date": date}
    text = f"Put '{title}' in my calendar on {spoken_date(date) if d >= 5 else date}"
    if d >= 2:
        args["duration_minutes"] = rng.choice([15, 30, 45, 60, 90])
        text += f", {args['duration_minutes']} minutes long"
    if d >= 4:
        args["attendees"] = sorted({person_name(rng) for _ in range(rng.randint(1, 3))})
        text += f", and invite {' and '.join(args['attendees'])}"
    return args, text + "."


def _convert(rng, d):
    amount = rng.randint(1, 5000) if d < 2 else round(rng.randint(100, 500000) / 100, 2)
    source, target = rng.sample(["USD", "EUR", "GBP", "JPY", "CHF"], 2)
    return {"amount": amount, "from": source, "to": target}, f"How much is {amount} {source} in {target}?"


TOOLS = {
    "get_weather": ("Current weather and forecast for a city.", {
        "city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7}}, ["city"], _weather),
    "search_flights": ("Search flights between two cities on a date (YYYY-MM-DD).", {
        "origin": {"type": "string"}, "destination": {"type": "string"}, "date": {"type": "string", "format": "date"},
        "passengers": {"type": "integer", "minimum": 1, "maximum": 9},
        "cabin": {"enum": ["economy", "business", "first"]}, "max_price": {"type": "number"}},
        ["origin", "destination", "date"], _flight),
    "create_event": ("Create a calendar event on a date (YYYY-MM-DD).", {
        "title": {"type": "string"}, "date": {"type": "string", "format": "date"},
        "duration_minutes": {"type": "integer", "minimum": 5}, "attendees": {"type": "array", "items": {"type": "string"}}},
        ["title", "date"], _event),
    "convert_currency": ("Convert an amount between currencies (ISO 4217 codes).", {
        "amount": {"type": "number", "exclusiveMinimum": 0}, "from": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "to": {"type": "string", "pattern": "^[A-Z]{3}$"}}, ["amount", "from", "to"], _convert),
}
DISTRACTIONS = ("I'm in a bit of a hurry.", "My colleague said 3 days ago that it was fine.",
                "Thanks in advance!", "Last time it took 20 minutes.")


def tool_spec(name: str) -> dict:
    description, properties, required, _ = TOOLS[name]
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required,
                           "additionalProperties": False}}


@tasks.register("json.toolcall")
class JsonToolCall(JsonTask):
    name = "json.toolcall"
    description = "Pick a tool and fill its arguments from a user request (function calling)."

    def make(self, rng: random.Random, params: dict):
        d = params["difficulty"]
        chosen = rng.choice(tuple(TOOLS))
        shown = [chosen]
        if d >= 3:
            others = [t for t in TOOLS if t != chosen]
            shown += others if d >= 5 else rng.sample(others, 2)
            rng.shuffle(shown)
        arguments, request = TOOLS[chosen][3](rng, d)
        if d >= 5:
            request = f"{rng.choice(DISTRACTIONS)} {request}"
        specs = [tool_spec(t) for t in shown]
        schema = {"$schema": DRAFT_2020_12, "type": "object",
                  "properties": {"name": {"enum": shown}, "arguments": {"type": "object"}},
                  "required": ["name", "arguments"], "additionalProperties": False,
                  "allOf": [{"if": {"properties": {"name": {"const": t}}},
                             "then": {"properties": {"arguments": tool_spec(t)["parameters"]}}} for t in shown]}
        prompt = ("You can call these tools (parameters as JSON Schema):\n" + schema_text(specs) +
                  f"\n\nUser: {request}\n\nReply with the one tool call that serves the user, as a JSON object "
                  '{"name": <tool name>, "arguments": {...}} whose arguments follow the tool\'s parameter '
                  f"schema. Include optional arguments only when the user asks for them. {answer_instruction()}")
        reference = {"schema": schema, "expected": {"name": chosen, "arguments": arguments}, "formats": True,
                     "match": {"partial_credit": True, "unordered": ["/arguments/attendees"]}}
        return prompt, reference
