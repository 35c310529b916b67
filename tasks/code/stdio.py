"""`code.stdio`: write a whole program that reads stdin and prints the answer.

Each template's reference is a `solve(text) -> str` function; the reference
program is that function plus two lines that read stdin and write stdout.
Difficulty (1-5) picks the templates, the input sizes and the number of hidden
tests (6 + 2 x difficulty). Output is compared under the code grader's
whitespace policy (graders.code.compare.normalize_stdout: trailing spaces and
trailing blank lines do not matter; everything else does).
"""
from __future__ import annotations

import random

from proctor import tasks
from proctor.tasks.base import Param
from proctor.tasks.code.base import CodeTask
from proctor.tasks.code.templates import Template, distinct_inputs, int_list, load_reference, words

MAIN = "\n\nimport sys\nsys.stdout.write(solve(sys.stdin.read()))\n"


def _numbers_input(rng, d, p):
    xs = int_list(rng, rng.randint(1, 5 * d), -100 * d, 100 * d)
    return f"{len(xs)}\n{' '.join(map(str, xs))}\n"


def _lines_input(rng, d, p):
    lines = [" ".join(words(rng, rng.randint(1, 2 + d))) for _ in range(rng.randint(1, 2 + d))]
    return f"{len(lines)}\n" + "\n".join(lines) + "\n"


def _matrix_input(rng, d, p):
    n, m = rng.randint(1, 1 + d), rng.randint(1, 1 + d)
    rows = [" ".join(str(rng.randint(0, 9 * d)) for _ in range(m)) for _ in range(n)]
    return f"{n} {m}\n" + "\n".join(rows) + "\n"


def _queries_input(rng, d, p):
    xs = int_list(rng, rng.randint(1, 6 * d), -20, 20)
    queries = []
    for _ in range(rng.randint(1, 3 * d)):
        left = rng.randint(1, len(xs))
        queries.append(f"{left} {rng.randint(left, len(xs))}")
    return f"{len(xs)} {len(queries)}\n{' '.join(map(str, xs))}\n" + "\n".join(queries) + "\n"


def _grid_input(rng, d, p):
    n, m = rng.randint(2, 2 + d), rng.randint(2, 2 + d)
    cells = [["#" if rng.random() < 0.25 else "." for _ in range(m)] for _ in range(n)]
    spots = rng.sample([(r, c) for r in range(n) for c in range(m)], 2)
    (sr, sc), (er, ec) = spots
    cells[sr][sc], cells[er][ec] = "S", "E"
    return f"{n} {m}\n" + "\n".join("".join(row) for row in cells) + "\n"


