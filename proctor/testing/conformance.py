"""The conformance kit: what every task and grader, built-in or plug-in, must do.

A plug-in author's whole test (pytest collects one test per check):

    import pytest
    from proctor.testing import conformance

    @pytest.mark.parametrize("check", conformance.checks("wordplay.reverse", "exact_text"), ids=str)
    def test_conformance(check):
        check()

or, without a test file, `pytest --proctor-conformance=wordplay.reverse,exact_text`
(the pytest plugin in proctor.testing.pytest_plugin). Names are registered
names, so the checks see exactly what `proctor` sees: an installed plug-in's
entry points.

For a task, over its default parameters and every value of each parameter that
has few (difficulty 1-5, each choice), `n` problems each:
- deterministic: the same problems in this process, in a fresh process under
  two PYTHONHASHSEED values, and from an instance made without the registry;
- distinct: distinct prompts and ids; a declared capacity is refused when
  exceeded, and reached when small;
- storable: problems survive pickling (the pool) and JSON (the store);
- reference: `task.reference_completion(p)` is graded correct;
- perturbed: every `task.perturbed_completions(p)` is graded incorrect or unparsable;
- hostile: the hostile corpus's cases for any grader get a scored verdict
  (never timeout or error) within its time bound, on this task's problems.
For a grader, on problems of a task that uses it:
- hostile: the cases aimed at this grader, likewise;
- verdicts: every field of every verdict is valid and survives the store's JSON.
All grading goes through proctor's own worker pool, with its hard kill.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from proctor import graders, tasks
from proctor.graders.problem import STATUSES, Problem, Verdict, canonical_json
from proctor.registry import RegistryError
from proctor.tasks.base import CapacityError, TaskParameterError
from proctor.testing.hostile import TIME_BOUND_SECONDS, HostileCompletion, hostile_completions

DEFAULT_N = 10  # problems per parameter set
SEED = 20240
HASH_SEEDS = ("0", "4242")  # PYTHONHASHSEED of the two fresh processes
FEW_VALUES = 8  # an integer parameter with at most this many values is checked at each
CAPACITY_PROBE = 200  # a declared capacity up to this is generated in full
SCORED = ("correct", "incorrect", "unparsable")
NOT_TEXT = (None, b"\xff\xfe answer", 42, ["a", "list"])  # what a careless caller passes as a completion


class ConformanceError(AssertionError):
    """A task or grader breaks the plug-in contract; the message says where and how."""


@dataclass(frozen=True)
class Check:
    """One check of one task or grader; call it to run it (raises ConformanceError)."""

    subject: str  # the registered name
    kind: str  # "task" or "grader"
    what: str
    run: Callable[[], None] = field(repr=False, compare=False)

    def __call__(self) -> None:
        __tracebackhide__ = True  # pytest shows the one-line reason, not the kit's insides
        try:
            self.run()
        except (ConformanceError, RegistryError) as exc:
            raise ConformanceError(str(exc)) from None

    def __str__(self) -> str:
        return f"{self.subject}:{self.what}"


TASK_CHECKS = ("contract", "deterministic", "distinct", "storable", "reference", "perturbed", "hostile")
GRADER_CHECKS = ("contract", "hostile", "verdicts")


def checks(*names: str, n: int = DEFAULT_N) -> list[Check]:
    """The checks for each name (a registered task, grader, or both), lazily run."""
    if not names:
        raise ConformanceError("name at least one registered task or grader")
    kit = Conformance(n=n)
    found: list[Check] = []
    task_names, grader_names = set(tasks.names()), set(graders.names())
    for name in names:
        if name not in task_names and name not in grader_names:
            raise ConformanceError(f"{name!r} is neither a registered task nor a registered grader "
                                   f"(is the plug-in installed?)")
        if name in task_names:
            kit.task_names.append(name)
            found += [Check(name, "task", what, _bound(getattr(kit, f"task_{what}"), name))
                      for what in TASK_CHECKS]
        if name in grader_names:
            kit.grader_names.append(name)
            found += [Check(name, "grader", what, _bound(getattr(kit, f"grader_{what}"), name))
                      for what in GRADER_CHECKS]
    return found


def check_task(name: str, n: int = DEFAULT_N) -> None:
    """Runs every check of one task; raises ConformanceError at the first failure."""
    for check in checks(name, n=n):
        if check.kind == "task":
            check()


def check_grader(name: str, n: int = DEFAULT_N) -> None:
    """Runs every check of one grader; raises ConformanceError at the first failure."""
    for check in checks(name, n=n):
        if check.kind == "grader":
            check()


def _bound(method: Callable[[str], None], name: str) -> Callable[[], None]:
    return lambda: method(name)


def parameter_sets(task) -> list[dict]:
    """The defaults, then every value of each parameter with few values, one at a time."""
    sets: list[dict] = [{}]
    for p in task.params:
        if p.choices:
            values = list(p.choices)
        elif p.type is int and p.low is not None and p.high is not None and p.high - p.low < FEW_VALUES:
            values = list(range(p.low, p.high + 1))
        else:
            values = []
        sets += [{p.name: v} for v in values if v != p.default]
    return sets


def _describe(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "default parameters"


def fingerprints(task_names: list[str], n: int) -> dict:
    """Per task, per parameter set, a digest of each problem's JSON: compared across processes."""
    out = {}
    for name in task_names:
        task = tasks.get(name)
        out[name] = [[params, [_fingerprint(p) for p in task.generate(_size(task, params, n), SEED, **params)]]
                     for params in parameter_sets(task)]
    return out


