"""Suite files: which task families a run asks a model, how many, how.

    name = "smoke"                # the suite's name; baselines are kept per suite
    [defaults]                    # optional; any family field below
    k = 1                         # samples per problem
    temperature = 0.0
    max_tokens = 256
    stop = []
    seed = 0

    [[family]]
    task = "arith.integer"
    name = "arith.easy"           # optional, default: the task; reports and the gate group by it
    n = 20                        # or "auto": sized by `proctor plan` from margin and baseline_acc
    seed = 1
    params = { difficulty = 2 }
    margin = 0.02                 # the gate's non-inferiority margin for this family
    baseline_acc = 0.7            # used only with n = "auto"

Every mistake is reported as one line naming the file, the line, the field and
what is allowed.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from proctor import tasks
from proctor.defaults import DEFAULT_MARGIN, margin_problem
from proctor.errors import BadInput
from proctor.registry import RegistryError
from proctor.tasks.base import TaskParameterError

FAMILY_FIELDS = {"task", "name", "n", "seed", "params", "k", "temperature", "max_tokens", "stop", "margin",
                 "baseline_acc", "correlation"}
DEFAULT_FIELDS = FAMILY_FIELDS - {"task", "name", "params"}
# A family name is shown in tables and becomes part of an lm-eval task name: printable, no spaces.
FAMILY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,99}$")


@dataclass(frozen=True)
class Decoding:
    temperature: float = 0.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    """One family of a suite: a task at some parameters. Reports and the gate group results by its name,
    so one task can be gated twice (say at difficulty 1 and 5) under two names."""
    task: str
    n: int
    seed: int
    params: dict
    k: int
    decoding: Decoding
    margin: float
    name: str = ""   # default: the task

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", self.task)


@dataclass(frozen=True)
class Suite:
    name: str
    path: str
    families: tuple[Family, ...] = field(default_factory=tuple)

    def to_config(self) -> dict:
        return {"suite": self.name, "suite_path": self.path,
                "families": [asdict(f) for f in self.families],
                "margins": {f.name: f.margin for f in self.families}}


def load_suite(path: str | Path) -> Suite:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput("no such suite file", name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read the suite file: {exc}", name) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise BadInput(f"not valid TOML: {exc}", name, int(line.group(1)) if line else None) from None
    return parse_suite(data, name, text)


def parse_suite(data: dict, name: str, text: str = "") -> Suite:
    family_lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip().startswith("[[family]]")]
    defaults_line = next((i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[defaults]"), None)
    unknown = set(data) - {"name", "defaults", "family", "description"}
    if unknown:
        raise BadInput(f"unknown top-level field {sorted(unknown)[0]!r}; allowed: name, description, defaults, "
                       f"family", name, 1)
    suite_name = data.get("name", Path(name).stem)
    if not isinstance(suite_name, str) or not suite_name:
        raise BadInput("field 'name' must be a non-empty string", name, 1)
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise BadInput("field 'defaults' must be a table", name, defaults_line)
    for key in defaults:
        if key not in DEFAULT_FIELDS:
            raise BadInput(f"[defaults]: unknown field {key!r}; allowed: {', '.join(sorted(DEFAULT_FIELDS))}",
                           name, defaults_line)
    raw_families = data.get("family")
    if not isinstance(raw_families, list) or not raw_families:
        raise BadInput("a suite needs at least one [[family]] table", name, 1)
    families, seen = [], set()
    for index, raw in enumerate(raw_families):
        line = family_lines[index] if index < len(family_lines) else None
        if not isinstance(raw, dict):
            raise BadInput("each [[family]] must be a table", name, line)
        family = _parse_family(dict(defaults, **raw), name, line)
        if family.name in seen:
            raise BadInput(f"family {family.name!r} appears in two [[family]] tables; give each a different "
                           f"'name' (a task may appear twice, e.g. at two difficulties)", name, line)
        seen.add(family.name)
        families.append(family)
    return Suite(suite_name, name, tuple(families))


def _parse_family(raw: dict, file: str, line: int | None) -> Family:
    def fail(field_name: str, allowed: str) -> BadInput:
        shown = raw.get(field_name, "<missing>")
        return BadInput(f"[[family]] {raw.get('task', '?')}: field {field_name!r} is {shown!r}; {allowed}", file, line)

    def number(field_name: str, default, kinds: type | tuple, within, allowed: str):
        value = raw.get(field_name, default)
        if isinstance(value, bool) or not isinstance(value, kinds) or not within(value):
            raise fail(field_name, allowed)
        return value

    for key in raw:
        if key not in FAMILY_FIELDS:
            raise BadInput(f"[[family]] {raw.get('task', '?')}: unknown field {key!r}; allowed: "
                           f"{', '.join(sorted(FAMILY_FIELDS))}", file, line)
    task_name = raw.get("task")
    if not isinstance(task_name, str):
        raise fail("task", "it must be a task name (see `proctor tasks`)")
    family_name = raw.get("name", task_name)
    if not isinstance(family_name, str) or not FAMILY_NAME.match(family_name):
        raise fail("name", "it must be a family name: 1 to 100 letters, digits and . _ : / + -, starting with a "
                           "letter or digit")
    try:
        task = tasks.get(task_name)
    except RegistryError as exc:
        raise BadInput(f"[[family]]: field 'task': {exc}", file, line) from None
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise fail("params", "it must be a table of task parameters")
    try:
        params = task.resolve_params(params)
    except TaskParameterError as exc:
        raise BadInput(f"[[family]] {task_name}: field 'params': {exc}", file, line) from None
    seed = number("seed", 0, int, lambda v: True, "it must be an integer")
    k = number("k", 1, int, lambda v: 1 <= v <= 1000, "it must be an integer from 1 to 1000 (samples per problem)")
    margin = number("margin", DEFAULT_MARGIN, (int, float), lambda v: margin_problem(v) is None,
                    margin_problem(raw.get("margin", DEFAULT_MARGIN)) or "")
    if raw.get("n") == "auto":
        n = _auto_n(raw, float(margin), file, line)
    else:
        n = number("n", None, int, lambda v: v >= 1, "it must be a positive integer or \"auto\"")
    temperature = number("temperature", 0.0, (int, float), lambda v: 0 <= v <= 5, "it must be a number from 0 to 5")
    max_tokens = number("max_tokens", 256, int, lambda v: 1 <= v <= 1_000_000, "it must be a positive integer")
    stop = raw.get("stop", [])
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
        raise fail("stop", "it must be a string or a list of non-empty strings")
    capacity = task.capacity(params)
    if capacity is not None and n > capacity:
        raise BadInput(f"[[family]] {task_name}: field 'n' is {n}; these parameters allow at most {capacity} "
                       f"distinct problems", file, line)
    return Family(task_name, n, seed, params, k, Decoding(float(temperature), max_tokens, tuple(stop)),
                  float(margin), family_name)


def _auto_n(raw: dict, margin: float, file: str, line: int | None) -> int:
    """`proctor plan`'s number; without `baseline_acc`, the worst case over accuracies."""
    from proctor.gate.plan import auto_items

    where = f"[[family]] {raw.get('task')}: n = \"auto\""
    baseline = raw.get("baseline_acc")
    if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, (int, float))
                                 or not 0 < baseline < 1):
        raise BadInput(f"{where}: field 'baseline_acc' must be a number in (0, 1)", file, line)
    problem = margin_problem(margin, positive=True)
    if problem:
        raise BadInput(f"{where} needs a positive 'margin': {problem}", file, line)
    correlation = raw.get("correlation", 0.5)
    try:
        return auto_items(margin, None if baseline is None else float(baseline), float(correlation))
    except BadInput as exc:
        raise BadInput(f"{where}: cannot size it: {exc}", file, line) from None
