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

from proctor.graders.problem import Problem, Verdict, canonical_json, is_utf8, json_text
from proctor.errors import BadInput, store_failure

DEFAULT_DB = "proctor.db"

# Schema versions, applied in order by `PRAGMA user_version` (0 = empty file).
# A store written by one version of proctor opens in every later one: add a
# migration here, never edit a shipped one (tests/test_store_schema.py opens a
# store of every earlier version).
MIGRATIONS: list[str] = [
    # 1: runs, problems, completions, verdicts, baselines
    """
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
""",
    # 2: a problem's suite family (one task may be gated twice, e.g. at two difficulties),
    # and what each completion cost and how it ended (truncation explains many score drops).
    """
ALTER TABLE problems ADD COLUMN family TEXT;          -- NULL: the task is the family
ALTER TABLE completions ADD COLUMN finish_reason TEXT; -- 'stop', 'length', ... as the backend says; NULL unknown
ALTER TABLE completions ADD COLUMN prompt_tokens INTEGER;
ALTER TABLE completions ADD COLUMN completion_tokens INTEGER;
ALTER TABLE completions ADD COLUMN latency_ms REAL;
""",
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class RunInfo:
    name: str
    created: str
    model: str | None
    config: dict
    versions: dict
    problem_set_hash: str | None


@dataclass(frozen=True)
class CompletionUsage:
    """What a completion cost and how it ended, where the model backend says (None: not known)."""
    finish_reason: str | None = None      # 'stop', 'length' (cut by max_tokens), ...
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None

    def to_dict(self) -> dict:
        """The known fields only, as a completions or verdicts JSONL line carries them."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class StoredVerdict:
    """A verdict with what identifies it: one line of `proctor export` and `-o`."""
    id: str
    sample: int
    task: str
    grader: str
    verdict: Verdict
    completion: str | None = None
    family: str | None = None          # the suite family; None: the task is the family
    usage: CompletionUsage | None = None

    @property
    def family_name(self) -> str:
        """What reports and the gate group by: the suite family's name, else the task."""
        return self.family or self.task

    def to_dict(self, with_completion: bool = False) -> dict:
        data = {"id": self.id, "sample": self.sample, "task": self.task, "family": self.family_name,
                "grader": self.grader}
        data.update(self.verdict.to_dict())
        if self.usage is not None:
            data.update(self.usage.to_dict())
        if with_completion:
            data["completion"] = self.completion
        return data


_RUN_COLUMNS = "name, created, model, config, versions, problem_set_hash"


def _run_info(row: tuple) -> RunInfo:
    return RunInfo(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]), row[5])


def _statements(script: str) -> list[str]:
    """The statements of a migration, one by one: executescript() would commit our transaction."""
    code = "\n".join(line.split("--")[0] for line in script.splitlines())  # the schema has no '--' in strings
    return [part.strip() for part in code.split(";") if part.strip()]


def storable_text(text: str) -> str | bytes:
    """Text as SQLite can keep it, losslessly. Model output may hold lone surrogates (a
    decoder's surrogateescape, a `\\udcff` escape in JSON) that UTF-8 cannot encode: such text
    is kept as a BLOB of its surrogatepass bytes instead of refusing the line."""
    return text if is_utf8(text) else text.encode("utf-8", "surrogatepass")


