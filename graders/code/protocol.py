"""The code grader's wire format: exact-typed plain values and the framing.

This module is shipped into the sandbox next to driver.py, so it imports only
the standard library and nothing of proctor (inside it is imported as plain
`protocol`; outside as `graders.code.protocol`).

Tagged values. JSON alone turns tuples into lists and cannot say int subclass
from int, and HumanEval's own tests fail a list where a tuple is expected, so
every value travels as `[tag, payload]` with its exact built-in type:
    ["none"]  ["bool", true]  ["int", "-1f" (hex)]  ["float", float.hex()]
    ["complex", re_hex, im_hex]  ["str", s]  ["bytes", hex]
    ["list" | "tuple" | "set" | "frozenset", [items]]  ["dict", [[k, v], ...]]
Only objects whose type *is* one of those built-ins encode; a subclass or any
other object (an `__eq__` that always says yes) is refused. Set items are
sorted by their encoding so equal sets encode identically in every process.
Integers go as hex because int(str) refuses long decimal strings in 3.11+.

Framing. The driver first writes STARTED on stdout. Job into the driver (stdin): 8-byte big-endian length, the job as
`marshal` data (trusted: it comes from the grader), then the run's nonce
(NONCE_BYTES ASCII hex characters). Records from the candidate process to the
driver: 4-byte length + JSON. The driver's envelope on stdout: ENVELOPE_MAGIC +
nonce + 8-byte length + JSON. Whatever the candidate produced is read outside
with `json` only, never `marshal` or `pickle` (neither is safe on hostile bytes).

Inside the sandbox JSON is written by `to_json` on top of the C helper `_json`:
importing the `json` package (it pulls in `re`, `enum`...) would cost about 10 ms
of every run's startup.
"""
from __future__ import annotations

import _json
import marshal
import struct

MAX_DEPTH = 100
MAX_NODES = 1_000_000
MAX_INT_HEX_DIGITS = 10_000  # about 40,000 bits
NONCE_BYTES = 32
ENVELOPE_MAGIC = b"\x00PROCTOR-RESULT\x00"
# The supervisor's first write, before it reads the job: its absence means the
# sandbox never started it (the machine's fault); no candidate code has run yet.
STARTED = b"\x00PROCTOR-SUPERVISOR-STARTED\x00"
JOB_HEADER = struct.Struct(">Q")
RECORD_HEADER = struct.Struct(">I")
ENVELOPE_HEADER = struct.Struct(">Q")


class Unencodable(TypeError):
    """A value is not a plain built-in value (or too deep/large to send)."""


class ProtocolError(ValueError):
    """Bytes that do not decode to a well-formed tagged value or frame."""


_SEQUENCES = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}


