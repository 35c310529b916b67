"""One bad line never stops a run: a completion holding lone surrogates (a `\\udcff` escape
in JSON, or bytes that are not UTF-8, which Python's errors='surrogateescape' writes) is
stored losslessly and graded; only JSONL that is structurally broken is still exit 2."""
import json
import sqlite3

import pytest

import proctor
from proctor.graders.problem import Verdict
from proctor.store import RunStore

LONE = "\udcff\ud800"


def write_problems(cli, tmp_path, task="arith.integer", n=3):
    result = cli("generate", task, "--n", str(n), "--seed", "1", "-o", tmp_path / "p.jsonl")
    assert result.code == 0, result.err
    return [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]


def test_proctor_grade_stores_and_grades_lines_holding_lone_surrogates(cli, tmp_path):
    problems = write_problems(cli, tmp_path)
    raw = f"not UTF-8: \udcff\udcfe, answer \\boxed{{{problems[2]['reference']}}}"
    texts = [f"\\boxed{{{problems[0]['reference']}}}",        # an ordinary line
             f"escaped {LONE} then \\boxed{{{problems[1]['reference']}}}", raw]
    with open(tmp_path / "c.jsonl", "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(json.dumps({"id": problems[0]["id"], "completion": texts[0]}) + "\n")
        f.write(json.dumps({"id": problems[1]["id"], "completion": texts[1]}) + "\n")   # ASCII: "\udcff\ud800"
        f.write(json.dumps({"id": problems[2]["id"], "completion": raw}, ensure_ascii=False) + "\n")  # raw bytes
    assert b"\xff\xfe" in (tmp_path / "c.jsonl").read_bytes()

    graded = cli("grade", tmp_path / "p.jsonl", tmp_path / "c.jsonl", "--run", "s", "-o", tmp_path / "v.jsonl")
    assert graded.code == 0, graded.err
    verdicts = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()]
    # Stored and graded, never a stopped run: Grader.grade screens text that is not valid
    # Unicode as unparsable (one guard path for every grader), naming the surrogate.
    assert [v["status"] for v in verdicts] == ["correct", "unparsable", "unparsable"]
    assert all("lone surrogate" in v["reason"] for v in verdicts[1:])

    exported = cli("export", "s", "-o", tmp_path / "e.jsonl")
    assert exported.code == 0, exported.err
    lines = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["completion"] for line in lines] == texts  # lossless, surrogates and all
    assert lines[2]["completion"].encode("utf-8", "surrogateescape") == raw.encode("utf-8", "surrogateescape")


def test_the_store_keeps_such_text_losslessly_and_still_refuses_a_different_completion(tmp_path):
    problem = proctor.generate("arith.integer", n=1, seed=2)[0]
    with RunStore(tmp_path / "s.db") as store:
        store.create_run("r", None, {}, {})
        store.add_problem("r", 1, problem)
        assert store.add_completion("r", 1, problem.id, 0, "numeric", f"a {LONE} b")
        assert not store.add_completion("r", 1, problem.id, 0, "numeric", f"a {LONE} b")  # the same: no conflict
        with pytest.raises(ValueError, match="different completion"):
            store.add_completion("r", 1, problem.id, 0, "numeric", f"a {LONE} c")
        ((_, _, _, text, _),) = store.pending("r")
        assert text == f"a {LONE} b"
        store.add_verdicts("r", [(problem.id, 0, Verdict("unparsable", 0.0, LONE, f"read {LONE}", {"x": LONE}))])
        (stored,) = store.verdicts("r", with_completion=True)
        assert stored.completion == f"a {LONE} b"
        assert (stored.verdict.extracted, stored.verdict.reason, stored.verdict.details) == \
            (LONE, f"read {LONE}", {"x": LONE})


