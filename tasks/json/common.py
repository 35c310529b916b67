"""What the JSON families share: word lists, value makers and prompt wording.

Every choice goes through the item's own `random.Random`, and word lists are
tuples, so one seed gives byte-identical problems everywhere.
"""
from __future__ import annotations

import json
import random

FIRST_NAMES = ("Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jun", "Kofi",
               "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
               "Wen", "Ximena", "Yusuf", "Zoe")
LAST_NAMES = ("Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen",
              "Kowalski", "Laine", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Varga")
CITIES = ("Lisbon", "Nairobi", "Osaka", "Toronto", "Krakow", "Valparaiso", "Tbilisi", "Hanoi", "Accra",
          "Tallinn", "Cordoba", "Leeds", "Perth", "Bergen", "Izmir")
STREETS = ("Harbour Road", "Elm Street", "Mill Lane", "Station Avenue", "Cedar Way", "Kings Parade",
           "Orchard Close", "River Walk")
PRODUCTS = ("desk lamp", "notebook", "usb cable", "coffee grinder", "yoga mat", "water bottle", "headphones",
            "backpack", "phone stand", "tea kettle", "monitor arm", "wall clock")
COMPANIES = ("Northwind Supplies", "Bluefin Logistics", "Acorn Print Works", "Kestrel Software",
             "Meridian Catering", "Oakridge Consulting", "Quarry Lane Studio")
TOPICS = ("Data Quality", "Edge Computing", "Urban Gardening", "Jazz History", "Open Source Funding",
          "Sleep Science", "Tidal Energy", "Typography")
LANGUAGES = ("English", "French", "Swahili", "Japanese", "Portuguese", "Polish", "Hindi", "Arabic", "Spanish")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def iso_date(rng: random.Random) -> str:
    return f"{rng.randint(2020, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def spoken_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{MONTHS[int(month) - 1]} {int(day)}, {year}"


def money(rng: random.Random, low: int, high: int) -> float:
    """A price with two decimals, as JSON will spell it back."""
    return round(rng.randint(low * 100, high * 100) / 100, 2)


def show_money(value: float) -> str:
    return f"{value:,.2f}"


def schema_text(schema: dict) -> str:
    """The schema as shown to the model: stable key order, indented."""
    return json.dumps(schema, indent=2, ensure_ascii=False)


def answer_instruction() -> str:
    return "Answer with the JSON only."
