"""Plain-text math (`x^2+2x+1`, `sqrt(2)/2`, `3e5`, `2 pi`) -> an unevaluated sympy tree.

Nothing is evaluated: the text is tokenised by one regex, implicit products are
made explicit, and the result goes to `ast.parse` (which only builds a syntax
tree, it runs nothing). Only the node types below are turned into sympy
objects, each built directly with evaluation off; `guards.build` evaluates
later under size bounds. Any other node (attribute, subscript, lambda,
comprehension, string, keyword call...) makes the text unreadable here.
"""
from __future__ import annotations

import ast
import re

import sympy

from proctor.graders.math.guards import MAX_TOKENS, TooLarge, exact_literal


class PlainSyntaxError(ValueError):
    """The text is not plain algebra this parser reads."""


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z]+)"
    r"|(?P<op>\*\*|[-+*/^(),!]|√|π|∞))"
)

FUNCTIONS = {
    "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "cot": sympy.cot, "sec": sympy.sec, "csc": sympy.csc,
    "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "arcsec": sympy.asec,
    "exp": sympy.exp, "ln": sympy.log, "log": sympy.log, "abs": sympy.Abs,
    "factorial": sympy.factorial,
}
# `log` without a base is the natural log, as sympy prints it; parse_latex reads `\\log` the same way.
CONSTANTS = {
    "pi": sympy.pi, "π": sympy.pi, "e": sympy.E, "i": sympy.I,
    "oo": sympy.oo, "inf": sympy.oo, "infty": sympy.oo, "infinity": sympy.oo, "∞": sympy.oo,
}
MAX_SPLIT_NAME = 3  # `xy` reads as x*y; longer unknown words are not algebra
FUNCTION_LETTERS = ("f", "g", "h")  # f(x) is a function's value, a(b+c) a product


def to_python(text: str) -> str:
    """The text as a Python expression of whitelisted names (no evaluation)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise PlainSyntaxError(f"unexpected {text[pos:pos + 10]!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "name" and value not in FUNCTIONS and value not in CONSTANTS:
            if len(value) > MAX_SPLIT_NAME:
                raise PlainSyntaxError(f"word {value!r}")
            tokens.extend(("name", letter) for letter in value)
            continue
        if kind == "op" and value in ("π", "∞"):
            kind = "name"
        tokens.append((kind, value))
        if len(tokens) > MAX_TOKENS:
            raise TooLarge(f"too large: more than {MAX_TOKENS} symbols")
    out: list[str] = []
    previous = None
    for index, (kind, value) in enumerate(tokens):
        starts_atom = kind in ("num", "name") or value in ("(", "√")
        if previous is not None and starts_atom:
            prev_kind, prev_value = previous
            called = prev_value in FUNCTION_LETTERS and value == "("
            if (prev_kind in ("num", "name") and prev_value not in FUNCTIONS and not called
                    or prev_value in (")", "!")):
                out.append("*")
        if value == "^":
            out.append("**")
        elif value == "!":
            _wrap_last_atom(out, "factorial")
        elif value == "√":
            out.append("sqrt")
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            if nxt is None or nxt[1] != "(":
                out.append("@SQRT@")  # marks a bare-atom argument, closed below
        elif value in CONSTANTS and kind == "name":
            out.append({"π": "pi", "∞": "oo"}.get(value, value))
        else:
            out.append(value)
        if out and out[-1] != "@SQRT@" and len(out) >= 2 and out[-2] == "@SQRT@" and kind in ("num", "name"):
            atom = out.pop()
            out.pop()
            out.append(f"({atom})")
        previous = (kind, value)
    if "@SQRT@" in out:
        raise PlainSyntaxError("√ without an argument")
    return " ".join(out)


def _wrap_last_atom(out: list[str], func: str) -> None:
    if not out:
        raise PlainSyntaxError("! without an operand")
    if out[-1] == ")":
        depth = 0
        for start in range(len(out) - 1, -1, -1):
            depth += out[start] == ")"
            depth -= out[start] == "("
            if depth == 0:
                break
        else:
            raise PlainSyntaxError("unbalanced parentheses")
        if start > 0 and out[start - 1] in FUNCTIONS:
            start -= 1
        group = out[start:]
        del out[start:]
        out.extend([func, "("] + group + [")"])
    else:
        atom = out.pop()
        out.extend([func, "(", atom, ")"])


def parse_plain(text: str) -> tuple[sympy.Expr, bool]:
    """(unevaluated expression, whether a decimal point was written)."""
    source = to_python(text)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise PlainSyntaxError(str(exc)) from None
    decimal = [False]
    try:
        return _convert(tree.body, source, decimal), decimal[0]
    except RecursionError:
        raise TooLarge("too large: expression nested too deeply") from None


_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def _convert(node: ast.AST, source: str, decimal: list[bool]) -> sympy.Expr:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        # the source is one ASCII line, so column offsets index it directly
        literal = source[node.col_offset:node.end_col_offset]
        if "." in literal:
            decimal[0] = True
        return sympy.Rational(*exact_literal(literal))  # exact: 0.1 is 1/10, 3e5 is 300000
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if len(node.id) == 1:
            return sympy.Symbol(node.id)
        raise PlainSyntaxError(f"name {node.id!r}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _convert(node.operand, source, decimal)
        return sympy.Mul(-1, operand, evaluate=False) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        left = _convert(node.left, source, decimal)
        right = _convert(node.right, source, decimal)
        if isinstance(node.op, ast.Add):
            return sympy.Add(left, right, evaluate=False)
        if isinstance(node.op, ast.Sub):
            return sympy.Add(left, sympy.Mul(-1, right, evaluate=False), evaluate=False)
        if isinstance(node.op, ast.Mult):
            return sympy.Mul(left, right, evaluate=False)
        if isinstance(node.op, ast.Div):
            return sympy.Mul(left, sympy.Pow(right, -1, evaluate=False), evaluate=False)
        return sympy.Pow(left, right, evaluate=False)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and not node.keywords and len(node.args) == 1):
        arg = _convert(node.args[0], source, decimal)
        func = FUNCTIONS[node.func.id]
        if func is sympy.sqrt:
            return sympy.Pow(arg, sympy.Rational(1, 2), evaluate=False)
        return func(arg, evaluate=False)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTION_LETTERS
            and not node.keywords and 1 <= len(node.args) <= 3):
        return sympy.Function(node.func.id)(*(_convert(a, source, decimal) for a in node.args))
    raise PlainSyntaxError(f"{type(node).__name__} is not plain algebra")