def encode(value, _depth: int = 0, _budget: list | None = None):
    """The tagged JSON-able form of a plain value; raises Unencodable otherwise."""
    if _budget is None:
        _budget = [MAX_NODES]
    _budget[0] -= 1
    if _budget[0] < 0:
        raise Unencodable(f"value has more than {MAX_NODES} parts")
    if _depth > MAX_DEPTH:
        raise Unencodable(f"value nested deeper than {MAX_DEPTH} levels")
    kind = type(value)  # exact type on purpose: subclasses can override __eq__
    if value is None:
        return ["none"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", format(value, "x")]
    if kind is float:
        return ["float", value.hex()]
    if kind is complex:
        return ["complex", value.real.hex(), value.imag.hex()]
    if kind is str:
        return ["str", value]
    if kind is bytes:
        return ["bytes", value.hex()]
    if kind in _SEQUENCES:
        items = [encode(item, _depth + 1, _budget) for item in value]
        if kind is set or kind is frozenset:
            items.sort(key=canonical)
        return [_SEQUENCES[kind], items]
    if kind is dict:
        return ["dict", [[encode(k, _depth + 1, _budget), encode(v, _depth + 1, _budget)]
                         for k, v in value.items()]]
    raise Unencodable(f"a {kind.__module__}.{kind.__qualname__} is not a plain value")


def to_json(value) -> str:
    """Compact ASCII JSON of None/bool/int/finite float/str/list/tuple/dict-with-str-keys."""
    kind = type(value)
    if kind is str:
        return _json.encode_basestring_ascii(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value)
    if kind is list or kind is tuple:
        return "[" + ",".join([to_json(item) for item in value]) + "]"
    if kind is dict:
        return "{" + ",".join([_json.encode_basestring_ascii(k) + ":" + to_json(v)
                               for k, v in value.items()]) + "}"
    raise TypeError(f"to_json cannot write a {kind.__name__}")


def canonical(tagged) -> str:
    """One spelling of a tagged value, for sorting and for exact comparison."""
    return to_json(tagged)


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise ProtocolError(what)


def decode(tagged, _depth: int = 0, _budget: list | None = None):
    """The exact built-in value a tagged form stands for; ProtocolError if malformed."""
    if _budget is None:
        _budget = [MAX_NODES]
    _budget[0] -= 1
    _need(_budget[0] >= 0 and _depth <= MAX_DEPTH, "value too deep or too large")
    _need(type(tagged) is list and len(tagged) >= 1 and type(tagged[0]) is str, "not a tagged value")
    tag, rest = tagged[0], tagged[1:]
    if tag == "none":
        _need(not rest, "bad none")
        return None
    if tag == "bool":
        _need(len(rest) == 1 and type(rest[0]) is bool, "bad bool")
        return rest[0]
    if tag == "int":
        _need(len(rest) == 1 and type(rest[0]) is str and 0 < len(rest[0]) <= MAX_INT_HEX_DIGITS, "bad int")
        try:
            return int(rest[0], 16)
        except ValueError:
            raise ProtocolError("bad int") from None
    if tag in ("float", "complex"):
        _need(len(rest) == (1 if tag == "float" else 2) and all(type(p) is str and len(p) < 64 for p in rest),
              f"bad {tag}")
        try:
            parts = [float.fromhex(p) for p in rest]
        except (ValueError, OverflowError):
            raise ProtocolError(f"bad {tag}") from None
        return parts[0] if tag == "float" else complex(parts[0], parts[1])
    if tag == "str":
        _need(len(rest) == 1 and type(rest[0]) is str, "bad str")
        return rest[0]
    if tag == "bytes":
        _need(len(rest) == 1 and type(rest[0]) is str, "bad bytes")
        try:
            return bytes.fromhex(rest[0])
        except ValueError:
            raise ProtocolError("bad bytes") from None
    if tag in ("list", "tuple", "set", "frozenset"):
        _need(len(rest) == 1 and type(rest[0]) is list, f"bad {tag}")
        items = [decode(item, _depth + 1, _budget) for item in rest[0]]
        if tag == "list":
            return items
        if tag == "tuple":
            return tuple(items)
        try:
            return set(items) if tag == "set" else frozenset(items)
        except TypeError:
            raise ProtocolError(f"unhashable item in a {tag}") from None
    if tag == "dict":
        _need(len(rest) == 1 and type(rest[0]) is list, "bad dict")
        out = {}
        for pair in rest[0]:
            _need(type(pair) is list and len(pair) == 2, "bad dict item")
            key = decode(pair[0], _depth + 1, _budget)
            try:
                out[key] = decode(pair[1], _depth + 1, _budget)
            except TypeError:
                raise ProtocolError("unhashable dict key") from None
        return out
    raise ProtocolError(f"unknown tag {tag[:20]!r}")


def loads(data: bytes | str):
    """json.loads that turns every failure (including deep nesting) into ProtocolError."""
    import json  # outside only; see to_json
    try:
        return json.loads(data)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {type(exc).__name__}") from None


def frame_job(job: dict, nonce: str) -> bytes:
    body = marshal.dumps(job)
    return JOB_HEADER.pack(len(body)) + body + nonce.encode("ascii")


def read_job(body: bytes) -> dict:
    return marshal.loads(body)


def frame_record(record: dict) -> bytes:
    body = to_json(record).encode("ascii")
    return RECORD_HEADER.pack(len(body)) + body


def frame_envelope(nonce: str, envelope: dict) -> bytes:
    body = to_json(envelope).encode("ascii")
    return ENVELOPE_MAGIC + nonce.encode("ascii") + ENVELOPE_HEADER.pack(len(body)) + body


def find_envelope(stdout: bytes, nonce: str) -> dict | None:
    """The driver's envelope in the sandbox's stdout, or None when there is
    none or it is not well formed. Only the driver knows the nonce, so bytes the
    candidate managed to print cannot pass for it."""
    marker = ENVELOPE_MAGIC + nonce.encode("ascii")
    at = stdout.find(marker)
    if at < 0 or stdout.find(marker, at + 1) >= 0:
        return None
    start = at + len(marker)
    header = stdout[start:start + ENVELOPE_HEADER.size]
    if len(header) != ENVELOPE_HEADER.size:
        return None
    (length,) = ENVELOPE_HEADER.unpack(header)
    body = stdout[start + ENVELOPE_HEADER.size:start + ENVELOPE_HEADER.size + length]
    if len(body) != length:
        return None
    try:
        envelope = loads(body)
    except ProtocolError:
        return None
    return envelope if type(envelope) is dict else None
