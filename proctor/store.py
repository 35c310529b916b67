"""The run store: SQLite in WAL mode holding runs, problems, completions and verdicts.

Every verdict is committed in small batches keyed by (run, id, sample), so a
process killed at any moment loses at most the batch in flight, and grading
again fills in exactly what is missing: one verdict per (id, sample), never two.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from proctor.graders.problem import Problem, Verdict, canonical_json
from proctor.errors import BadInput, store_failure

DEFAULT_DB = "proctor.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    model TEXT,
    config TEXT NOT NULL,          -- JSON: suite/command options, seeds, grader override
    versions TEXT NOT NULL,        -- JSON: package, grader and task versions
    problem_set_hash TEXT
);
CREATE TABLE IF NOT EXISTS problems (
    run TEXT NOT NULL REFERENCES runs(name) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    id TEXT NOT NULL,
    task TEXT NOT NULL,
    prompt TEXT NOT NULL,
    reference TEXT NOT NULL,       -- JSON
    metadata TEXT NOT NULL,        -- JSON
    PRIMARY KEY (run, id)
);
CREATE TABLE IF NOT EXISTS completions (
    run TEXT NOT NULL,
    ord INTEGER NOT NULL,
    id TEXT NOT NULL,
    sample INTEGER NOT NULL,
    grader TEXT NOT NULL,
    completion TEXT NOT NULL,
    PRIMARY KEY (run, id, sample),
    FOREIGN KEY (run, id) REFERENCES problems(run, id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS verdicts (
    run TEXT NOT NULL,
    id TEXT NOT NULL,
    sample INTEGER NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    extracted TEXT,                -- JSON
    reason TEXT NOT NULL,
    details TEXT NOT NULL,         -- JSON
    elapsed_ms REAL NOT NULL,
    PRIMARY KEY (run, id, sample),
    FOREIGN KEY (run, id, sample) REFERENCES completions(run, id, sample) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS baselines (
    suite TEXT PRIMARY KEY,
    run TEXT NOT NULL,
    promoted TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class RunInfo:
    name: str
    created: str
    model: str | None
    config: dict
    versions: dict
    problem_set_hash: str | None


@dataclass(frozen=True)
class StoredVerdict:
    """A verdict with what identifies it: one line of `proctor export` and `-o`."""
    id: str
    sample: int
    task: str
    grader: str
    verdict: Verdict
    completion: str | None = None

    def to_dict(self, with_completion: bool = False) -> dict:
        data = {"id": self.id, "sample": self.sample, "task": self.task, "grader": self.grader}
        data.update(self.verdict.to_dict())
        if with_completion:
            data["completion"] = self.completion
        return data


_RUN_COLUMNS = "name, created, model, config, versions, problem_set_hash"


def _run_info(row: tuple) -> RunInfo:
    return RunInfo(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]), row[5])


def default_db_path() -> str:
    return os.environ.get("PROCTOR_DB") or DEFAULT_DB


class RunStore:
    def __init__(self, path: str | Path | None = None):
        self.path = str(path or default_db_path())
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable against a killed process in WAL mode; only a
            # power cut can lose the last transactions.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise store_failure(exc, self.path) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- runs ------------------------------------------------------------------
    def run(self, name: str) -> RunInfo | None:
        row = self.db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE name = ?", (name,)).fetchone()
        return None if row is None else _run_info(row)

    def require_run(self, name: str) -> RunInfo:
        info = self.run(name)
        if info is None:
            raise BadInput(f"no run named {name!r} in {self.path}; recent runs: {self.recent_runs()}")
        return info

    def recent_runs(self, count: int = 10) -> str:
        """The names of the last `count` runs, for a message about a run that is not there."""
        return ", ".join(r.name for r in self.runs()[-count:]) or "none"

    def runs(self) -> list[RunInfo]:
        return [_run_info(row) for row in self.db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY created, name")]

    def create_run(self, name: str, model: str | None, config: dict, versions: dict) -> None:
        self.db.execute(
            "INSERT INTO runs (name, created, model, config, versions) VALUES (?, ?, ?, ?, ?)",
            (name, time.strftime("%Y-%m-%dT%H:%M:%S%z"), model, canonical_json(config), canonical_json(versions)),
        )

    def set_problem_set_hash(self, run: str) -> str:
        """A digest of the run's problems (ids and references), independent of file order."""
        digest = hashlib.sha256()
        for row in self.db.execute(
            "SELECT id, task, prompt, reference FROM problems WHERE run = ? ORDER BY id", (run,)
        ):
            digest.update(canonical_json(list(row)).encode())
            digest.update(b"\n")
        value = digest.hexdigest()
        self.db.execute("UPDATE runs SET problem_set_hash = ? WHERE name = ?", (value, run))
        return value

    # --- problems and completions ------------------------------------------------
    def problem_row(self, run: str, problem_id: str) -> tuple | None:
        return self.db.execute(
            "SELECT task, prompt, reference, metadata FROM problems WHERE run = ? AND id = ?", (run, problem_id)
        ).fetchone()

    def add_problem(self, run: str, ordinal: int, problem: Problem) -> bool:
        """Stores a problem; False when the run already holds it unchanged. Raises ValueError on a conflict."""
        row = (problem.task, problem.prompt, canonical_json(problem.reference), canonical_json(problem.metadata))
        try:  # insert first: a fresh run never pays for a look-up
            self.db.execute("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?)", (run, ordinal, problem.id, *row))
            return True
        except sqlite3.IntegrityError:
            pass
        if tuple(self.problem_row(run, problem.id)[:3]) != row[:3]:
            raise ValueError(f"run already holds a different problem with id {problem.id!r}")
        return False

    def add_completion(self, run: str, ordinal: int, problem_id: str, sample: int, grader: str,
                       completion: str) -> bool:
        try:
            self.db.execute("INSERT INTO completions VALUES (?, ?, ?, ?, ?, ?)",
                            (run, ordinal, problem_id, sample, grader, completion))
            return True
        except sqlite3.IntegrityError:
            pass
        existing = self.db.execute(
            "SELECT completion FROM completions WHERE run = ? AND id = ? AND sample = ?", (run, problem_id, sample)
        ).fetchone()
        if existing is None:  # the foreign key failed: no such problem in this run
            raise ValueError(f"no problem with id {problem_id!r} in this run")
        if existing[0] != completion:
            raise ValueError(f"run already holds a different completion for id {problem_id!r} sample {sample}")
        return False

    def count(self, table: str, run: str) -> int:
        assert table in ("problems", "completions", "verdicts")
        return self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE run = ?", (run,)).fetchone()[0]

    def pending(self, run: str) -> Iterator[tuple[tuple[str, int], str, Problem, str]]:
        """((id, sample), grader, problem, completion) for every completion without a verdict.

        Reads through its own connection so verdicts can be written meanwhile.
        """
        reader = sqlite3.connect(self.path, timeout=30)
        try:
            cursor = reader.execute(
                """SELECT c.id, c.sample, c.grader, c.completion, p.task, p.prompt, p.reference, p.metadata
                   FROM completions c JOIN problems p ON p.run = c.run AND p.id = c.id
                   LEFT JOIN verdicts v ON v.run = c.run AND v.id = c.id AND v.sample = c.sample
                   WHERE c.run = ? AND v.id IS NULL ORDER BY c.ord""",
                (run,),
            )
            for pid, sample, grader, completion, task, prompt, reference, metadata in cursor:
                problem = Problem(pid, task, prompt, json.loads(reference), json.loads(metadata))
                yield (pid, sample), grader, problem, completion
        finally:
            reader.close()

    # --- verdicts ------------------------------------------------------------------
    def add_verdicts(self, run: str, items: Iterable[tuple[str, int, Verdict]]) -> None:
        rows = [(run, pid, sample, v.status, v.score, json.dumps(v.extracted, ensure_ascii=False), v.reason,
                 json.dumps(v.details, ensure_ascii=False, default=str), v.elapsed_ms) for pid, sample, v in items]
        with self.transaction():
            # OR IGNORE: a verdict already stored wins; a resumed run never duplicates one.
            self.db.executemany("INSERT OR IGNORE INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def verdicts(self, run: str, with_completion: bool = False) -> Iterator[StoredVerdict]:
        reader = sqlite3.connect(self.path, timeout=30)
        try:
            cursor = reader.execute(
                """SELECT v.id, v.sample, p.task, c.grader, v.status, v.score, v.extracted, v.reason, v.details,
                          v.elapsed_ms, c.completion
                   FROM verdicts v JOIN completions c ON c.run = v.run AND c.id = v.id AND c.sample = v.sample
                   JOIN problems p ON p.run = v.run AND p.id = v.id
                   WHERE v.run = ? ORDER BY c.ord""",
                (run,),
            )
            for pid, sample, task, grader, status, score, extracted, reason, details, elapsed, completion in cursor:
                verdict = Verdict(status, score, json.loads(extracted) if extracted else None, reason,
                                  json.loads(details), elapsed)
                yield StoredVerdict(pid, sample, task, grader, verdict, completion if with_completion else None)
        finally:
            reader.close()

    def problems(self, run: str) -> Iterator[Problem]:
        reader = sqlite3.connect(self.path, timeout=30)
        try:
            for pid, task, prompt, reference, metadata in reader.execute(
                "SELECT id, task, prompt, reference, metadata FROM problems WHERE run = ? ORDER BY ord", (run,)
            ):
                yield Problem(pid, task, prompt, json.loads(reference), json.loads(metadata))
        finally:
            reader.close()

    # --- baselines ---------------------------------------------------------------------
    def promote_baseline(self, suite: str, run: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO baselines VALUES (?, ?, ?)",
                        (suite, run, time.strftime("%Y-%m-%dT%H:%M:%S%z")))

    def baselines(self) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT suite, run, promoted FROM baselines ORDER BY suite").fetchall()