def stored_text(value: str | bytes | None) -> str | None:
    """The inverse of `storable_text`."""
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


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
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise store_failure(exc, self.path) from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise BadInput(f"{self.path}: the run store has schema version {version}, written by a newer proctor; "
                           f"this one reads versions up to {SCHEMA_VERSION}: upgrade proctor")
        if version == 0 and self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone():
            version = 1  # stores from before versioning hold exactly schema 1
        for number in range(version + 1, SCHEMA_VERSION + 1):
            # One transaction per step: a kill mid-migration leaves the previous version whole.
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[number - 1]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

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

    def set_versions(self, run: str, versions: dict) -> None:
        self.db.execute("UPDATE runs SET versions = ? WHERE name = ?", (canonical_json(versions), run))

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
            "SELECT task, prompt, reference, metadata, family FROM problems WHERE run = ? AND id = ?", (run, problem_id)
        ).fetchone()

    def add_problem(self, run: str, ordinal: int, problem: Problem, family: str | None = None) -> bool:
        """Stores a problem; False when the run already holds it unchanged. Raises ValueError on a conflict.

        `family` is the suite family's name when it differs from the task's."""
        family = None if family == problem.task else family
        row = (problem.task, problem.prompt, canonical_json(problem.reference), canonical_json(problem.metadata))
        try:  # insert first: a fresh run never pays for a look-up
            self.db.execute("INSERT INTO problems (run, ord, id, task, prompt, reference, metadata, family) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (run, ordinal, problem.id, *row, family))
            return True
        except sqlite3.IntegrityError:
            pass
        stored = self.problem_row(run, problem.id)
        if tuple(stored[:3]) != row[:3]:
            raise ValueError(f"run already holds a different problem with id {problem.id!r}")
        if stored[4] != family:
            raise ValueError(f"run already holds problem {problem.id!r} in family {stored[4] or stored[0]!r}, "
                             f"not {family or problem.task!r}")
        return False

    def add_completion(self, run: str, ordinal: int, problem_id: str, sample: int, grader: str,
                       completion: str, usage: "CompletionUsage | None" = None) -> bool:
        u = usage or CompletionUsage()
        try:
            self.db.execute("INSERT INTO completions (run, ord, id, sample, grader, completion, finish_reason, "
                            "prompt_tokens, completion_tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (run, ordinal, problem_id, sample, grader, storable_text(completion), u.finish_reason,
                             u.prompt_tokens, u.completion_tokens, u.latency_ms))
            return True
        except sqlite3.IntegrityError:
            pass
        existing = self.db.execute(
            "SELECT completion FROM completions WHERE run = ? AND id = ? AND sample = ?", (run, problem_id, sample)
        ).fetchone()
        if existing is None:  # the foreign key failed: no such problem in this run
            raise ValueError(f"no problem with id {problem_id!r} in this run")
        if stored_text(existing[0]) != completion:
            raise ValueError(f"run already holds a different completion for id {problem_id!r} sample {sample}")
        return False

    def next_sample(self, run: str, problem_id: str) -> int:
        """The first sample number above every stored one of this problem (0 for none)."""
        return self.db.execute("SELECT COALESCE(MAX(sample) + 1, 0) FROM completions WHERE run = ? AND id = ?",
                               (run, problem_id)).fetchone()[0]

    def verdict(self, run: str, problem_id: str, sample: int) -> Verdict | None:
        """The stored verdict of one (id, sample), if there is one."""
        row = self.db.execute("SELECT status, score, extracted, reason, details, elapsed_ms FROM verdicts "
                              "WHERE run = ? AND id = ? AND sample = ?", (run, problem_id, sample)).fetchone()
        if row is None:
            return None
        status, score, extracted, reason, details, elapsed = row
        return Verdict(status, score, json.loads(extracted) if extracted else None, stored_text(reason),
                       json.loads(details), elapsed)

    def problem(self, run: str, problem_id: str) -> Problem | None:
        row = self.problem_row(run, problem_id)
        if row is None:
            return None
        task, prompt, reference, metadata, _family = row
        return Problem(problem_id, task, prompt, json.loads(reference), json.loads(metadata))

    def completion_keys(self, run: str) -> set[tuple[str, int]]:
        """(id, sample) of every completion the run holds."""
        return set(self.db.execute("SELECT id, sample FROM completions WHERE run = ?", (run,)))

    def problem_tasks(self, run: str) -> dict[str, str]:
        """Problem id -> task, for every problem of the run."""
        return dict(self.db.execute("SELECT id, task FROM problems WHERE run = ?", (run,)))

    def problem_families(self, run: str) -> dict[str, str]:
        """Problem id -> its family's name (the task where the suite gave no other name)."""
        return dict(self.db.execute("SELECT id, COALESCE(family, task) FROM problems WHERE run = ?", (run,)))

    def count(self, table: str, run: str) -> int:
        assert table in ("problems", "completions", "verdicts")
        return self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE run = ?", (run,)).fetchone()[0]

    def pending(self, run: str) -> Iterator[tuple[tuple[str, int], str, Problem, str, str | None]]:
        """((id, sample), grader, problem, completion, finish reason) for every completion without a verdict.

        Reads through its own connection so verdicts can be written meanwhile.
        """
        reader = sqlite3.connect(self.path, timeout=30)
        try:
            cursor = reader.execute(
                """SELECT c.id, c.sample, c.grader, c.completion, c.finish_reason, p.task, p.prompt, p.reference,
                          p.metadata
                   FROM completions c JOIN problems p ON p.run = c.run AND p.id = c.id
                   LEFT JOIN verdicts v ON v.run = c.run AND v.id = c.id AND v.sample = c.sample
                   WHERE c.run = ? AND v.id IS NULL ORDER BY c.ord""",
                (run,),
            )
            for pid, sample, grader, completion, finish_reason, task, prompt, reference, metadata in cursor:
                problem = Problem(pid, task, prompt, json.loads(reference), json.loads(metadata))
                yield (pid, sample), grader, problem, stored_text(completion), finish_reason
        finally:
            reader.close()

    # --- verdicts ------------------------------------------------------------------
    def add_verdicts(self, run: str, items: Iterable[tuple[str, int, Verdict]]) -> None:
        rows = [(run, pid, sample, v.status, v.score, json_text(v.extracted), storable_text(v.reason),
                 json_text(v.details), v.elapsed_ms) for pid, sample, v in items]
        with self.transaction():
            # OR IGNORE: a verdict already stored wins; a resumed run never duplicates one.
            self.db.executemany("INSERT OR IGNORE INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def verdicts(self, run: str, with_completion: bool = False) -> Iterator[StoredVerdict]:
        reader = sqlite3.connect(self.path, timeout=30)
        try:
            cursor = reader.execute(
                """SELECT v.id, v.sample, p.task, c.grader, v.status, v.score, v.extracted, v.reason, v.details,
                          v.elapsed_ms, c.completion, p.family, c.finish_reason, c.prompt_tokens,
                          c.completion_tokens, c.latency_ms
                   FROM verdicts v JOIN completions c ON c.run = v.run AND c.id = v.id AND c.sample = v.sample
                   JOIN problems p ON p.run = v.run AND p.id = v.id
                   WHERE v.run = ? ORDER BY c.ord""",
                (run,),
            )
            for (pid, sample, task, grader, status, score, extracted, reason, details, elapsed, completion,
                 family, *usage) in cursor:
                verdict = Verdict(status, score, json.loads(extracted) if extracted else None, stored_text(reason),
                                  json.loads(details), elapsed)
                yield StoredVerdict(pid, sample, task, grader, verdict, stored_text(completion) if with_completion else None,
                                    family, CompletionUsage(*usage) if any(u is not None for u in usage) else None)
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
