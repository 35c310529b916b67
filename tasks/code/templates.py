"""What the generated code families share: a template is a reference program
(source text) plus a seeded input generator; hidden tests are the reference's
own outputs on many generated inputs.

The reference is kept as source text because the grader needs it too (it runs
it in the sandbox to time it and to prove it passes its own tests); running
that same text here to compute the expected outputs keeps one source of truth.
It is template text written in this package, never model output.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from proctor.graders.code.protocol import encode


@dataclass(frozen=True)
class Template:
    name: str  # the function's name (code.functions) or a short id (code.stdio)
    category: str
    levels: tuple[int, int]  # inclusive difficulty range this template serves
    # rng, difficulty -> the template's own parameters (baked into text and source)
    choose: Callable[[random.Random, int], dict]
    describe: Callable[[dict], str]
    source: Callable[[dict], str]  # the reference program for those parameters
    # rng, difficulty, parameters -> one test input (an argument tuple, or stdin text)
    make_input: Callable[[random.Random, int, dict], Any]
    signature: str = ""  # code.functions only
    tolerance: float | None = None

    def serves(self, difficulty: int) -> bool:
        return self.levels[0] <= difficulty <= self.levels[1]


def load_reference(source: str, entry: str):
    """The callable `entry` defined by a template's reference source (see module doc)."""
    namespace: dict = {"__name__": "__reference__"}
    exec(compile(source, "<reference>", "exec"), namespace)  # trusted template text
    return namespace[entry]


def distinct_inputs(rng: random.Random, count: int, make: Callable[[], Any], edge: list) -> list:
    """`count` distinct inputs: the edge cases first, then seeded random ones.
    Distinct by their exact encoding, so (1,) and (True,) both survive."""
    seen, out = set(), []
    for value in list(edge) + [None] * (count * 20):
        if len(out) == count:
            break
        value = make() if value is None else value
        key = repr(encode(value))
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def int_list(rng: random.Random, length: int, low: int, high: int) -> list[int]:
    return [rng.randint(low, high) for _ in range(length)]


WORDS = ("apple", "banana", "cherry", "delta", "echo", "fig", "grape", "kiwi", "lemon", "mango", "night",
         "ocean", "pear", "quartz", "river", "stone", "tiger", "umbra", "vivid", "whale", "xenon", "yarn", "zebra",
         "a", "an", "be", "go", "it", "no", "so", "up")


def words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(count)]
