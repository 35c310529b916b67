"""Finding the JSON answer in model text.

Three places, in order; the first that applies decides, and the verdict names it:
1. `whole`: the whole completion (trimmed) is JSON;
2. `fenced`: else the content of the last ```json fenced block (a last fence
   that never closes is a truncated answer: unparsable, never an earlier block);
3. `balanced`: else the first balanced top-level object or array. A span that
   balances but is not JSON (prose like "[see above]") is skipped as a whole,
   never searched inside, so a nested fragment of a broken outer object is not
   mistaken for the answer; an opener that never closes is a truncated answer;
   after MAX_SPANS such spans the search stops (unparsable).
With `strict`, only the first is accepted (gate on strict, report lenient too).
Peers differ (instructor: first fence else first `{` to last `}`; LangChain closes
brackets until it parses, crediting truncated output): this order credits only
what the model actually wrote, complete.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from proctor.graders.json_schema.parse import DEFAULT_POLICY, STRING_TOKEN, JsonRefused, NotJson, ParsePolicy, parse_json

WHOLE, FENCED, BALANCED = "whole", "fenced", "balanced"

# An opening fence labelled json, ending its line; models also put it after text
# on the same line ("Here it is: ```json"), so it need not start one. The block
# runs to the next fence of at least as many backticks (or tildes).
# A fence is matched only from the start of its run of backticks or tildes, and
# the run is taken whole (possessive): a megabyte of backticks is one pass, not
# a retry from every one of them.
_FENCE_OPEN = re.compile(r"((?<!`)`{3,}+|(?<!~)~{3,}+)[ \t]*+json[ \t]*+\r?\n", re.IGNORECASE)
_NUMBERISH = re.compile(r"-?[0-9][0-9.eE+-]*")
_OPENER = re.compile(r"[\[{]")
_TOKEN = re.compile(STRING_TOKEN.pattern + r"|[\[\]{}]", re.DOTALL)
_CLOSER_FOR = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class Extraction:
    value: Any
    method: str  # whole | fenced | balanced
    text: str  # the JSON text that was parsed


def _last_fenced_block(text: str) -> tuple[str | None, bool]:
    """(content of the last ```json block, whether a fence was found at all).

    Raises JsonRefused when the last such fence is never closed.
    """
    openers = list(_FENCE_OPEN.finditer(text))
    if not openers:
        return None, False
    last = openers[-1]
    fence = last.group(1)
    mark = re.escape(fence[0])
    end = re.compile(f"(?<!{mark}){mark}{{{len(fence)},}}").search(text, last.end())
    if end is None:
        raise JsonRefused("the last ```json block is never closed (truncated output?)")
    return text[last.end():end.start()], True


# Spans of prose in brackets ("[1]", "{see above}") are each tried and skipped;
# past this many a completion is not an answer, and a megabyte of "[}" or
# "{x} " would otherwise cost a second of parse attempts.
MAX_SPANS = 2_000


def _balanced_spans(text: str, max_depth: int):
    """Each top-level balanced [...] / {...} span, string-aware, left to right.

    Raises JsonRefused for an opener that never closes, nesting past max_depth,
    or more than MAX_SPANS spans.
    """
    position = 0
    for _ in range(MAX_SPANS):
        start = _OPENER.search(text, position)
        if start is None:
            return
        stack: list[str] = []
        end = None
        for token in _TOKEN.finditer(text, start.start()):
            symbol = token.group()
            if symbol in _CLOSER_FOR:
                stack.append(_CLOSER_FOR[symbol])
                if len(stack) > max_depth:
                    raise JsonRefused(f"JSON nesting depth exceeds the limit of {max_depth}")
            elif symbol in "]}":
                if stack.pop() != symbol:
                    end = token.end()  # mismatched brackets: not JSON, skip the span
                    yield start.start(), end, False
                    break
                if not stack:
                    end = token.end()
                    yield start.start(), end, True
                    break
        if end is None:
            raise JsonRefused(f"the JSON opened at character {start.start()} never closes (truncated output?)")
        position = end
    if _OPENER.search(text, position):
        raise JsonRefused(f"no JSON in the first {MAX_SPANS} bracketed spans (not an answer)")


def extract_json(completion: str, strict: bool = False, policy: ParsePolicy = DEFAULT_POLICY) -> Extraction:
    """The answer's JSON value and where it was found; raises JsonRefused (NotJson
    when no JSON was found at all) with the reason."""
    whole = completion.strip()
    try:
        return Extraction(parse_json(whole, policy), WHOLE, whole)
    except NotJson as exc:
        if strict:
            raise NotJson(f"strict: the whole completion must be JSON; {exc}") from None
    except JsonRefused:
        # Refused before parsing (too long, too deep, a huge number): final when
        # the text is plainly meant as JSON, else it may be prose around an answer.
        if strict or whole[:1] in ("{", "[", '"') or _NUMBERISH.fullmatch(whole):
            raise
    block, fenced = _last_fenced_block(completion)
    if fenced:
        block = block.strip()
        try:
            return Extraction(parse_json(block, policy), FENCED, block)
        except NotJson as exc:
            raise NotJson(f"the last ```json block is {exc}") from None
    for start, end, balanced in _balanced_spans(completion, policy.max_depth):
        if not balanced:
            continue
        candidate = completion[start:end]
        try:
            return Extraction(parse_json(candidate, policy), BALANCED, candidate)
        except NotJson:
            continue
    raise NotJson("no JSON found: the completion is not JSON, has no ```json block and no balanced object or array")
