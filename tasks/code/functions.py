"""`code.functions`: write one Python function; graded on many hidden calls.

Templates cover list, string, number-theory and dictionary transformations.
Difficulty (1-5) picks the templates that serve that level, the size of the
inputs and the number of hidden tests (8 + 4 x difficulty). The prompt shows
two example calls; the hidden tests (edge cases first, then seeded random
inputs) are the reference program's own results, compared type-strictly.
"""
from __future__ import annotations

import random

from proctor import tasks
from proctor.graders.code.protocol import decode, encode
from proctor.tasks.base import Param
from proctor.tasks.code.base import CodeTask
from proctor.tasks.code.templates import Template, distinct_inputs, int_list, load_reference, words


def _size(difficulty: int) -> int:
    return 4 + 4 * difficulty


TEMPLATES = (
    # --- lists ---------------------------------------------------------------
    Template(
        "sum_multiples", "list", (1, 3),
        choose=lambda rng, d: {"k": rng.randint(2, 7)},
        describe=lambda p: f"Return the sum of the elements of `xs` that are divisible by {p['k']} (0 if there are none).",
        signature="def sum_multiples(xs: list[int]) -> int",
        source=lambda p: f"def sum_multiples(xs):\n    return sum(x for x in xs if x % {p['k']} == 0)\n",
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, _size(d)), -50 * d, 50 * d),),
    ),
    Template(
        "mean_of_positives", "list", (1, 3),
        choose=lambda rng, d: {},
        describe=lambda p: ("Return the arithmetic mean of the strictly positive elements of `xs` as a float, "
                            "or 0.0 when there are none."),
        signature="def mean_of_positives(xs: list[int]) -> float",
        source=lambda p: ("def mean_of_positives(xs):\n    pos = [x for x in xs if x > 0]\n"
                          "    return sum(pos) / len(pos) if pos else 0.0\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, _size(d)), -20 * d, 30 * d),),
        tolerance=1e-9,
    ),
    Template(
        "running_max", "list", (2, 4),
        choose=lambda rng, d: {},
        describe=lambda p: "Return a new list whose i-th element is the largest of xs[0], ..., xs[i].",
        signature="def running_max(xs: list[int]) -> list[int]",
        source=lambda p: ("def running_max(xs):\n    out = []\n    for x in xs:\n"
                          "        out.append(x if not out or x > out[-1] else out[-1])\n    return out\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, _size(d)), -99, 99),),
    ),
    Template(
        "rotate_left", "list", (2, 4),
        choose=lambda rng, d: {},
        describe=lambda p: ("Return `xs` rotated left by `r` positions (r >= 0 may exceed the length; "
                            "an empty list stays empty). Do not modify `xs`."),
        signature="def rotate_left(xs: list[int], r: int) -> list[int]",
        source=lambda p: ("def rotate_left(xs, r):\n    if not xs:\n        return []\n"
                          "    r %= len(xs)\n    return xs[r:] + xs[:r]\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, _size(d)), 0, 9), rng.randint(0, 3 * _size(d))),
    ),
    Template(
        "longest_increasing_run", "list", (3, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "Return the length of the longest strictly increasing run of consecutive elements (0 for an empty list).",
        signature="def longest_increasing_run(xs: list[int]) -> int",
        source=lambda p: ("def longest_increasing_run(xs):\n    best = run = 0\n    for i, x in enumerate(xs):\n"
                          "        run = run + 1 if i and x > xs[i - 1] else 1\n        best = max(best, run)\n"
                          "    return best\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, _size(d)), 0, 6 + d),),
    ),
    Template(
        "second_largest", "list", (3, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "Return the second largest distinct value in `xs`, or None when there are fewer than two distinct values.",
        signature="def second_largest(xs: list[int]) -> int | None",
        source=lambda p: ("def second_largest(xs):\n    values = sorted(set(xs))\n"
                          "    return values[-2] if len(values) >= 2 else None\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, _size(d)), -5 * d, 5 * d),),
    ),
    Template(
        "max_subarray_sum", "list", (4, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "`xs` is non-empty. Return the largest sum of a non-empty contiguous slice of `xs`.",
        signature="def max_subarray_sum(xs: list[int]) -> int",
        source=lambda p: ("def max_subarray_sum(xs):\n    best = cur = xs[0]\n    for x in xs[1:]:\n"
                          "        cur = max(x, cur + x)\n        best = max(best, cur)\n    return best\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(1, 10 * d), -30, 30),),
    ),
    Template(
        "count_pairs_with_sum", "list", (4, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "Return how many index pairs i < j have xs[i] + xs[j] == target.",
        signature="def count_pairs_with_sum(xs: list[int], target: int) -> int",
        source=lambda p: ("def count_pairs_with_sum(xs, target):\n    seen, count = {}, 0\n    for x in xs:\n"
                          "        count += seen.get(target - x, 0)\n        seen[x] = seen.get(x, 0) + 1\n"
                          "    return count\n"),
        make_input=lambda rng, d, p: (int_list(rng, rng.randint(0, 8 * d), -10, 10), rng.randint(-10, 10)),
    ),
    # --- strings -------------------------------------------------------------
    Template(
        "count_vowels", "string", (1, 2),
        choose=lambda rng, d: {},
        describe=lambda p: "Return how many characters of `s` are vowels (a, e, i, o, u in either case).",
        signature="def count_vowels(s: str) -> int",
        source=lambda p: "def count_vowels(s):\n    return sum(1 for c in s if c in 'aeiouAEIOU')\n",
        make_input=lambda rng, d, p: (" ".join(w.upper() if rng.random() < 0.3 else w
                                               for w in words(rng, rng.randint(0, 2 + d))),),
    ),
    Template(
        "caesar_shift", "string", (2, 3),
        choose=lambda rng, d: {"k": rng.randint(1, 25)},
        describe=lambda p: (f"Shift every lowercase ASCII letter of `s` forward by {p['k']} places in the alphabet, "
                            "wrapping from z to a; leave every other character unchanged."),
        signature="def caesar_shift(s: str) -> str",
        source=lambda p: ("def caesar_shift(s):\n    return ''.join(chr((ord(c) - 97 + "
                          f"{p['k']}) % 26 + 97) if 'a' <= c <= 'z' else c for c in s)\n"),
        make_input=lambda rng, d, p: (" ".join(w.capitalize() if rng.random() < 0.3 else w
                                               for w in words(rng, rng.randint(0, 2 + d))) + rng.choice(["", "!", "?"]),),
    ),
    Template(
        "word_lengths", "string", (1, 3),
        choose=lambda rng, d: {},
        describe=lambda p: "Return a tuple with the length of each whitespace-separated word of `s`, in order.",
        signature="def word_lengths(s: str) -> tuple[int, ...]",
        source=lambda p: "def word_lengths(s):\n    return tuple(len(w) for w in s.split())\n",
        make_input=lambda rng, d, p: (rng.choice([" ", "  ", "\t"]).join(words(rng, rng.randint(0, 2 + 2 * d))),),
    ),
    Template(
        "run_length_encode", "string", (3, 4),
        choose=lambda rng, d: {},
        describe=lambda p: ('Return the run-length encoding of `s`: each maximal run of one character becomes the '
                            'character followed by the run length, e.g. "aaab" -> "a3b1" ("" for "").'),
        signature="def run_length_encode(s: str) -> str",
        source=lambda p: ("def run_length_encode(s):\n    out, i = [], 0\n    while i < len(s):\n        j = i\n"
                          "        while j < len(s) and s[j] == s[i]:\n            j += 1\n"
                          "        out.append(s[i] + str(j - i))\n        i = j\n    return ''.join(out)\n"),
        make_input=lambda rng, d, p: ("".join(rng.choice("ab c") * rng.randint(1, 4) for _ in range(rng.randint(0, 2 * d))),),
    ),
    Template(
        "brackets_balanced", "string", (4, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "Return True when the brackets (), [] and {} in `s` are balanced and properly nested (other characters are ignored), else False.",
        signature="def brackets_balanced(s: str) -> bool",
        source=lambda p: ("def brackets_balanced(s):\n    pairs, stack = {')': '(', ']': '[', '}': '{'}, []\n"
                          "    for c in s:\n        if c in '([{':\n            stack.append(c)\n"
                          "        elif c in pairs:\n            if not stack or stack.pop() != pairs[c]:\n"
                          "                return False\n    return not stack\n"),
        make_input=lambda rng, d, p: ("".join(rng.choice("()[]{}x") for _ in range(rng.randint(0, 4 * d))),),
    ),
    # --- number theory -------------------------------------------------------
    Template(
        "digit_power_sum", "number", (1, 2),
        choose=lambda rng, d: {"p": rng.randint(1, 4)},
        describe=lambda p: f"Return the sum of the decimal digits of the non-negative integer `n`, each raised to the power {p['p']}.",
        signature="def digit_power_sum(n: int) -> int",
        source=lambda p: f"def digit_power_sum(n):\n    return sum(int(c) ** {p['p']} for c in str(n))\n",
        make_input=lambda rng, d, p: (rng.randint(0, 10 ** (2 + d)),),
    ),
    Template(
        "count_primes_upto", "number", (2, 3),
        choose=lambda rng, d: {},
        describe=lambda p: "Return how many prime numbers are less than or equal to `n` (n may be 0 or negative).",
        signature="def count_primes_upto(n: int) -> int",
        source=lambda p: ("def count_primes_upto(n):\n    if n < 2:\n        return 0\n    sieve = [True] * (n + 1)\n"
                          "    sieve[0] = sieve[1] = False\n    for i in range(2, int(n ** 0.5) + 1):\n"
                          "        if sieve[i]:\n            sieve[i * i::i] = [False] * len(sieve[i * i::i])\n"
                          "    return sum(sieve)\n"),
        make_input=lambda rng, d, p: (rng.randint(-3, 200 * d * d),),
    ),
    Template(
        "prime_factors", "number", (3, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "Return the prime factors of the integer n >= 2 in ascending order, repeated by multiplicity.",
        signature="def prime_factors(n: int) -> list[int]",
        source=lambda p: ("def prime_factors(n):\n    out, f = [], 2\n    while f * f <= n:\n        while n % f == 0:\n"
                          "            out.append(f)\n            n //= f\n        f += 1\n    if n > 1:\n"
                          "        out.append(n)\n    return out\n"),
        make_input=lambda rng, d, p: (rng.randint(2, 10 ** (2 + d)),),
    ),
    Template(
        "collatz_steps", "number", (3, 4),
        choose=lambda rng, d: {},
        describe=lambda p: "Return how many steps the Collatz map (n/2 if even, else 3n+1) takes to bring the positive integer n to 1.",
        signature="def collatz_steps(n: int) -> int",
        source=lambda p: ("def collatz_steps(n):\n    steps = 0\n    while n != 1:\n"
                          "        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n"),
        make_input=lambda rng, d, p: (rng.randint(1, 10 ** (1 + d)),),
    ),
    Template(
        "power_tower_mod", "number", (5, 5),
        choose=lambda rng, d: {"m": rng.choice([97, 1000, 10007, 65536])},
        describe=lambda p: f"Return (1**1 + 2**2 + ... + n**n) modulo {p['m']} for n >= 0 (0 for n = 0).",
        signature="def power_tower_mod(n: int) -> int",
        source=lambda p: f"def power_tower_mod(n):\n    return sum(pow(i, i, {p['m']}) for i in range(1, n + 1)) % {p['m']}\n",
        make_input=lambda rng, d, p: (rng.randint(0, 5000),),
    ),
    # --- dictionaries --------------------------------------------------------
    Template(
        "char_counts", "dict", (1, 2),
        choose=lambda rng, d: {},
        describe=lambda p: "Return a dict mapping each character of `s` to how many times it occurs (spaces included).",
        signature="def char_counts(s: str) -> dict[str, int]",
        source=lambda p: ("def char_counts(s):\n    out = {}\n    for c in s:\n        out[c] = out.get(c, 0) + 1\n"
                          "    return out\n"),
        make_input=lambda rng, d, p: (" ".join(words(rng, rng.randint(0, 1 + d))),),
    ),
    Template(
        "group_by_length", "dict", (2, 3),
        choose=lambda rng, d: {},
        describe=lambda p: "Return a dict mapping each word length to the list of words of that length, in their original order.",
        signature="def group_by_length(ws: list[str]) -> dict[int, list[str]]",
        source=lambda p: ("def group_by_length(ws):\n    out = {}\n    for w in ws:\n"
                          "        out.setdefault(len(w), []).append(w)\n    return out\n"),
        make_input=lambda rng, d, p: (words(rng, rng.randint(0, 3 * d)),),
    ),
    Template(
        "invert_mapping", "dict", (3, 4),
        choose=lambda rng, d: {},
        describe=lambda p: "Given a dict from names to integers, return a dict from each integer to the sorted list of names mapped to it.",
        signature="def invert_mapping(m: dict[str, int]) -> dict[int, list[str]]",
        source=lambda p: ("def invert_mapping(m):\n    out = {}\n    for k, v in m.items():\n"
                          "        out.setdefault(v, []).append(k)\n    return {v: sorted(ks) for v, ks in out.items()}\n"),
        make_input=lambda rng, d, p: ({w: rng.randint(0, d + 1) for w in words(rng, rng.randint(0, 3 * d))},),
    ),
    Template(
        "merge_counts", "dict", (4, 5),
        choose=lambda rng, d: {},
        describe=lambda p: "Return a dict with the summed counts of the two dicts `a` and `b`, leaving out every key whose total is 0.",
        signature="def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]",
        source=lambda p: ("def merge_counts(a, b):\n    out = dict(a)\n    for k, v in b.items():\n"
                          "        out[k] = out.get(k, 0) + v\n    return {k: v for k, v in out.items() if v != 0}\n"),
        make_input=lambda rng, d, p: tuple({w: rng.randint(-3, 3) for w in words(rng, rng.randint(0, 2 * d))}
                                           for _ in range(2)),
    ),
    Template(
        "top_words", "dict", (5, 5),
        choose=lambda rng, d: {"k": rng.randint(1, 4)},
        describe=lambda p: (f"Return the {p['k']} most frequent whitespace-separated words of `text` as a list, most "
                            "frequent first, ties broken alphabetically (fewer if there are fewer distinct words)."),
        signature="def top_words(text: str) -> list[str]",
        source=lambda p: ("def top_words(text):\n    counts = {}\n    for w in text.split():\n"
                          "        counts[w] = counts.get(w, 0) + 1\n"
                          f"    return sorted(counts, key=lambda w: (-counts[w], w))[:{p['k']}]\n"),
        make_input=lambda rng, d, p: (" ".join(words(rng, rng.randint(0, 20))),),
    ),
)

EDGE_CASES = {
    "sum_multiples": [([],)], "mean_of_positives": [([],), ([-1, 0],)], "running_max": [([],)],
    "rotate_left": [([], 3), ([1], 0)], "longest_increasing_run": [([],), ([5, 5, 5],)],
    "second_largest": [([],), ([2, 2],)], "max_subarray_sum": [([-3],), ([-2, -1],)],
    "count_pairs_with_sum": [([], 0), ([0, 0, 0], 0)], "count_vowels": [("",)], "caesar_shift": [("",), ("xyz",)],
    "word_lengths": [("",), ("   ",)], "run_length_encode": [("",)], "brackets_balanced": [("",), ("([)]",), ("(",)],
    "digit_power_sum": [(0,)], "count_primes_upto": [(-1,), (2,)], "prime_factors": [(2,), (97 * 97,)],
    "collatz_steps": [(1,), (27,)], "power_tower_mod": [(0,), (1,)], "char_counts": [("",)],
    "group_by_length": [([],)], "invert_mapping": [({},)], "merge_counts": [({}, {}), ({"a": 1}, {"a": -1})],
    "top_words": [("",)],
}


def _call_text(name: str, args: tuple) -> str:
    return f"{name}({', '.join(repr(a) for a in args)})"


@tasks.register("code.functions")
class CodeFunctions(CodeTask):
    name = "code.functions"
    description = "Write a Python function (list, string, number theory, dict); graded on many hidden calls."
    params = (
        Param(name="difficulty", type=int, default=1, low=1, high=5,
              help="1: one short loop on small inputs ... 5: algorithmic, larger inputs"),
        Param(name="category", type=str, default="any", choices=("any", "list", "string", "number", "dict"),
              help="restrict to one kind of transformation"),
    )

    def make(self, rng: random.Random, params: dict) -> tuple[str, dict]:
        difficulty = params["difficulty"]
        pool = [t for t in TEMPLATES if t.serves(difficulty)
                and params["category"] in ("any", t.category)]
        if not pool:  # a category without a template at this level: take its nearest
            pool = sorted((t for t in TEMPLATES if params["category"] in ("any", t.category)),
                          key=lambda t: (min(abs(difficulty - t.levels[0]), abs(difficulty - t.levels[1])), t.name))[:1]
        template = rng.choice(pool)
        chosen = template.choose(rng, difficulty)
        source = template.source(chosen)
        reference = load_reference(source, template.name)
        hidden_count = 8 + 4 * difficulty
        def make_input():
            return template.make_input(rng, difficulty, chosen)

        examples = distinct_inputs(rng, 2, make_input, [])
        hidden_inputs = distinct_inputs(rng, hidden_count, make_input, EDGE_CASES.get(template.name, []))
        shown = "\n".join(f"    {_call_text(template.name, args)} == {reference(*_fresh(args))!r}"
                          for args in examples)
        prompt = (f"Write a Python function `{template.name}`.\n\n{template.describe(chosen)}\n\n"
                  f"Signature:\n    {template.signature}\n\nExamples:\n{shown}\n\n"
                  "Answer with the complete function in a ```python code block; use only the standard library.\n")
        tests = []
        for args in hidden_inputs:
            test = {"args": encode(tuple(args)), "expected": encode(reference(*_fresh(args)))}
            if template.tolerance is not None:
                test["tolerance"] = template.tolerance
            tests.append(test)
        return prompt, {"kind": "function", "entry_point": template.name, "tests": tests, "solution": source,
                        "template": template.name, "category": template.category}


def _fresh(args: tuple) -> tuple:
    """A deep copy through the wire format, so the reference cannot alter the recorded inputs."""
    return decode(encode(tuple(args)))
