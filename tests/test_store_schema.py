"""The run store's schema is versioned (PRAGMA user_version): a store written by an
earlier proctor opens in this one with its data intact, and a newer one is refused."""
import sqlite3
import subprocess
import sys

import pytest

from proctor.errors import BadInput
from proctor.graders.problem import Problem, Verdict
from proctor.store import MIGRATIONS, SCHEMA_VERSION, CompletionUsage, RunStore


def write_old_store(path, version: int) -> None:
    """A store as proctor wrote it at schema `version` (version 1 stores carry user_version 0:
    versioning came later)."""
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        db.executescript(script)
    db.execute("INSERT INTO runs (name, created, model, config, versions) VALUES ('old', 't', NULL, '{}', '{}')")
    db.execute("INSERT INTO problems (run, ord, id, task, prompt, reference, metadata) "
               "VALUES ('old', 1, 'p1', 'arith.integer', 'What is 1+1?', '2', '{}')")
    db.execute("INSERT INTO completions (run, ord, id, sample, grader, completion) "
               "VALUES ('old', 1, 'p1', 0, 'numeric', 'Answer: 2')")
    db.execute("PRAGMA user_version = %d" % (0 if version == 1 else version))
    db.commit()
    db.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_a_store_of_every_earlier_schema_opens_with_its_data(tmp_path, version):
    path = tmp_path / "old.db"
    write_old_store(path, version)
    with RunStore(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [p.id for p in store.problems("old")] == ["p1"]
        pending = list(store.pending("old"))
        # a completion stored before finish reasons were kept reads back as unknown (None)
        assert [(key, completion, finish) for key, _, _, completion, finish in pending] == [
            (("p1", 0), "Answer: 2", None)]
        store.add_verdicts("old", [("p1", 0, Verdict.correct(2, "matches"))])
        assert [v.verdict.status for v in store.verdicts("old")] == ["correct"]
        # the new columns take data after the migration
        store.add_problem("old", 2, Problem("p2", "arith.integer", "What is 2+2?", 4, {}), family="easy")
        store.add_completion("old", 2, "p2", 0, "numeric", "4",
                             CompletionUsage(finish_reason="length", prompt_tokens=5, completion_tokens=1,
                                             latency_ms=3.5))
        assert store.db.execute("SELECT family FROM problems WHERE id = 'p2'").fetchone() == ("easy",)
        assert store.db.execute("SELECT finish_reason, prompt_tokens, completion_tokens, latency_ms FROM completions "
                                "WHERE id = 'p2'").fetchone() == ("length", 5, 1, 3.5)


def test_migrating_twice_changes_nothing(tmp_path):
    path = tmp_path / "s.db"
    RunStore(path).close()
    with RunStore(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_from_a_newer_proctor_is_refused_with_one_line(tmp_path):
    path = tmp_path / "new.db"
    RunStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(BadInput, match="newer proctor"):
        RunStore(path)
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "runs", "--db", str(path)], capture_output=True,
                          text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_no_sql_outside_the_store():
    """The store owns the run store's SQL. The OpenAI backend's response cache is a file of its own."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "proctor"
    allowed = {root / "store.py", root / "models" / "openai.py"}
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE FROM|CREATE TABLE|ALTER TABLE)\b|\.db\.execute")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if p not in allowed and sql.search(p.read_text())]
    assert not offenders