TEMPLATES = (
    Template(
        "sum_and_extremes", "numbers", (1, 2),
        choose=lambda rng, d: {},
        describe=lambda p: ("The first line holds n, the second n integers. Print three lines: their sum, "
                            "their minimum and their maximum."),
        source=lambda p: ("def solve(text):\n    data = text.split()\n    xs = [int(t) for t in data[1:1 + int(data[0])]]\n"
                          "    return f'{sum(xs)}\\n{min(xs)}\\n{max(xs)}\\n'\n"),
        make_input=_numbers_input,
    ),
    Template(
        "fizzbuzz", "numbers", (1, 2),
        choose=lambda rng, d: {"a": rng.randint(2, 5), "b": rng.randint(6, 9),
                               "x": rng.choice(["Fizz", "Ping", "Foo"]), "y": rng.choice(["Buzz", "Pong", "Bar"])},
        describe=lambda p: (f"The input is one integer n >= 1. Print the numbers 1..n, one per line, but print "
                            f"{p['x']} for multiples of {p['a']}, {p['y']} for multiples of {p['b']}, and "
                            f"{p['x']}{p['y']} for multiples of both."),
        source=lambda p: ("def solve(text):\n    n = int(text.split()[0])\n    out = []\n    for i in range(1, n + 1):\n"
                          f"        word = ('{p['x']}' if i % {p['a']} == 0 else '') + ('{p['y']}' if i % {p['b']} == 0 else '')\n"
                          "        out.append(word or str(i))\n    return '\\n'.join(out) + '\\n'\n"),
        make_input=lambda rng, d, p: f"{rng.randint(1, 20 * d)}\n",
    ),
    Template(
        "reverse_words", "text", (2, 3),
        choose=lambda rng, d: {},
        describe=lambda p: ("The first line holds n; then n lines of words separated by single spaces. For each "
                            "line print its words in reverse order, separated by single spaces."),
        source=lambda p: ("def solve(text):\n    lines = text.split('\\n')\n    n = int(lines[0])\n"
                          "    return ''.join(' '.join(reversed(line.split())) + '\\n' for line in lines[1:1 + n])\n"),
        make_input=_lines_input,
    ),
    Template(
        "transpose", "numbers", (3, 4),
        choose=lambda rng, d: {},
        describe=lambda p: ("The first line holds n and m; then n lines of m integers. Print the transposed "
                            "matrix: m lines of n integers separated by single spaces."),
        source=lambda p: ("def solve(text):\n    data = text.split()\n    n, m = int(data[0]), int(data[1])\n"
                          "    rows = [data[2 + i * m:2 + (i + 1) * m] for i in range(n)]\n"
                          "    return ''.join(' '.join(rows[i][j] for i in range(n)) + '\\n' for j in range(m))\n"),
        make_input=_matrix_input,
    ),
    Template(
        "word_frequencies", "text", (3, 4),
        choose=lambda rng, d: {},
        describe=lambda p: ("The first line holds n; then n lines of words. Print every distinct word with the "
                            "number of times it occurs in all lines, as `word count`, one per line, sorted by "
                            "count descending and then alphabetically."),
        source=lambda p: ("def solve(text):\n    lines = text.split('\\n')\n    counts = {}\n"
                          "    for line in lines[1:1 + int(lines[0])]:\n        for w in line.split():\n"
                          "            counts[w] = counts.get(w, 0) + 1\n"
                          "    order = sorted(counts, key=lambda w: (-counts[w], w))\n"
                          "    return ''.join(f'{w} {counts[w]}\\n' for w in order)\n"),
        make_input=_lines_input,
    ),
    Template(
        "range_sums", "numbers", (4, 5),
        choose=lambda rng, d: {},
        describe=lambda p: ("The first line holds n and q; the second n integers a_1..a_n; then q lines `l r` "
                            "(1 <= l <= r <= n). For each query print a_l + ... + a_r on its own line."),
        source=lambda p: ("def solve(text):\n    data = text.split()\n    n, q = int(data[0]), int(data[1])\n"
                          "    prefix = [0]\n    for t in data[2:2 + n]:\n        prefix.append(prefix[-1] + int(t))\n"
                          "    out, at = [], 2 + n\n    for _ in range(q):\n        l, r = int(data[at]), int(data[at + 1])\n"
                          "        at += 2\n        out.append(str(prefix[r] - prefix[l - 1]))\n"
                          "    return '\\n'.join(out) + '\\n'\n"),
        make_input=_queries_input,
    ),
    Template(
        "grid_path", "grid", (5, 5),
        choose=lambda rng, d: {},
        describe=lambda p: ("The first line holds n and m; then n lines of m characters: `.` open, `#` wall, `S` "
                            "start, `E` end. Moving up, down, left or right through open cells (S and E are open), "
                            "print the fewest moves from S to E, or -1 if E cannot be reached."),
        source=lambda p: ("from collections import deque\n\n\ndef solve(text):\n    lines = text.split('\\n')\n"
                          "    n, m = map(int, lines[0].split())\n    grid = lines[1:1 + n]\n"
                          "    start = next((r, c) for r in range(n) for c in range(m) if grid[r][c] == 'S')\n"
                          "    dist, todo = {start: 0}, deque([start])\n    while todo:\n        r, c = todo.popleft()\n"
                          "        if grid[r][c] == 'E':\n            return f'{dist[(r, c)]}\\n'\n"
                          "        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):\n"
                          "            if 0 <= nr < n and 0 <= nc < m and grid[nr][nc] != '#' and (nr, nc) not in dist:\n"
                          "                dist[(nr, nc)] = dist[(r, c)] + 1\n                todo.append((nr, nc))\n"
                          "    return '-1\\n'\n"),
        make_input=_grid_input,
    ),
)


def _show(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip("\n").split("\n"))


@tasks.register("code.stdio")
class CodeStdio(CodeTask):
    name = "code.stdio"
    description = "Write a Python program that reads stdin and prints the answer; graded on many hidden inputs."
    params = (Param(name="difficulty", type=int, default=1, low=1, high=5,
                    help="1: one formula on one line ... 5: graph search"),)

    def make(self, rng: random.Random, params: dict) -> tuple[str, dict]:
        difficulty = params["difficulty"]
        template = rng.choice([t for t in TEMPLATES if t.serves(difficulty)])
        chosen = template.choose(rng, difficulty)
        solve_source = template.source(chosen)
        solve = load_reference(solve_source, "solve")

        def make_input():
            return template.make_input(rng, difficulty, chosen)

        examples = distinct_inputs(rng, 2, make_input, [])
        hidden = distinct_inputs(rng, 6 + 2 * difficulty, make_input, [])
        shown = "\n\n".join(f"Input:\n{_show(given)}\nOutput:\n{_show(solve(given))}" for given in examples)
        prompt = (f"Write a Python program that reads standard input and writes standard output.\n\n"
                  f"{template.describe(chosen)}\n\nExamples:\n\n{shown}\n\n"
                  "Answer with the complete program in a ```python code block; use only the standard library.\n")
        tests = [{"input": given, "output": solve(given)} for given in hidden]
        return prompt, {"kind": "stdio", "tests": tests, "solution": solve_source + MAIN, "template": template.name}
