"""`math.word`: templated word problems with units (speed, prices, percentages,
areas, rates, mixtures, ages, interest).

Each template draws its quantities, computes the answer with exact rationals
(sympy), and says which unit the answer is in; the reference is the bare
number and `metadata["unit"]` names the unit, so the grader can accept "45 km"
or "\\$18.90" around the number. Templates are grouped by the number of
reasoning steps: levels 1-5.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from proctor import tasks
from proctor.tasks.math.common import NUMBER, MathItem, MathTask, tex

NAMES = ("Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas")
R = sp.Rational
U = sp.Symbol("u")  # the unknown in each template's defining equation


def _story(lhs: sp.Expr, rhs: sp.Expr) -> sp.Eq:
    # Unevaluated: deciding whether an equation holds costs more than the whole draw.
    return sp.Eq(lhs, rhs, evaluate=False)


@dataclass(frozen=True)
class Template:
    # text, answer, unit, and the story as an equation in u (for `verify`)
    draw: Callable[[random.Random], tuple[str, sp.Rational, str, sp.Eq]]
    combinations: int  # upper bound on distinct texts


def _speed(rng):
    hours, speed, name = rng.randint(2, 9), rng.randint(4, 24) * 5, rng.choice(NAMES)
    return (f"{name} drives {hours * speed} km in {hours} hours at a constant speed. "
            f"What is the speed in km/h?", R(speed), "km/h", _story(U * hours, hours * speed))


def _area(rng):
    length, width = rng.randint(3, 40), rng.randint(2, 30)
    return (f"A rectangular garden is {length} m long and {width} m wide. What is its area in square metres?",
            R(length * width), "m^2", _story(U / width, length))


def _fuel(rng):
    per_100, distance = rng.randint(4, 12), rng.randint(1, 9) * 50
    return (f"A car uses {per_100} litres of fuel per 100 km. How many litres does it use on a {distance} km trip?",
            R(per_100 * distance, 100), "L", _story(U / distance, R(per_100, 100)))


def _two_legs(rng):
    name = rng.choice(NAMES)
    v, t, w, s = rng.randint(8, 30), rng.randint(1, 4), rng.randint(8, 30), rng.randint(1, 4)
    return (f"{name} cycles at {v} km/h for {t} hours and then at {w} km/h for {s} hours. "
            f"How many kilometres does {name} cycle in total?", R(v * t + w * s), "km", _story(U - v * t, w * s))


def _unit_price(rng):
    count, each, more = rng.randint(2, 9), rng.randint(2, 40), rng.randint(2, 15)
    while more == count:
        more = rng.randint(2, 15)
    return (f"{count} notebooks cost ${count * each} in total. At the same price each, "
            f"how many dollars do {more} notebooks cost?", R(each * more), "dollars",
            _story(U / more, R(count * each, count)))


def _discount(rng):
    price, percent = rng.randint(10, 200), rng.choice((5, 10, 15, 20, 25, 30, 40, 50))
    return (f"A jacket costs ${price}. It is on sale at {percent}% off. What is the sale price in dollars?",
            R(price * (100 - percent), 100), "dollars", _story(price - U, R(percent, 100) * price))


def _simple_interest(rng):
    principal, rate, years = rng.randint(1, 50) * 100, rng.randint(1, 9), rng.randint(2, 10)
    return (f"${principal} is invested at {rate}% simple interest per year. "
            f"How many dollars of interest does it earn in {years} years?",
            R(principal * rate * years, 100), "dollars", _story(U / years, R(rate, 100) * principal))


def _perimeter_area(rng):
    length, width = rng.randint(5, 30), rng.randint(2, 20)
    return (f"A rectangle has a perimeter of {2 * (length + width)} cm and a length of {length} cm. "
            f"What is its area in square centimetres?", R(length * width), "cm^2",
            _story(U / length * 2 + 2 * length, 2 * (length + width)))


def _work(rng):
    a, b = rng.sample(range(2, 13), 2)
    return (f"Pipe A alone fills a tank in {a} hours and pipe B alone fills it in {b} hours. "
            f"How many hours do the two pipes take to fill the tank together?", R(a * b, a + b), "hours",
            _story(U / a + U / b, 1))


def _meeting(rng):
    while True:
        v, w = rng.randint(30, 90), rng.randint(30, 90)
        if (v + w) % 4 == 0:  # so the meeting time is a whole number of quarter hours
            break
    hours = rng.randint(1, 6) + R(rng.randrange(4), 4)
    distance = (v + w) * hours
    return (f"Two cars are {distance} km apart and drive toward each other at {v} km/h and {w} km/h. "
            f"After how many hours do they meet?", R(distance, v + w), "hours", _story(v * U + w * U, distance))


def _round_trip(rng):
    v, w, name = rng.sample(range(20, 101, 5), 2) + [rng.choice(NAMES)]
    return (f"{name} drives from home to work at {v} km/h and back along the same road at {w} km/h. "
            f"What is the average speed for the whole round trip, in km/h?", R(2 * v * w, v + w), "km/h",
            _story(U * (R(1, v) + R(1, w)), 2))


def _mixture(rng):
    while True:
        strong, weak, target = rng.choice((40, 50, 60, 80, 90)), rng.choice((5, 10, 15, 20)), rng.choice((25, 30, 35))
        volume = rng.randint(2, 20)
        if weak < target < strong:
            break
    return (f"How many litres of a {strong}% acid solution must be added to {volume} litres of a {weak}% acid "
            f"solution to obtain a {target}% acid solution?", R(volume * (target - weak), strong - target), "L",
            _story(strong * U + weak * volume, target * (U + volume)))


def _ages(rng):
    while True:
        child, later, ratio_later = rng.randint(2, 15), rng.randint(2, 20), rng.randint(2, 4)
        parent_later = ratio_later * (child + later)
        ratio_now, remainder = divmod(parent_later - later, child)
        if remainder == 0 and ratio_now > ratio_later:
            break
    child_name, parent_name = rng.sample(NAMES, 2)
    return (f"{parent_name} is {ratio_now} times as old as {child_name}. In {later} years, {parent_name} will be "
            f"{ratio_later} times as old as {child_name}. How old is {child_name} now, in years?",
            R(child), "years", _story(ratio_now * U + later, ratio_later * (U + later)))


def _compound(rng):
    principal, rate, years = rng.randint(1, 20) * 1000, rng.choice((2, 4, 5, 10)), rng.randint(2, 3)
    amount = R(principal) * (1 + R(rate, 100)) ** years
    return (f"${principal} is invested at {rate}% interest per year, compounded yearly. "
            f"How many dollars is the investment worth after {years} years?", amount, "dollars",
            _story(U, principal * (1 + R(rate, 100)) ** years))


N = len(NAMES)
LEVELS: dict[int, tuple[Template, ...]] = {
    1: (Template(_speed, 8 * 21 * N), Template(_area, 38 * 29), Template(_fuel, 9 * 9)),
    2: (Template(_two_legs, N * 23 ** 2 * 16), Template(_unit_price, 8 * 39 * 14)),
    3: (Template(_discount, 191 * 8), Template(_simple_interest, 50 * 9 * 9), Template(_perimeter_area, 26 * 19)),
    4: (Template(_work, 11 * 10), Template(_meeting, 61 * 61 * 6 * 4), Template(_round_trip, 17 * 16 * N)),
    5: (Template(_mixture, 5 * 4 * 3 * 19), Template(_ages, 14 * 19 * 3 * N * (N - 1)), Template(_compound, 20 * 4 * 2)),
}


@tasks.register("math.word")
class WordProblem(MathTask):
    name = "math.word"
    description = "Templated word problems with units; the answer is a number in the stated unit."

    def build(self, rng: random.Random, params: dict) -> MathItem:
        template = rng.choice(LEVELS[params["difficulty"]])
        text, answer, unit, equation = template.draw(rng)
        prompt = (f"{text}\nGive the exact number (in {unit}) as your final answer in \\boxed{{}}; "
                  f"a fraction or a decimal is fine.")
        return MathItem(prompt, tex(answer), {"answer_kind": NUMBER, "unit": unit},
                        {"answer": answer, "equation": equation})

    def verify(self, item: MathItem) -> bool:
        # The story restated as an equation in u, solved by sympy, must give the computed answer.
        answer = item.objects["answer"]
        return answer.is_Rational and answer > 0 and sp.solve(item.objects["equation"], U) == [answer]

    def capacity(self, params: dict) -> int:
        return sum(t.combinations for t in LEVELS[params["difficulty"]])