def _fingerprint(problem: Problem) -> str:
    return hashlib.sha256(problem.to_json().encode()).hexdigest()


def _size(task, params: dict, n: int) -> int:
    capacity = task.capacity(task.resolve_params(params))
    return n if capacity is None else min(n, capacity)


class Conformance:
    """Shared state of one `checks()` call: problems are generated once, and the
    fresh processes of the determinism check run once for all its tasks."""

    def __init__(self, n: int = DEFAULT_N):
        self.n = n
        self.task_names: list[str] = []
        self.grader_names: list[str] = []
        self._problems: dict[str, list[tuple[dict, list[Problem]]]] = {}

    # --- shared ---------------------------------------------------------------------
    def problems(self, name: str) -> list[tuple[dict, list[Problem]]]:
        """(parameters, problems) for each parameter set of task `name`."""
        if name not in self._problems:
            task = tasks.get(name)
            made = []
            for params in parameter_sets(task):
                size = _size(task, params, self.n)
                try:
                    made.append((params, task.generate(size, SEED, **params)))
                except (CapacityError, TaskParameterError) as exc:
                    raise ConformanceError(f"task {name} with {_describe(params)}: generating {size} problems "
                                           f"failed: {exc}") from None
            self._problems[name] = made
        return self._problems[name]

    def all_problems(self, name: str) -> list[Problem]:
        return [p for _, batch in self.problems(name) for p in batch]

    @cached_property
    def fresh_fingerprints(self) -> dict[str, dict]:
        """PYTHONHASHSEED -> fingerprints made by a fresh `python`, which loads every
        task by name as `proctor` would (entry points included)."""
        env = dict(os.environ)
        # The fresh process sees what this one sees, installed or only on sys.path.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        script = ("import json, sys\nfrom proctor.testing.conformance import fingerprints\n"
                  "json.dump(fingerprints(*json.loads(sys.argv[1])), sys.stdout)\n")
        spec = json.dumps([self.task_names, self.n])
        procs = {seed: subprocess.Popen([sys.executable, "-c", script, spec], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=dict(env, PYTHONHASHSEED=seed))
                 for seed in HASH_SEEDS}  # side by side
        out = {}
        for hash_seed, proc in procs.items():
            stdout, stderr = proc.communicate()
            if proc.returncode != 0:
                raise ConformanceError(f"a fresh process (PYTHONHASHSEED={hash_seed}) failed to generate "
                                       f"{', '.join(self.task_names)}: {stderr.strip()[-2000:]}")
            out[hash_seed] = json.loads(stdout)
        return out

    def graded(self, problems: list[Problem], completions: list[tuple[Problem, str]],
               grader: str | None = None) -> list[tuple[Problem, str, Verdict]]:
        """Grades through proctor's worker pool, with the hostile corpus's time bound as the hard kill."""
        import proctor

        rows = [{"id": p.id, "sample": i, "completion": text} for i, (p, text) in enumerate(completions)]
        verdicts = {v.sample: v.verdict for v in proctor.grade(problems, rows, grader=grader,
                                                                timeout=TIME_BOUND_SECONDS)}
        return [(p, text, verdicts[i]) for i, (p, text) in enumerate(completions)]

    def grader_problems(self, grader: str) -> list[Problem]:
        """Problems of tasks that use `grader`: the checked ones first, else any registered one."""
        users = [t for t in self.task_names if tasks.get(t).grader == grader]
        if not users:
            users = [t for t in tasks.names() if tasks.get(t).grader == grader][:1]
        if not users:
            raise ConformanceError(f"grader {grader}: no registered task uses it, so there is no problem "
                                   f"to grade; check it together with a task whose grader it is")
        return [self.problems(t)[0][1][0] for t in users]

    # --- task checks ------------------------------------------------------------------
    def task_contract(self, name: str) -> None:
        task = tasks.get(name)  # the registry checks base class, name and plugin API
        if task.grader not in graders.names():
            raise ConformanceError(f"task {name}: its grader {task.grader!r} is not registered")
        for p in task.params:
            try:
                p.coerce(name, p.default)
            except ValueError as exc:
                raise ConformanceError(f"task {name}: the default of parameter {p.name} is not allowed: "
                                       f"{exc}") from None

    def task_deterministic(self, name: str) -> None:
        task = tasks.get(name)
        for params, batch in self.problems(name):
            again = task.generate(len(batch), SEED, **params)
            _same(name, params, batch, again, "a second call in this process")
            unregistered = type(task)().generate(len(batch), SEED, **params)
            _same(name, params, batch, unregistered, f"an instance made directly ({type(task).__name__}())")
        mine = [[params, [_fingerprint(p) for p in batch]] for params, batch in self.problems(name)]
        for hash_seed, theirs in self.fresh_fingerprints.items():
            for (params, ours), (_, other) in zip(mine, theirs[name]):
                if ours != other:
                    index = next((i for i, (a, b) in enumerate(zip(ours, other)) if a != b), min(len(ours), len(other)))
                    raise ConformanceError(
                        f"task {name} with {_describe(params)}: problem {index} differs between this process and "
                        f"a fresh one with PYTHONHASHSEED={hash_seed}; seed every draw from the rng `make` gets, "
                        f"and never iterate a set or depend on hash()/id()")

    def task_distinct(self, name: str) -> None:
        task = tasks.get(name)
        for params, batch in self.problems(name):
            if len(batch) != _size(task, params, self.n):
                raise ConformanceError(f"task {name} with {_describe(params)}: asked for "
                                       f"{_size(task, params, self.n)} problems, got {len(batch)}")
            _distinct(name, params, batch)
            capacity = task.capacity(task.resolve_params(params))
            if capacity is None:  # not countable: generate's attempt bound refuses instead
                continue
            try:
                task.generate(capacity + 1, SEED, **params)
            except CapacityError:
                pass
            else:
                raise ConformanceError(f"task {name} with {_describe(params)}: capacity() says {capacity} "
                                       f"distinct problems, yet {capacity + 1} were generated")
            if capacity <= CAPACITY_PROBE:
                try:
                    everything = task.generate(capacity, SEED, **params)
                except CapacityError as exc:
                    raise ConformanceError(f"task {name} with {_describe(params)}: capacity() says {capacity}, "
                                           f"but generating that many failed: {exc}") from None
                _distinct(name, params, everything)

    def task_storable(self, name: str) -> None:
        task = tasks.get(name)
        try:
            pickle.loads(pickle.dumps(task))
        except Exception as exc:
            raise ConformanceError(f"task {name}: the task does not pickle: {type(exc).__name__}: {exc}") from None
        for params, batch in self.problems(name):
            for problem in batch:
                try:
                    text = problem.to_json()
                except (TypeError, ValueError) as exc:
                    raise ConformanceError(f"task {name} with {_describe(params)}: problem {problem.id} is not "
                                           f"JSON (the store and `proctor generate` write JSON): {exc}") from None
                if Problem.from_dict(json.loads(text)) != problem:
                    raise ConformanceError(f"task {name}: problem {problem.id} changes through JSON (use lists, "
                                           f"not tuples, and string keys in reference and metadata)")
                try:
                    copy = pickle.loads(pickle.dumps(problem))
                except Exception as exc:
                    raise ConformanceError(f"task {name}: problem {problem.id} does not pickle for the worker "
                                           f"pool: {type(exc).__name__}: {exc}") from None
                if copy != problem:
                    raise ConformanceError(f"task {name}: problem {problem.id} changes through pickling")

    def task_reference(self, name: str) -> None:
        task = tasks.get(name)
        problems = self.all_problems(name)
        for problem, text, verdict in self.graded(problems, [(p, task.reference_completion(p)) for p in problems]):
            _valid(verdict, f"task {name}, problem {problem.id}, reference completion")
            if verdict.status != "correct":
                raise ConformanceError(
                    f"task {name}: the reference completion of problem {problem.id} is graded {verdict.status} "
                    f"by {task.grader} ({verdict.reason}); completion: {text[:300]!r}")

    def task_perturbed(self, name: str) -> None:
        task = tasks.get(name)
        problems = self.all_problems(name)
        jobs = []
        for problem in problems:
            reference = task.reference_completion(problem)
            perturbed = task.perturbed_completions(problem)
            if not perturbed or reference in perturbed:
                raise ConformanceError(f"task {name}: perturbed_completions of problem {problem.id} must be "
                                       f"near misses, not empty and never the reference completion itself")
            jobs += [(problem, text) for text in perturbed]
        for problem, text, verdict in self.graded(problems, jobs):
            _valid(verdict, f"task {name}, problem {problem.id}, perturbed completion")
            if verdict.status not in ("incorrect", "unparsable"):
                raise ConformanceError(
                    f"task {name}: a perturbed reference of problem {problem.id} is graded {verdict.status} "
                    f"by {task.grader} ({verdict.reason}); completion: {text[:300]!r}")

    def task_hostile(self, name: str) -> None:
        problem = self.problems(name)[0][1][0]
        cases = [c for c in hostile_completions() if "any" in c.targets]
        _hostile(f"task {name}", self.graded([problem], [(problem, c.text) for c in cases]), cases)

    # --- grader checks ----------------------------------------------------------------
    def grader_contract(self, name: str) -> None:
        grader = graders.get(name)  # the registry checks base class, name and plugin API
        budget = grader.time_budget_seconds
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 <= budget < math.inf:
            raise ConformanceError(f"grader {name}: time_budget_seconds {budget!r} is not a non-negative number")
        limit = grader.max_completion_chars
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ConformanceError(f"grader {name}: max_completion_chars {limit!r} is not a positive integer")
        grader.preflight()  # e.g. the code grader's sandbox can isolate code on this machine

    def grader_hostile(self, name: str) -> None:
        """The cases aimed at this grader by name (the tasks' checks run those aimed at
        any grader), and completions that are not text at all, as the Python API allows."""
        cases = [c for c in hostile_completions(name) if name in c.targets]
        problem = self.grader_problems(name)[0]
        graded = self.graded([problem], [(problem, c.text) for c in cases], grader=name)
        # Only a caller's own code can pass these (files and the Python API refuse them),
        # straight to `grade`, whose guard is proctor's: graded here, in this process.
        grader = graders.get(name)
        for value in NOT_TEXT:
            cases.append(HostileCompletion(f"not text: {type(value).__name__}", value, frozenset({"any"})))
            graded.append((problem, value, grader.grade(problem, value)))
        _hostile(f"grader {name}", graded, cases)

    def grader_verdicts(self, name: str) -> None:
        problems = self.grader_problems(name)
        jobs = []
        for problem in problems:
            task = tasks.get(problem.task)
            jobs += [(problem, task.reference_completion(problem))]
            jobs += [(problem, text) for text in task.perturbed_completions(problem)]
            jobs += [(problem, text) for text in ("", "I do not know.", "42", "```python\nprint(1)\n```", "{}")]
        for problem, text, verdict in self.graded(problems, jobs, grader=name):
            _valid(verdict, f"grader {name}, problem {problem.id}, completion {text[:60]!r}")
            if verdict.status not in SCORED:
                raise ConformanceError(f"grader {name}: completion {text[:60]!r} for problem {problem.id} is "
                                       f"{verdict.status} ({verdict.reason}); only a fault of the grader "
                                       f"or the machine may be")


