"""The main job: suite -> problems -> model completions -> verdicts, all in the store.

Every completion is committed as soon as a small batch is ready, so a run
killed at any moment resumes without asking the model again for anything it
already answered, then grades only what has no verdict.
"""
from __future__ import annotations

import hashlib
import sys
import time
from typing import Iterator

from proctor import tasks
from proctor.graders.problem import Problem
from proctor.errors import BadInput, InfrastructureError
from proctor.grading import check_graders, grade_pending, package_versions, progress_bar
from proctor.models.base import Model, Request, as_completion
from proctor.defaults import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from proctor.store import RunStore
from proctor.suite import Family, Suite

COMMIT_EVERY_SECONDS = 0.25  # a kill loses at most this much of the model's work


def suite_problems(suite: Suite) -> Iterator[tuple[Family, Problem]]:
    for family in suite.families:
        for problem in tasks.get(family.task).iter_generate(family.n, family.seed, **family.params):
            yield family, problem


def sample_seed(problem_id: str, sample: int) -> int:
    """A per-(problem, sample) seed: sampling at temperature > 0 is reproducible, and samples differ."""
    return int.from_bytes(hashlib.sha256(f"{problem_id}|{sample}".encode()).digest()[:4], "big") >> 1


def prepare_run(store: RunStore, run: str, suite: Suite, model: Model, step: int | None = None) -> dict:
    """Creates the run or checks that a resumed run holds exactly this suite's problems."""
    config = dict(suite.to_config(), model=model.describe())
    if step is not None:
        config["step"] = step
    total = sum(f.n for f in suite.families)
    bar = progress_bar(total, "generating problems")
    with store.transaction():
        info = store.run(run)
        if info is None:
            store.create_run(run, model.spec, config, package_versions())
        elif info.model != model.spec:
            raise BadInput(f"run {run!r} was made with model {info.model!r}, not {model.spec!r}; "
                           f"use another --run name")
        ordinal = 0
        seen_ids = set()
        for family, problem in suite_problems(suite):
            ordinal += 1
            if problem.id in seen_ids:
                raise BadInput(f"two families of suite {suite.name} generate problem {problem.id!r}", suite.path)
            seen_ids.add(problem.id)
            try:
                store.add_problem(run, ordinal, problem, family=family.name if family.name != problem.task else None)
            except ValueError:
                raise BadInput(f"run {run!r} holds other problems than suite {suite.path} generates "
                               f"(first difference: {problem.id}); use another --run name") from None
            if bar:
                bar.advance(bar.task_ids[0])
        if store.count("problems", run) != len(seen_ids):
            raise BadInput(f"run {run!r} holds problems that suite {suite.path} does not generate; "
                           f"use another --run name")
        store.set_problem_set_hash(run)
    if bar:
        bar.stop()
    return config


def missing_requests(store: RunStore, run: str, suite: Suite) -> list[Request]:
    have = store.completion_keys(run)
    requests = []
    by_name = {f.name: f for f in suite.families}
    family_of = store.problem_families(run)
    for problem in store.problems(run):
        family = by_name[family_of[problem.id]]
        for sample in range(family.k):
            if (problem.id, sample) not in have:
                requests.append(Request((problem.id, sample), problem.prompt, family.decoding,
                                        sample_seed(problem.id, sample)))
    return requests


def collect_completions(store: RunStore, run: str, suite: Suite, model: Model) -> int:
    requests = missing_requests(store, run, suite)
    if not requests:
        return 0
    grader_of = {f.task: tasks.get(f.task).grader for f in suite.families}
    task_of = store.problem_tasks(run)
    ordinal = store.count("completions", run)
    bar = progress_bar(len(requests), f"asking {model.spec}")
    batch: list[tuple] = []
    last = time.monotonic()

    def flush():
        nonlocal batch, last
        with store.transaction():
            for row in batch:
                store.add_completion(run, *row)
        batch, last = [], time.monotonic()

    try:
        for (pid, sample), answer in model.generate(requests):
            ordinal += 1
            completion = as_completion(answer)
            batch.append((ordinal, pid, sample, grader_of[task_of[pid]], completion.text, completion.usage))
            if bar:
                bar.advance(bar.task_ids[0])
            if time.monotonic() - last > COMMIT_EVERY_SECONDS:
                flush()
    except InfrastructureError as exc:  # the model failed (crashed, server down): keep what it answered
        if batch:
            flush()
        raise InfrastructureError(f"{exc}; {store.count('completions', run)} completions of run {run!r} are stored "
                                  f"in {store.path}: run the same command again to resume") from None
    finally:
        if batch:
            flush()
        if bar:
            bar.stop()
    return len(requests)


def run_suite(store: RunStore, run: str, suite: Suite, model: Model, *, workers: int | None = None,
              timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB, step: int | None = None,
              executor: str = "local", ray_address: str | None = None) -> dict:
    started = time.monotonic()
    # A grader that cannot load, or cannot isolate code here, fails before the model spends time.
    check_graders({tasks.get(f.task).grader for f in suite.families})
    prepare_run(store, run, suite, model, step)
    asked = collect_completions(store, run, suite, model)
    generated_at = time.monotonic()
    graded = grade_pending(store, run, workers=workers, timeout=timeout, memory_mb=memory_mb, progress="grading",
                           executor=executor, ray_address=ray_address)
    timing = {"asked": asked, "graded": graded, "generation_seconds": round(generated_at - started, 1),
              "grading_seconds": round(time.monotonic() - generated_at, 1)}
    print(f"run {run}: asked the model {asked} times in {timing['generation_seconds']} s, "
          f"graded {graded} in {timing['grading_seconds']} s", file=sys.stderr)
    return timing
