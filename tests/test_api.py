"""The Python API that notebooks, training loops and CI scripts call."""
import sqlite3

import pytest

import proctor


def test_generate_and_grade_in_memory():
    problems = proctor.generate("arith.integer", n=30, seed=5, difficulty=3)
    completions = [{"id": p.id, "completion": f"\\boxed{{{p.reference}}}"} for p in problems[:20]]
    completions += [(p.id, "\\boxed{0.25}") for p in problems[20:]]
    verdicts = list(proctor.grade(problems, completions, workers=2, timeout=5))
    assert len(verdicts) == 30
    assert sum(v.verdict.passed for v in verdicts) == 20
    assert {v.grader for v in verdicts} == {"numeric"}


def test_grade_with_a_store_records_the_run(tmp_path):
    problems = proctor.generate("arith.integer", n=10, seed=1)
    db = str(tmp_path / "api.db")
    verdicts = list(proctor.grade(problems, [(p.id, str(p.reference)) for p in problems], run="api-run", db=db))
    assert len(verdicts) == 10 and all(v.verdict.passed for v in verdicts)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM verdicts WHERE run='api-run'").fetchone()[0] == 10
        seed_recorded = con.execute("SELECT metadata FROM problems LIMIT 1").fetchone()[0]
    assert '"seed":1' in seed_recorded


def test_grade_checks_its_input_at_the_call_not_when_iterated(tmp_path):
    problems = proctor.generate("arith.integer", n=2, seed=0)
    db = tmp_path / "s.db"
    with pytest.raises(proctor.BadInput, match=r"completions?:? ?2: field 'id'"):
        proctor.grade(problems, [{"id": problems[0].id, "completion": "1"}, {"id": "nope", "completion": "1"}],
                      run="r", db=str(db))
    with pytest.raises(proctor.BadInput, match="completion 1: .*'completion'"):
        proctor.grade(problems, [{"id": problems[0].id}])
    with pytest.raises(proctor.BadInput, match="field 'sample'"):
        proctor.grade(problems, [{"id": problems[0].id, "completion": "1", "sample": -1}])
    with pytest.raises(proctor.BadInput, match="--timeout"):
        proctor.grade(problems, [], timeout=0)


def test_grade_with_a_store_ingests_before_returning_and_streams_after(tmp_path):
    problems = proctor.generate("arith.integer", n=2, seed=0)
    db = str(tmp_path / "s.db")
    verdicts = proctor.grade(problems, [(p.id, str(p.reference)) for p in problems], run="eager", db=db,
                             workers=0)
    with proctor.RunStore(db) as store:  # nothing iterated yet: the input is stored, nothing graded
        assert store.count("completions", "eager") == 2 and store.count("verdicts", "eager") == 0
    assert [v.verdict.status for v in verdicts] == ["correct", "correct"]