def _same(name: str, params: dict, first: list[Problem], second: list[Problem], how: str) -> None:
    for a, b in zip(first, second):
        if a.to_json() != b.to_json():
            raise ConformanceError(f"task {name} with {_describe(params)}: problem {a.id} differs from "
                                   f"{b.id} made by {how}")
    if len(first) != len(second):
        raise ConformanceError(f"task {name} with {_describe(params)}: {how} made {len(second)} problems, "
                               f"not {len(first)}")


def _distinct(name: str, params: dict, batch: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for problem in batch:
        if problem.prompt in seen:
            raise ConformanceError(f"task {name} with {_describe(params)}: problems {seen[problem.prompt]} and "
                                   f"{problem.id} have the same prompt")
        seen[problem.prompt] = problem.id
    if len({p.id for p in batch}) != len(batch):
        raise ConformanceError(f"task {name} with {_describe(params)}: two problems share an id")


def _hostile(subject: str, graded: list[tuple[Problem, str, Verdict]], cases) -> None:
    """Every case is checked, and every failure named: one run shows the whole damage."""
    failures = []
    for (problem, _, verdict), case in zip(graded, cases):
        _valid(verdict, f"{subject}: hostile completion {case.name!r} (problem {problem.id})")
        if verdict.status not in ("incorrect", "unparsable"):
            failures.append(f"{case.name!r} is {verdict.status} ({verdict.reason[:200]})")
        elif verdict.elapsed_ms > TIME_BOUND_SECONDS * 1000:
            failures.append(f"{case.name!r} took {verdict.elapsed_ms / 1000:.1f} s")
    if failures:
        raise ConformanceError(
            f"{subject}: {len(failures)} of {len(cases)} hostile completions (on problem {graded[0][0].id}) "
            f"did not get an incorrect or unparsable verdict within {TIME_BOUND_SECONDS:g} s: " + "; ".join(failures))


def _valid(verdict: Verdict, where: str) -> None:
    """Every field as the store, the report and the gate read it."""
    problems = []
    if verdict.status not in STATUSES:
        problems.append(f"status {verdict.status!r} is not one of {', '.join(STATUSES)}")
    if not isinstance(verdict.score, (int, float)) or isinstance(verdict.score, bool) \
            or not 0.0 <= verdict.score <= 1.0:
        problems.append(f"score {verdict.score!r} is not a number in [0, 1]")
    elif (verdict.status == "correct") != (verdict.score == 1.0):
        problems.append(f"score {verdict.score} with status {verdict.status}: 1 is for correct, and only for it")
    elif verdict.status not in ("correct", "incorrect") and verdict.score != 0.0:
        problems.append(f"score {verdict.score} with status {verdict.status}: partial credit is for incorrect only")
    if not isinstance(verdict.reason, str) or not verdict.reason.strip():
        problems.append("reason is empty: say why, in words")
    if not isinstance(verdict.details, dict):
        problems.append(f"details is a {type(verdict.details).__name__}, not a dict")
    if not (isinstance(verdict.elapsed_ms, (int, float)) and math.isfinite(verdict.elapsed_ms)
            and verdict.elapsed_ms >= 0):
        problems.append(f"elapsed_ms {verdict.elapsed_ms!r} is not a non-negative number")
    if not problems:
        try:
            stored = json.loads(canonical_json(verdict.to_dict()))
        except (TypeError, ValueError) as exc:
            problems.append(f"extracted or details is not JSON (the store keeps verdicts as JSON): {exc}")
        else:
            if Verdict.from_dict(stored) != verdict:
                problems.append("extracted or details changes through JSON (tuples, non-string keys?)")
    if problems:
        raise ConformanceError(f"{where}: invalid verdict: " + "; ".join(problems))
