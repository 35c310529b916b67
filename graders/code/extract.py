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


def _block_spans(text: str):
    """(opening fence match, end of the body) for each block, in order: a block
    closes at the next untagged fence (tagged ones inside it are its text), and
    one never closed runs to the end. One pass over the fences."""
    opener = None
    for fence in _FENCE.finditer(text):
        if opener is None:
            opener = fence
        elif not fence.group(1):
            yield opener, fence.start()
            opener = None
    if opener is not None:
        yield opener, len(text)


def _body(text: str, opener, end: int) -> str:
    body = text[opener.end() + 1:end]
    # A fence indented inside a list item indents its whole body too.
    return textwrap.dedent(body) if opener.group(0)[:1] in " \t" else body


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block as (language tag, body), in order of appearance."""
    return [(opener.group(1).lower(), _body(text, opener, end)) for opener, end in _block_spans(text)]


def extract_code(text: str) -> str:
    last_tagged = last_untagged = None
    for opener, end in _block_spans(text):
        tag = opener.group(1).lower()
        if tag in _PYTHON_TAGS:
            last_tagged = (opener, end)
        elif not tag:
            last_untagged = (opener, end)
    chosen = last_tagged or last_untagged
    return text if chosen is None else _body(text, *chosen)


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
