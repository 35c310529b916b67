"""The hostile-completions corpus (proctor.testing.hostile) against every grader.

The rule (README, "Reliability"): `timeout` and `error` mean proctor or the
machine failed, so nothing a completion contains or does may produce them.
Every item must get a scored verdict (`incorrect` or `unparsable`) within the
corpus's time bound, from every built-in grader, from the example plug-in,
and from the code grader on every sandbox backend (bwrap warm, bwrap cold,
docker). Where a completion acts (signals, exits, floods, huge values), the
reason must name what happened.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import proctor
from proctor.graders.code.grader import CodeGrader
from proctor.pool import GradingPool, Job, grade_one
from proctor.testing.hostile import TIME_BOUND_SECONDS, hostile_completions

ROOT = Path(__file__).resolve().parent.parent
SCORED = ("incorrect", "unparsable")
# One problem per built-in text grader (the corpus is aimed at extraction, so
# the family within a grader matters little).
TEXT_TASKS = {"numeric": "arith.integer", "math": "math.arithmetic", "json_schema": "json.extract"}
CODE_TASKS = ("code.functions", "code.stdio", "code.humaneval")

# What the reason must say, per code item, in a function task and a stdio task.
# Signals at the supervisor are refused by its seccomp filter, so the
# candidate's own code sees PermissionError.
REFUSED = ("PermissionError", "PermissionError")
EXPECTED_REASON = {
    **{c.name: REFUSED for c in hostile_completions("code")
       if c.name.endswith("-to-parent") and not c.name.startswith(("signals-", "pidfd-", "tgkill-"))},
    "sigstop-self": ("time limit", "time limit"),
    "sigkill-self": ("did not load (crashed)", "exit status -9"),
    "abort": ("did not load (crashed)", "exit status -6"),
    "sys-exit-1": ("SystemExit: 1", "exit status 1"),
    "os-exit-3": ("did not load (crashed)", "exit status 3"),
    "raise-keyboardinterrupt": ("KeyboardInterrupt", "KeyboardInterrupt"),
    "systemexit-in-the-call": ("SystemExit", None),
    "huge-int-return": ("wrong answer", "ValueError"),
    "huger-int-return": ("bad record", "ValueError"),
    # Encoding 64 MB can outlast a short limit: either limit names what happened.
    "huge-string-return": (("output limit", "time limit"), ("output limit", "time limit")),
    "huge-list-return": (("not plain data", "time limit"), ("output limit", "time limit")),
    "deep-nesting-return": ("not plain data", "RecursionError"),
    "self-referential-return": ("not plain data", None),
    "unprintable-return": ("not plain data", "RuntimeError"),
    "infinite-recursion": ("RecursionError", "RecursionError"),
    "stdout-flood": ("time limit", "output limit"),
    "stdout-1MB-spaces-lines": (None, "output limit"),
    "fake-traceback-stderr": ("did not load (crashed)", "exit status 1"),
    # The OOM kill, or the limit if reclaim is slower than the candidate's time.
    "memory-hog": (("memory limit", "time limit"), ("memory limit", "time limit")),
    "busy-loop": ("time limit", "time limit"),
    "sleep-forever": ("time limit", "time limit"),
}


def _require(why: str | None) -> None:
    """Skip where a part cannot run here, but never on CI: isolation must be proven there."""
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


def _check(verdict, elapsed: float, case) -> None:
    assert verdict.status in SCORED, (case.name, verdict)
    assert verdict.score < 1.0, (case.name, verdict)
    assert elapsed <= TIME_BOUND_SECONDS, (case.name, elapsed, verdict)


def test_corpus_holds_every_kind_the_issue_names():
    names = {c.name for c in hostile_completions()}
    for wanted in ("sigint-to-parent", "sigkill-to-parent", "sigstop-to-parent", "sys-exit-0", "os-exit-0",
                   "huge-int-return", "deep-nesting-return", "huge-string-return", "stdout-flood", "stderr-flood",
                   "spaces-1MB-after-fence", "fences-1MB", "backticks-1MB", "tildes-1MB", "open-braces-1MB",
                   "answer-spaces-letter", "nul-bytes", "lone-surrogate", "10MB-completion", "stdout-spaces-then-x"):
        assert wanted in names, wanted
    assert len(names) == len(hostile_completions())
    assert any(len(c.text) >= 10_000_000 for c in hostile_completions())
    # A grader's share: the items aimed at it and at any grader.
    assert {c.name for c in hostile_completions("numeric")} == {c.name for c in hostile_completions("any")}
    assert len(hostile_completions("code")) > len(hostile_completions("numeric"))


# --- the text graders, in-process and through the pool --------------------------

@pytest.fixture(scope="module")
def text_problems():
    return {grader: proctor.generate(task, n=1, seed=0)[0] for grader, task in TEXT_TASKS.items()}


@pytest.mark.parametrize("grader", sorted(TEXT_TASKS))
@pytest.mark.parametrize("case", hostile_completions(), ids=lambda c: c.name)
def test_text_grader_scores_every_hostile_completion(grader, case, text_problems):
    start = time.monotonic()
    verdict = grade_one(grader, text_problems[grader], case.text)
    _check(verdict, time.monotonic() - start, case)


def test_the_pool_never_times_out_or_fails_on_the_corpus(text_problems):
    """The same items through the runner's pool, whose hard kill would say `timeout`."""
    cases = hostile_completions()
    jobs = [Job((grader, c.name), grader, text_problems[grader], c.text) for grader in TEXT_TASKS for c in cases]
    with GradingPool(workers=2, timeout=TIME_BOUND_SECONDS) as pool:
        verdicts = dict(pool.grade(jobs))
    assert len(verdicts) == len(jobs)
    bad = {key: (v.status, v.reason[:80]) for key, v in verdicts.items() if v.status not in SCORED}
    assert not bad
    slow = {key: v.elapsed_ms for key, v in verdicts.items() if v.elapsed_ms > TIME_BOUND_SECONDS * 1000}
    assert not slow


