"""Finding the program in model text, and joining it to a prompt's stub.

Rule: the last fenced block tagged python (```python, ```py, ```python3), else
the last untagged fenced block, else the whole text. A final fence that is
opened and never closed (a truncated answer) counts as a block running to the
end of the text. Nothing here runs the code: `ast.parse` only parses it.
"""
from __future__ import annotations

import ast
import re
import textwrap

MAX_PROGRAM_CHARS = 200_000

# Possessive quantifiers: the runs of blanks around the tag can never be split
# two ways, so a fence line followed by a megabyte of spaces is read in one pass.
_FENCE = re.compile(r"^[ \t]*+```[ \t]*+([A-Za-z0-9_+.-]*+)[ \t]*+$", re.MULTILINE)
_PYTHON_TAGS = {"python", "py", "python3", "py3"}


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block as (language tag, body), in order of appearance."""
    blocks = []
    fences = list(_FENCE.finditer(text))
    # For each fence, the index of the first untagged fence after it (a closer):
    # one backward pass, so a text of a million fences stays linear.
    next_closer: list[int | None] = [None] * len(fences)
    following = None
    for j in range(len(fences) - 1, -1, -1):
        next_closer[j] = following
        if fences[j].group(1) == "":
            following = j
    i = 0
    while i < len(fences):
        opener = fences[i]
        tag = opener.group(1).lower()
        body_start = opener.end() + 1
        closer = next_closer[i]
        body = text[body_start:] if closer is None else text[body_start:fences[closer].start()]
        # A fence indented inside a list item indents its whole body too.
        blocks.append((tag, textwrap.dedent(body) if opener.group(0)[:1] in " \t" else body))
        if closer is None:  # truncated: the block runs to the end
            break
        i = closer + 1
    return blocks


def extract_code(text: str) -> str:
    blocks = fenced_blocks(text)
    tagged = [body for tag, body in blocks if tag in _PYTHON_TAGS]
    if tagged:
        return tagged[-1]
    untagged = [body for tag, body in blocks if tag == ""]
    if untagged:
        return untagged[-1]
    return text


def defines_function(code: str, name: str) -> bool:
    """True when `code` parses and defines `name` at top level (a full answer,
    not a continuation of the prompt's function body)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
               for node in tree.body)


def syntax_problem(code: str) -> str | None:
    """None when `code` parses as Python, else why not (one line)."""
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"syntax error at line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"cannot be parsed: {type(exc).__name__}"
    return None


def assemble(prompt_stub: str, code: str, entry_point: str) -> str:
    """The program to run for a prompt that ends in a function stub (HumanEval
    style). A full definition of `entry_point` is placed after the prompt, so the
    prompt's imports and helper functions stay available and the candidate's
    definition wins; anything else is taken as the continuation of the prompt."""
    if defines_function(code, entry_point):
        return prompt_stub.rstrip("\n") + "\n\n\n" + code
    return prompt_stub + code
