"""LaTeX math -> an unevaluated sympy tree.

Parser choice, by measurement (see the report in bench/): sympy 1.14's own
`parse_latex` needs antlr4-python3-runtime 4.11 (4.13 is what Math-Verify pins),
and its lark backend needs an extra package; latex2sympy2_extended 1.11
(Math-Verify's parser, an ANTLR grammar) is installed and reads more of what
models write (`\\pm`, `\\dfrac`, `\\%`, matrices), so it is the real parser here.

Two safety changes to it, because latex2sympy2 turns number tokens into
numbers with `sympy.Number(text)`, which calls `sympify` (and so `parse_expr`)
on the token's text: `_SafeConverter` overrides both places (`parse_number`
and the comma-number branch of `parse`) to build exact Rationals from
digit-only strings. Conversion runs with sympy evaluation off, so nothing is
computed until `guards.build` has bounded it.

A fast path skips ANTLR for the LaTeX subset that is plain algebra
(`\\frac`, `\\sqrt`, `\\pi`, `\\cdot`, braces, `^`): it is rewritten to plain
text and read by `parse_plain`; anything else goes to latex2sympy2.
"""
from __future__ import annotations

import re

import sympy
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy, comma_number_regex
from latex2sympy2_extended.math_normalization import NormalizationConfig, normalize_latex

from proctor.graders.math.guards import MAX_LATEX_CHARS, TooLarge, exact_literal
from proctor.graders.math.parse_plain import PlainSyntaxError, parse_plain


class LatexSyntaxError(ValueError):
    """The text is not LaTeX math this grader reads."""


_NUMBER_TEXT = re.compile(r"^\s*-?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$")
_CONFIG = ConversionConfig(interpret_as_mixed_fractions=True, interpret_simple_eq_as_assignment=False,
                           interpret_contains_as_eq=True, lowercase_symbols=False)
_NORMALIZATION = NormalizationConfig(basic_latex=True, units=False, malformed_operators=True,
                                     nits=False, boxed="none", equations=False)


def exact_number(text: str) -> sympy.Rational:
    """A digit string (commas as thousands separators, optional exponent) as an exact Rational."""
    if not _NUMBER_TEXT.match(text):
        raise LatexSyntaxError(f"not a number: {text[:30]!r}")
    return sympy.Rational(*exact_literal(text.replace(",", "").strip()))


class _SafeConverter(_Latex2Sympy):
    """latex2sympy2's converter with its sympify-based number paths replaced."""

    def __init__(self):
        super().__init__(variable_values=None, is_real=None, convert_degrees=False, config=_CONFIG)
        self.saw_decimal = False

    def parse_number(self, text):
        if "." in text:
            self.saw_decimal = True
        return exact_number(text)

    def parse(self, latex_str):
        if comma_number_regex.match(latex_str):
            return exact_number(latex_str)
        return super().parse(latex_str)


# latex2sympy2 reads a bare `\\log` as base 10; sympy prints the natural log as `\\log`,
# and calculus answers mean it: a bare `\\log` is read as `\\ln` (`\\log_{10}` keeps its base).
_BARE_LOG = re.compile(r"\\log(?![a-zA-Z_])")
# latex2sympy2 computes these while converting (det, eigenvalues...), outside any bound
_COMPUTED_COMMANDS = re.compile(r"\\(?:det|begin|end|operatorname|mathop|eigen\w*|svd|rank)(?![a-zA-Z])")


def parse_latex(text: str) -> tuple[object, bool]:
    """(unevaluated sympy object, whether a decimal point was written)."""
    text = _BARE_LOG.sub(r"\\ln", text)
    if _COMPUTED_COMMANDS.search(text):
        raise LatexSyntaxError("matrix operations are not closed-form answers")
    plain = latex_to_plain(text)
    if plain is not None:
        try:
            return parse_plain(plain)
        except PlainSyntaxError:
            pass
    if len(text) > MAX_LATEX_CHARS:
        raise TooLarge(f"too large: LaTeX answer of {len(text)} characters (limit {MAX_LATEX_CHARS})")
    converter = _SafeConverter()
    try:
        with sympy.evaluate(False):
            result = converter.parse(normalize_latex(text, _NORMALIZATION))
    except (RecursionError, MemoryError):
        raise TooLarge("too large: nested too deeply") from None
    except LatexSyntaxError:
        raise
    except Exception as exc:  # ANTLR and the converter raise many types on bad input
        raise LatexSyntaxError(f"{type(exc).__name__}: {str(exc)[:120]}") from None
    return _imaginary_unit(result), converter.saw_decimal