# --- the code grader, on every sandbox backend -------------------------------------

def _backend_problem(name: str) -> str | None:
    from proctor import sandbox
    try:
        options = {"pool_size": 0} if name == "docker" else {}
        sandbox.open_backend(name, **options).close()
    except (sandbox.SandboxUnavailable, sandbox.RegistryError) as exc:
        return f"sandbox backend {name!r} cannot run here: {exc}"
    return None


VARIANTS = ("bwrap-warm", "bwrap-cold", "docker")
# Every item on the warm default; the programs (what acts in a sandbox) on cold bwrap and docker too.
CODE_PARAMS = [(variant, case) for variant in VARIANTS for case in hostile_completions("code")
               if variant == "bwrap-warm" or "code" in case.targets]


@pytest.fixture(scope="module")
def code_graders():
    made = {}

    def get(variant: str) -> CodeGrader:
        if variant not in made:
            backend = "docker" if variant == "docker" else "bwrap"
            _require(_backend_problem(backend))
            grader = CodeGrader(sandbox=backend, min_seconds=1.0, load_seconds=1.0, max_total_seconds=3.0)
            # The grader opens its backend on first use, warm unless PROCTOR_SANDBOX_WARM=0.
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("PROCTOR_SANDBOX_WARM", "0" if variant == "bwrap-cold" else "1")
                grader.backend_for(None)
            made[variant] = grader
        return made[variant]

    yield get
    for grader in made.values():
        grader.close()


@pytest.fixture(scope="module")
def code_problems():
    from code_support import humaneval_problems
    problems = {task: proctor.generate(task, n=1, seed=0)[0] for task in CODE_TASKS if task != "code.humaneval"}
    problems["code.humaneval"] = humaneval_problems()["HumanEval/0"]
    return problems


@pytest.mark.parametrize("variant, case", CODE_PARAMS, ids=[f"{v}-{c.name}" for v, c in CODE_PARAMS])
def test_code_grader_scores_every_hostile_completion(variant, case, code_graders, code_problems):
    grader = code_graders(variant)
    for task in CODE_TASKS if variant == "bwrap-warm" else ("code.functions", "code.stdio"):
        start = time.monotonic()
        verdict = grader.grade(code_problems[task], case.text)
        _check(verdict, time.monotonic() - start, case)
        expected = EXPECTED_REASON.get(case.name, (None, None))[1 if task == "code.stdio" else 0]
        if expected and task != "code.humaneval":
            expected = (expected,) if isinstance(expected, str) else expected
            assert any(e in verdict.reason for e in expected), (variant, task, case.name, verdict.reason)


# --- a plug-in grader, through the real CLI --------------------------------------

def test_plugin_grader_scores_every_hostile_completion(cli, tmp_path):
    """The example plug-in (installed into a folder of its own, as test_plugin does)
    gets every item through `proctor grade`, pool and hard kill included."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(ROOT / "examples" / "plugin")], check=True)
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    assert cli("generate", "wordplay.reverse", "--n", "1", "-o", "p.jsonl", env=env).code == 0
    problem_id = json.loads((tmp_path / "p.jsonl").read_text())["id"]
    cases = hostile_completions()  # all of it: a plug-in is aimed at by everything
    with open(tmp_path / "c.jsonl", "w", encoding="utf-8") as out:
        for sample, case in enumerate(cases):
            out.write(json.dumps({"id": problem_id, "sample": sample, "completion": case.text}) + "\n")
    graded = cli("grade", "p.jsonl", "c.jsonl", "-o", "v.jsonl", "--timeout", str(TIME_BOUND_SECONDS), env=env,
                 timeout=600)
    assert graded.code == 0, graded.err
    verdicts = {v["sample"]: v for v in map(json.loads, (tmp_path / "v.jsonl").read_text().splitlines())}
    assert len(verdicts) == len(cases)
    for sample, case in enumerate(cases):
        verdict = verdicts[sample]
        assert verdict["grader"] == "exact_text"
        assert verdict["status"] in SCORED, (case.name, verdict["status"], verdict["reason"])
        assert verdict["elapsed_ms"] <= TIME_BOUND_SECONDS * 1000, (case.name, verdict["elapsed_ms"])
