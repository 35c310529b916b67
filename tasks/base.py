"""What a task is: a seeded generator of problems, each bound to a grader by name.

A plug-in task subclasses `Task`, declares `name` (the name it is registered
under), `grader`, `params` and writes `make(rng, params) -> (prompt, reference)`
(or `(prompt, reference, metadata)` to add keys to the problem's metadata);
`generate` does the rest: parameter checks, per-item seeding, de-duplication
and the capacity refusal. `capacity`, `reference_completion` and
`perturbed_completions` have defaults; the conformance kit (`proctor.testing`)
uses the last two to check that the task and its grader agree.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any, Iterator

from proctor.graders.problem import Problem, canonical_json
from proctor.registry import PLUGIN_API


class TaskParameterError(ValueError):
    """A parameter is unknown, of the wrong type or out of range."""


class CapacityError(ValueError):
    """More distinct problems were asked for than the family can make."""


@dataclass(frozen=True, kw_only=True)
class Param:
    """A declared task parameter: `Param(name="difficulty", type=int, default=1, low=1, high=5)`."""

    name: str
    type: type
    default: Any
    low: Any = None  # inclusive bounds for numbers
    high: Any = None
    choices: tuple = ()  # allowed values for strings
    help: str = ""

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.type is bool:
            return "true or false"
        noun = {int: "an integer", float: "a number", str: "a string"}.get(self.type, self.type.__name__)
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low} to {self.high}"
        return noun

    def coerce(self, task: str, value: Any) -> Any:
        """Checks and converts a value (strings come from the command line)."""
        problem = TaskParameterError(
            f"task {task}: parameter {self.name}={value!r} is not allowed; {self.name} must be {self.allowed()}"
        )
        if self.type is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            raise problem
        if self.type is int:
            if isinstance(value, bool):
                raise problem
            if isinstance(value, str):
                try:
                    value = int(value.strip())
                except ValueError:
                    raise problem from None
            if not isinstance(value, int):
                raise problem
        elif self.type is float:
            if isinstance(value, bool):
                raise problem
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise problem from None
            if value != value:
                raise problem
        elif self.type is str:
            if not isinstance(value, str):
                raise problem
        if self.choices and value not in self.choices:
            raise problem
        if self.low is not None and value < self.low:
            raise problem
        if self.high is not None and value > self.high:
            raise problem
        return value


class Task:
    # --- what a plug-in declares --------------------------------------------------
    name: str = ""  # required: the registered name, part of every problem's id and seed
    grader: str = ""  # the grader's registered name
    description: str = ""
    version: str = "1"  # bump when the same seed would give different problems
    plugin_api: int = PLUGIN_API  # the contract version this task was written for
    params: tuple[Param, ...] = (
        Param(name="difficulty", type=int, default=1, low=1, high=5, help="1 (easiest) to 5"),
    )

    # --- what a plug-in writes -------------------------------------------------
    def make(self, rng: random.Random, params: dict) -> tuple[str, Any] | tuple[str, Any, dict]:
        """One problem from this item's private random stream: (prompt, reference), or
        (prompt, reference, metadata) whose keys join the harness's in `Problem.metadata`
        (the harness's own keys win)."""
        raise NotImplementedError

    def capacity(self, params: dict) -> int | None:
        """How many distinct prompts these parameters allow, when countable."""
        return None

    def reference_completion(self, problem: Problem) -> str:
        """What a perfect model would write: its grader must find it correct."""
        return str(problem.reference)

    def perturbed_completions(self, problem: Problem) -> list[str]:
        """Near misses of the reference: its grader must not find them correct.
        By default the reference completion with its last letter or digit changed."""
        return [near_miss(self.reference_completion(problem))]

    # --- what the harness provides ----------------------------------------------
    def resolve_params(self, given: dict) -> dict:
        declared = {p.name: p for p in self.params}
        for key in given:
            if key not in declared:
                allowed = ", ".join(sorted(declared)) or "none"
                raise TaskParameterError(f"task {self.name}: unknown parameter {key!r}; parameters: {allowed}")
        return {name: (p.coerce(self.name, given[name]) if name in given else p.default)
                for name, p in declared.items()}

    def generate(self, n: int, seed: int, **params) -> list[Problem]:
        return list(self.iter_generate(n, seed, **params))

    def iter_generate(self, n: int, seed: int, **params) -> Iterator[Problem]:
        if not self.name:
            # The name seeds every item and starts every id: without one, ids
            # would read "/f4757437/0/0" and problems differ from the registered task's.
            raise TypeError(f"{type(self).__module__}.{type(self).__qualname__} declares no name; "
                            f"set name = \"...\" on the class, the name it is registered under")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TaskParameterError(f"task {self.name}: n must be a non-negative integer, got {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TaskParameterError(f"task {self.name}: seed must be an integer, got {seed!r}")
        resolved = self.resolve_params(params)
        capacity = self.capacity(resolved)
        if capacity is not None and n > capacity:
            raise CapacityError(
                f"task {self.name} with {_describe(resolved)} can make only {capacity} distinct problems; "
                f"asked for {n}"
            )
        # Problem ids carry a digest of the parameters, so two parameter sets with
        # one seed never share ids.
        tag = hashlib.sha256(canonical_json(resolved).encode()).hexdigest()[:8]
        seen: set[bytes] = set()
        made = attempt = 0
        # Random draws can collide; give up only after many more attempts than
        # items, then report what the family could actually make.
        max_attempts = 20 * n + 1000
        while made < n:
            if attempt >= max_attempts:
                raise CapacityError(
                    f"task {self.name} with {_describe(resolved)} made only {made} distinct problems "
                    f"in {attempt} attempts; asked for {n}"
                )
            # A string seed goes through SHA-512 in `random`, independent of
            # PYTHONHASHSEED and platform: the same item on every machine.
            rng = random.Random(f"{self.name}|v{self.version}|{seed}|{tag}|{attempt}")
            item = self.make(rng, resolved)
            prompt, reference, extra = item if len(item) == 3 else (*item, {})
            attempt += 1
            digest = hashlib.blake2b(prompt.encode(), digest_size=12).digest()
            if digest in seen:
                continue
            seen.add(digest)
            yield Problem(
                id=f"{self.name}/{tag}/{seed}/{made}",
                task=self.name,
                prompt=prompt,
                reference=reference,
                metadata={**extra, "seed": seed, "index": made, "attempt": attempt - 1, "params": resolved,
                          "difficulty": resolved.get("difficulty"), "task_version": self.version},
            )
            made += 1


def near_miss(text: str) -> str:
    """`text` with its last letter or digit moved one step on (9 -> 0, z -> a), else with "x" added."""
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        if c.isdigit() and c.isascii():
            return text[:i] + str((int(c) + 1) % 10) + text[i + 1:]
        if c.isalpha() and c.isascii():
            base = ord("a") if c.islower() else ord("A")
            return text[:i] + chr(base + (ord(c) - base + 1) % 26) + text[i + 1:]
    return text + "x"


def _describe(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "default parameters"
