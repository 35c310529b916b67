"""Grading with the store: ingest problems and completions, grade what is missing.

The ingest is one transaction, so a run killed while reading its input leaves
nothing half-stored; grading then commits verdicts in small batches, so a run
killed while grading resumes exactly where it stopped.
"""
from __future__ import annotations

import importlib.metadata
import platform
import sys
import time
from typing import Iterable

from proctor import graders
from proctor import tasks
from proctor.graders.problem import Verdict
from proctor.errors import BadInput, InfrastructureError, ProctorError
from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.executors import check_executor_options, open_executor
from proctor.pool import Job
from proctor.store import RunStore
from proctor.registry import RegistryError

FLUSH_EVERY_ITEMS = 500
FLUSH_EVERY_SECONDS = 0.5


def new_run_name(prefix: str = "run") -> str:
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 1_000_000:06d}"


def package_versions() -> dict:
    versions = {"python": platform.python_version()}
    for dist in ("proctor", "sympy", "latex2sympy2_extended", "jsonschema", "jsonschema-rs"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def check_graders(names) -> None:
    """Every grader loads and passes its `preflight` before anything is graded.

    A sandboxed grader without a working sandbox is refused up front (exit 3,
    with the reason), never silently run without isolation.
    """
    from proctor.sandbox.base import SandboxUnavailable

    for name in sorted(names):
        try:
            grader = graders.get(name)
        except RegistryError as exc:
            raise BadInput(str(exc)) from None
        try:
            grader.preflight()
        except SandboxUnavailable as exc:
            raise InfrastructureError(
                f"grader {name} runs model code, and the sandbox cannot isolate it here: {exc}. "
                f"Fix that, or choose the unsafe backend explicitly with PROCTOR_SANDBOX=process") from None
        except ProctorError:  # already one line with its own exit code (a missing pip extra: 2)
            raise
        except Exception as exc:  # a plug-in's own preflight: the machine lacks what it needs
            raise InfrastructureError(f"grader {name} cannot work here: {type(exc).__name__}: {exc}") from None


class GraderResolver:
    """Which grader grades a problem: the override, else its task's grader."""

    def __init__(self, override: str | None):
        self.override = override
        self._by_task: dict[str, str] = {}
        self.versions: dict[str, str] = {}
        if override is not None:
            self._check_grader(override)

    def _check_grader(self, name: str) -> None:
        if name in self.versions:
            return
        try:
            self.versions[name] = str(graders.get(name).version)
        except RegistryError as exc:
            raise BadInput(str(exc)) from None

    def grader_for(self, task: str, file: str, line: int) -> str:
        if self.override is not None:
            return self.override
        if task not in self._by_task:
            try:
                self._by_task[task] = tasks.get(task).grader
            except RegistryError as exc:
                raise BadInput(f"field 'task': {exc} (or pass --grader NAME)", file, line) from None
            self._check_grader(self._by_task[task])
        return self._by_task[task]


def ingest(store: RunStore, run: str, problems: Iterable[tuple],
           completions: Iterable[tuple], *, model: str | None = None,
           grader: str | None = None, config: dict | None = None,
           problems_file: str = "problems", completions_file: str = "completions") -> dict:
    """Stores a run's input in one transaction. Returns counts of what was new.

    `problems` are (line, Problem) or (line, Problem, family name); `completions`
    are (line, id, sample, text) or (line, id, sample, text, CompletionUsage).
    """
    resolver = GraderResolver(grader)
    new_problems = new_completions = 0
    with store.transaction():
        info = store.run(run)
        if info is None:
            store.create_run(run, model, dict(config or {}, grader_override=grader), package_versions())
        elif info.config.get("grader_override") != grader:
            raise BadInput(f"run {run!r} was graded with grader override {info.config.get('grader_override')!r}, "
                           f"not {grader!r}; use another --run name")
        offset = store.count("problems", run)
        task_of: dict[str, str] = {}
        for lineno, problem, *family in problems:
            try:
                if store.add_problem(run, offset + lineno, problem, *family):
                    new_problems += 1
            except ValueError as exc:
                raise BadInput(f"field 'id': {exc}", problems_file, lineno) from None
            task_of[problem.id] = problem.task
            resolver.grader_for(problem.task, problems_file, lineno)
        offset = store.count("completions", run)
        for lineno, pid, sample, text, *usage in completions:
            task = task_of.get(pid)
            if task is None:
                row = store.problem_row(run, pid)
                if row is None:
                    raise BadInput(f"field 'id': no problem with id {pid!r} in {problems_file}",
                                   completions_file, lineno)
                task = task_of[pid] = row[0]
            try:
                if store.add_completion(run, offset + lineno, pid, sample,
                                        resolver.grader_for(task, completions_file, lineno), text,
                                        usage[0] if usage else None):
                    new_completions += 1
            except ValueError as exc:
                raise BadInput(f"field 'completion': {exc}", completions_file, lineno) from None
        check_graders(resolver.versions)
        stored = store.run(run)
        if new_problems or stored.problem_set_hash is None:
            store.set_problem_set_hash(run)
        versions = dict(stored.versions)
        versions.setdefault("graders", {}).update(resolver.versions)
        store.set_versions(run, versions)
    return {"problems": new_problems, "completions": new_completions}


def check_grading_options(timeout: float, workers: int | None = None, executor: str = "local",
                          ray_address: str | None = None) -> None:
    """The grading options a command takes from its user (--timeout, --workers, --executor,
    --ray-address), as one-line bad input."""
    if timeout <= 0:
        raise BadInput(f"--timeout must be a positive number of seconds, got {timeout:g}")
    if workers is not None and workers < 0:
        raise BadInput(f"--workers must be 0 (grade in-process) or more, got {workers}")
    check_executor_options(executor, workers, ray_address)


def grade_pending(store: RunStore, run: str, *, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                  memory_mb: int = DEFAULT_MEMORY_MB, progress: str | None = None, executor: str = "local",
                  ray_address: str | None = None) -> int:
    """Grades every stored completion of `run` that has no verdict yet; returns how many.

    With `progress`, a progress bar so described shows on a terminal. `executor`:
    "local" (the pool) or "ray" (proctor.executors); only this process writes the store.
    """
    bar = None
    if progress is not None:
        bar = progress_bar(store.count("completions", run) - store.count("verdicts", run), progress)
    jobs = (Job(key, grader, problem, completion, finish_reason)
            for key, grader, problem, completion, finish_reason in store.pending(run))
    batch: list[tuple[str, int, Verdict]] = []
    last_flush = time.monotonic()
    done = 0
    try:
        with open_executor(executor, workers=workers, timeout=timeout, memory_mb=memory_mb,
                           ray_address=ray_address) as pool:
            for (pid, sample), verdict in pool.grade(jobs):
                batch.append((pid, sample, verdict))
                done += 1
                if bar:
                    bar.advance(bar.task_ids[0])
                if len(batch) >= FLUSH_EVERY_ITEMS or time.monotonic() - last_flush > FLUSH_EVERY_SECONDS:
                    store.add_verdicts(run, batch)
                    batch, last_flush = [], time.monotonic()
            if batch:
                store.add_verdicts(run, batch)
    finally:
        if bar:
            bar.stop()
    return done


def progress_bar(total: int, description: str):
    """A rich progress bar on a terminal; nothing when stderr is not a TTY."""
    if not sys.stderr.isatty() or total == 0:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), transient=True)
    progress.start()
    progress.add_task(description, total=total)
    return progress


