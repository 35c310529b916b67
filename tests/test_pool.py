"""The grading pool: hard per-item kill, memory cap, grader failures kept apart."""
import hostile_graders  # noqa: F401  (registers the test.* graders before workers fork)

from proctor.graders import Problem
from proctor.pool import GradingPool, Job

PROBLEM = Problem("p", "t", "?", 1)


def jobs(grader, completions):
    return [Job(i, grader, PROBLEM, c) for i, c in enumerate(completions)]


def run(grader, completions, **options):
    with GradingPool(**options) as pool:
        return dict(pool.grade(jobs(grader, completions)))


def test_a_grader_stuck_in_c_code_is_killed_and_the_run_goes_on():
    completions = ["a", "hang", "b", "c", "hang", "d"]
    verdicts = run("test.stuck_in_c", completions, workers=2, timeout=1.0)
    assert len(verdicts) == 6
    for i, c in enumerate(completions):
        if c == "hang":
            assert verdicts[i].status == "timeout" and not verdicts[i].scored
        else:
            assert verdicts[i].status == "correct" and verdicts[i].extracted == c


def test_grader_exceptions_become_unscored_errors():
    verdicts = run("test.raises", ["x", "y"], workers=1)
    assert {v.status for v in verdicts.values()} == {"error"}
    assert "RuntimeError: grader bug" in verdicts[0].reason


def test_a_worker_over_its_memory_cap_does_not_sink_the_run():
    verdicts = run("test.memory_hog", ["a", "hog", "b"], workers=1, memory_mb=1024)
    assert verdicts[1].status == "error" and "memory" in verdicts[1].reason
    assert verdicts[0].status == verdicts[2].status == "correct"


def test_a_worker_that_dies_is_replaced():
    verdicts = run("test.dies", ["a", "die", "b", "c"], workers=1, timeout=5)
    assert verdicts[1].status == "error"
    assert [verdicts[i].status for i in (0, 2, 3)] == ["correct"] * 3


def test_in_process_mode_grades_the_same():
    completions = [str(i) for i in range(50)]
    pooled = run("test.dies", completions, workers=2)
    inline = run("test.dies", completions, workers=0)
    assert {k: v.extracted for k, v in pooled.items()} == {k: v.extracted for k, v in inline.items()}


def test_many_items_stream_through_lazily():
    produced = 0

    def source():
        nonlocal produced
        for i in range(20_000):
            produced += 1
            yield Job(i, "numeric", Problem(str(i), "arith.integer", "?", i), f"\\boxed{{{i}}}")

    seen = 0
    with GradingPool(workers=2) as pool:
        for _, verdict in pool.grade(source()):
            seen += 1
            assert verdict.status == "correct"
            # Jobs are pulled as workers free up, never all at once.
            assert produced - seen <= 2 * 4 * 512 + 512
    assert seen == 20_000


def test_negative_worker_count_is_refused():
    import pytest
    with pytest.raises(ValueError, match="workers must be 0"):
        GradingPool(workers=-1)
