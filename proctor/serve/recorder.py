"""A served run in the store (`proctor serve --run NAME`), crash-safe as `proctor grade` is.

One thread owns the SQLite connection. A request's problems and completions are
stored in one transaction before its items are queued; its verdicts are
committed before its answer is sent, so any verdict a trainer has seen is in
the store. Verdicts of concurrent requests share one commit (group commit).

A server killed at any moment leaves completions without verdicts at worst;
started again with the same --run, it grades those first (server.py), exactly
as `proctor grade --run NAME` resumes. A completion sent again with its sample
number is not graded twice: the stored verdict is the answer.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Callable

from proctor.graders import get as get_grader
from proctor.graders.problem import Verdict
from proctor.grading import package_versions
from proctor.serve.items import Item, RequestError
from proctor.store import RunStore

_STOP = object()
MAX_GROUP = 256  # requests whose verdicts share one commit


class Recorder:
    def __init__(self, db: str | None, run: str, config: dict):
        self.run = run
        self._config = config
        self._tasks: queue.Queue = queue.Queue()
        self._opened: Future = Future()
        self._thread = threading.Thread(target=self._loop, args=(db,), name="proctor-recorder", daemon=True)
        self._thread.start()
        self.path = self._opened.result()  # raises what opening the store raised

    # --- called from request handlers (any thread) -----------------------------------------
    def ingest(self, items: list[Item]) -> Future:
        """Future of [(sample, stored verdict or None)] per item; RequestError on a conflict with the run."""
        return self._submit("ingest", items)

    def commit(self, rows: list[tuple[str, int, Verdict]]) -> Future:
        """Future that is done once these verdicts are committed."""
        return self._submit("commit", rows)

    def close(self) -> None:
        self._tasks.put(_STOP)
        self._thread.join(timeout=60)

    def _submit(self, kind: str, payload) -> Future:
        future: Future = Future()
        self._tasks.put((kind, payload, future))
        return future

    # --- the store's thread -----------------------------------------------------------------
    def _loop(self, db: str | None) -> None:
        try:
            store = RunStore(db)
            with store.transaction():
                if store.run(self.run) is None:
                    store.create_run(self.run, None, dict(self._config, grader_override=None), package_versions())
            self._problems = store.count("problems", self.run)
            self._completions = store.count("completions", self.run)
            self._graders = dict(store.run(self.run).versions.get("graders", {}))
        except BaseException as exc:
            self._opened.set_exception(exc)
            return
        self._opened.set_result(store.path)
        with store:
            while True:
                task = self._tasks.get()
                group = [task]
                while task is not _STOP and len(group) < MAX_GROUP:
                    try:
                        task = self._tasks.get_nowait()
                    except queue.Empty:
                        break
                    group.append(task)
                stop = group[-1] is _STOP
                self._handle(store, [t for t in group if t is not _STOP])
                if stop:
                    store.set_problem_set_hash(self.run)
                    return

    def _handle(self, store: RunStore, group: list) -> None:
        commits = []
        for kind, payload, future in group:
            if kind == "ingest":
                _settle(future, lambda: self._ingest(store, payload))
            else:
                commits.append((payload, future))
        if commits:
            rows = [row for payload, _ in commits for row in payload]
            try:
                store.add_verdicts(self.run, rows)
            except BaseException as exc:
                for _, future in commits:
                    future.set_exception(exc)
                return
            for _, future in commits:
                future.set_result(None)

    def _ingest(self, store: RunStore, items: list[Item]) -> list[tuple[int, Verdict | None]]:
        out = []
        problems, completions, graders = self._problems, self._completions, dict(self._graders)
        with store.transaction():
            for i, item in enumerate(items):
                problem = item.problem
                try:
                    if store.add_problem(self.run, problems + 1, problem):
                        problems += 1
                except ValueError as exc:
                    raise RequestError(422, f"items[{i}].problem", f"{exc} (run {self.run!r})") from None
                sample = item.sample if item.sample is not None else store.next_sample(self.run, problem.id)
                try:
                    new = store.add_completion(self.run, completions + 1, problem.id, sample, item.grader,
                                               item.completion)
                except ValueError as exc:
                    raise RequestError(422, f"items[{i}].completion", f"{exc} (run {self.run!r}); send another "
                                                                      f"sample number") from None
                completions += new
                out.append((sample, None if new else store.verdict(self.run, problem.id, sample)))
                if item.grader not in graders:
                    graders[item.grader] = str(getattr(get_grader(item.grader), "version", "?"))
                    store.set_versions(self.run, dict(store.run(self.run).versions, graders=dict(graders)))
        self._problems, self._completions, self._graders = problems, completions, graders
        return out


def _settle(future: Future, work: Callable) -> None:
    try:
        future.set_result(work())
    except BaseException as exc:
        future.set_exception(exc)