@pytest.mark.parametrize("task", ["arith.integer", "math.linear", "json.extract", "code.functions"])
def test_no_builtin_grader_fails_on_lone_surrogates(task):
    if task.startswith("code."):
        from code_support import require_backend

        require_backend("bwrap")
    problem = proctor.generate(task, n=1, seed=1)[0]
    texts = [LONE, f"\\boxed{{{LONE}}}", f'{{"name": "{LONE}"}}', f"```python\nx = '{LONE}'\n```",
             f'```json\n{{"name": "\\udcff"}}\n```']
    verdicts = proctor.grade([problem] * len(texts),
                             [{"id": problem.id, "sample": i, "completion": t} for i, t in enumerate(texts)])
    statuses = [getattr(v, "verdict", v).status for v in verdicts]
    assert not {"error", "timeout"} & set(statuses), statuses


def test_proctor_run_with_a_file_model_stores_and_grades_them(cli, tmp_path):
    problems = write_problems(cli, tmp_path, n=2)
    (tmp_path / "suite.toml").write_text('name = "s"\n[[family]]\ntask = "arith.integer"\nn = 2\nseed = 1\n')
    with open(tmp_path / "c.jsonl", "w") as f:
        for p in problems:
            f.write(json.dumps({"id": p["id"], "completion": f"{LONE} \\boxed{{{p['reference']}}}"}) + "\n")
    result = cli("run", tmp_path / "suite.toml", "--model", f"file:{tmp_path / 'c.jsonl'}", "--run", "f",
                 "--db", tmp_path / "f.db")
    assert result.code == 0, result.err
    with sqlite3.connect(tmp_path / "f.db") as con:
        statuses = [s for (s,) in con.execute("SELECT status FROM verdicts WHERE run = 'f'")]
    assert statuses == ["unparsable", "unparsable"]  # stored and graded; screened as not valid Unicode


def test_gate_outputs_quote_such_answers_and_read_back(cli, tmp_path):
    problems = write_problems(cli, tmp_path, task="math.linear", n=20)
    for name, template in (("good", "\\boxed{%s}"), ("bad", "\\boxed{" + LONE + "%s}")):
        with open(tmp_path / f"{name}.jsonl", "w") as f:
            for p in problems:
                f.write(json.dumps({"id": p["id"], "completion": template % p["reference"]}) + "\n")
        assert cli("grade", tmp_path / "p.jsonl", tmp_path / f"{name}.jsonl", "--run", name).code == 0
    gate = cli("gate", "--candidate", "bad", "--baseline", "good", "--json", tmp_path / "g.json",
               "--markdown", tmp_path / "g.md", "--junit", tmp_path / "g.xml")
    assert gate.code == 1, gate.err  # a regression, reported, not a crash
    # Such answers are screened as unparsable (Grader.grade), so the gate sees plain lost items;
    # every output is still written and reads back.
    outcome = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert outcome["status"] == "regressed"
    assert (tmp_path / "g.md").read_text(encoding="utf-8") and (tmp_path / "g.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("line, why", [
    (b'{"id": "x", "completion": "cut off', "not valid JSON"),
    (b'{"id": "x", \xff "completion": "a"}', "not valid JSON"),   # a byte that is not UTF-8, outside a string
    (b'["a list"]', "expected a JSON object"),
])
def test_structurally_broken_jsonl_is_still_exit_2(cli, tmp_path, line, why):
    problems = write_problems(cli, tmp_path, n=1)
    (tmp_path / "c.jsonl").write_bytes(json.dumps({"id": problems[0]["id"], "completion": "1"}).encode() + b"\n"
                                       + line + b"\n")
    result = cli("grade", tmp_path / "p.jsonl", tmp_path / "c.jsonl")
    assert result.code == 2 and f"c.jsonl:2: {why}" in result.err and "Traceback" not in result.err


def test_a_problem_whose_text_is_not_utf8_is_bad_input(cli, tmp_path):
    problems = write_problems(cli, tmp_path, n=1)
    problems[0]["prompt"] = "What is \udcff?"
    (tmp_path / "p2.jsonl").write_text(json.dumps(problems[0]) + "\n")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": problems[0]["id"], "completion": "1"}) + "\n")
    result = cli("grade", tmp_path / "p2.jsonl", tmp_path / "c.jsonl")
    assert result.code == 2 and "p2.jsonl:1: field 'prompt' is not UTF-8 text" in result.err