def _imaginary_unit(result):
    """latex2sympy2 reads `i` as a symbol; the plain parser reads it as the imaginary unit."""
    if isinstance(result, sympy.Basic) and sympy.Symbol("i") in getattr(result, "free_symbols", ()):
        return result.xreplace({sympy.Symbol("i"): sympy.I})
    return result


# -- fast path ---------------------------------------------------------------

_WORD_COMMANDS = {
    "pi": " pi ", "infty": " oo ", "cdot": "*", "times": "*", "left": "", "right": "",
    "dfrac": None, "tfrac": None, "frac": None, "sqrt": None,  # handled below
}
_FUNCTION_COMMANDS = {"sin", "cos", "tan", "cot", "sec", "csc", "ln", "exp", "sinh", "cosh", "tanh",
                      "arcsin", "arccos", "arctan"}
_SPACING = {",", "!", " ", ";", ":"}


def latex_to_plain(text: str) -> str | None:
    """Plain-algebra spelling of simple LaTeX, or None when it uses anything else."""
    try:
        out, end = _convert_group(text, 0, closing=None)
    except _NotSimple:
        return None
    return out if end == len(text) else None


class _NotSimple(Exception):
    pass


def _convert_group(text: str, i: int, closing: str | None) -> tuple[str, int]:
    parts: list[str] = []
    n = len(text)
    while i < n:
        ch = text[i]
        if closing is not None and ch == closing:
            return "".join(parts), i + 1
        if ch == "(" and closing == ")":
            inner, i = _convert_group(text, i + 1, ")")
            parts.append(f"({inner})")
        elif ch == "{":
            inner, i = _convert_group(text, i + 1, "}")
            parts.append(f"({inner})")
        elif ch == "}":
            raise _NotSimple
        elif ch == "^":
            i += 1
            while i < n and text[i] == " ":
                i += 1
            if i < n and text[i] == "{":
                inner, i = _convert_group(text, i + 1, "}")
                parts.append(f"^({inner})")
            elif i < n and (text[i].isalnum()):
                parts.append(f"^({text[i]})")  # LaTeX: x^23 is x^2 * 3
                i += 1
            else:
                raise _NotSimple
        elif ch == "\\":
            j = i + 1
            while j < n and text[j].isalpha():
                j += 1
            name = text[i + 1:j]
            if not name:
                if j < n and text[j] in _SPACING:
                    i = j + 1
                    continue
                raise _NotSimple
            if name in ("frac", "dfrac", "tfrac"):
                top, j = _argument(text, j)
                bottom, j = _argument(text, j)
                parts.append(f"(({top})/({bottom}))")
            elif name == "sqrt":
                degree = None
                if j < n and text[j] == "[":
                    close = text.find("]", j)
                    if close < 0 or not text[j + 1:close].strip().isdigit():
                        raise _NotSimple
                    degree, j = text[j + 1:close].strip(), close + 1
                inner, j = _argument(text, j)
                parts.append(f" sqrt({inner})" if degree is None else f"(({inner})^(1/({degree})))")
            elif name in _FUNCTION_COMMANDS:
                # \cos^{2}{(x)} is cos(x)^2; only an explicit braced or parenthesised argument is read
                power = None
                if j < n and text[j] == "^":
                    power, j = _argument(text, j + 1)
                while j < n and text[j] == " ":
                    j += 1
                if j < n and text[j] == "{":
                    inner, j = _convert_group(text, j + 1, "}")
                elif j < n and text[j] == "(":
                    inner, j = _convert_group(text, j + 1, ")")
                else:
                    raise _NotSimple
                call = f" {name}({inner})"
                parts.append(call if power is None else f"({call})^({power})")
            elif name in _WORD_COMMANDS and _WORD_COMMANDS[name] is not None:
                parts.append(_WORD_COMMANDS[name])
            else:
                raise _NotSimple
            i = j
        elif ch.isalnum() or ch in "+-*/()., ":
            if ch.isalpha() and not ch.isascii():
                raise _NotSimple
            parts.append(ch)
            i += 1
        else:
            raise _NotSimple
    if closing is not None:
        raise _NotSimple
    return "".join(parts), i


def _argument(text: str, i: int) -> tuple[str, int]:
    """A command's argument: a braced group or one character (`\\frac12`)."""
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    if i < n and text[i] == "{":
        return _convert_group(text, i + 1, "}")
    if i < n and text[i].isalnum():
        return text[i], i + 1
    raise _NotSimple
