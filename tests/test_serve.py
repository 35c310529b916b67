"""`proctor serve` as a subprocess on 127.0.0.1: every route against the schemas of
docs/serve.md, caps, auth, refusals at start, misrouted rows, the store, the
clients (proctor.rewards.remote and one written the way OpenRLHF's source calls
a remote reward), and agreement with `proctor grade` on the same items.

Failure behaviour (a hanging grader, SIGKILL, SIGTERM, overload, deadlines) is
in tests/test_serve_failures.py.
"""
from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import jsonschema
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import proctor
from proctor.rewards import MisroutedRow, remote, trl_rows, verl_rows
from proctor.serve.client import RequestRejected
from proctor.store import RunStore
from serve_support import Server, serve_cli

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "t0ken-of-the-serve-tests-" + "x" * 16


def doc_schemas() -> dict[str, dict]:
    text = (ROOT / "docs" / "serve.md").read_text()
    found = re.findall(r"<!-- schema: ([\w-]+) -->\n```json\n(.*?)\n```", text, re.S)
    return {name: json.loads(body) for name, body in found}


SCHEMAS = doc_schemas()


def check(name: str, value) -> None:
    jsonschema.validate(value, SCHEMAS[name], cls=jsonschema.Draft202012Validator)


def boxed(value) -> str:
    return f"so the answer is \\boxed{{{value}}}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    with Server("--port", "0", "--workers", "2", "--timeout", "20", "--max-items", "50", "--max-queue", "400",
                "--max-request-bytes", "200000", "--max-completion-chars", "5000", "--max-deadline", "60",
                env={"PROCTOR_DB": str(folder / "proctor.db")}, cwd=folder, wait_ready=True) as srv:
        yield srv


def test_the_docs_hold_every_schema_the_tests_check():
    assert set(SCHEMAS) == {"grade-request", "grade-response", "rewards-response", "openrlhf-request",
                            "openrlhf-response", "error"}
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_grade_and_rewards_answer_in_order_with_the_documented_schemas(server):
    problems = proctor.generate("arith.integer", n=3, seed=1)
    items = [{"problem": problems[0].to_dict(), "completion": boxed(problems[0].reference)},
             {"problem": problems[1].to_json(), "completion": "no idea", "sample": 7},
             {"task": "arith.integer", "reference": problems[2].reference, "completion": boxed(problems[2].reference)},
             {"task": "math.linear", "reference": "2", "completion": "x = \\boxed{3}"}]
    body = {"items": items, "deadline_seconds": 30}
    check("grade-request", body)
    answer = server.post("/v1/grade", body)
    assert answer.status_code == 200, answer.text
    check("grade-response", answer.json())
    verdicts = answer.json()["verdicts"]
    assert [v["status"] for v in verdicts] == ["correct", "unparsable", "correct", "incorrect"]
    assert [v["id"] for v in verdicts[:2]] == [problems[0].id, problems[1].id]
    assert [v["sample"] for v in verdicts] == [0, 7, 0, 0]
    assert verdicts[3]["grader"] == "math" and verdicts[3]["task"] == "math.linear"
    rewards = server.post("/v1/rewards", body)
    check("rewards-response", rewards.json())
    assert rewards.json() == {"rewards": [1.0, 0.0, 1.0, 0.0]}


def test_an_unscored_item_is_null_in_rewards_never_zero(server):
    body = {"items": [{"task": "arith.integer", "reference": "1", "grader": "test.raises", "completion": "1"},
                      {"task": "arith.integer", "reference": "1", "completion": "1"}]}
    assert server.post("/v1/rewards", body).json() == {"rewards": [None, 1.0]}
    assert server.post("/v1/grade", body).json()["verdicts"][0]["status"] == "error"


def test_health_readiness_and_metrics(server):
    assert requests.get(server.url + "/healthz").json() == {"status": "ok", "draining": False}
    ready = requests.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    server.post("/v1/grade", {"items": [{"task": "arith.integer", "reference": "4", "completion": "4"}]})
    page = requests.get(server.url + "/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(page.text) for s in family.samples}
    for status in ("correct", "incorrect", "unparsable", "timeout", "error"):
        assert ("proctor_items_graded_total", (("status", status),)) in samples
    assert samples[("proctor_items_graded_total", (("status", "correct"),))] >= 1
    assert samples[("proctor_ready", ())] == 1.0
    assert ("proctor_queue_depth", ()) in samples
    assert samples[("proctor_requests_total", (("code", "200"), ("route", "/v1/grade")))] >= 1
    assert any(name == "proctor_item_latency_seconds_count" and value >= 1 for (name, _), value in samples.items())
    assert any(name == "proctor_batch_items_count" for name, _ in samples)
    assert ("proctor_sandbox_failures_total", (("kind", "probe"),)) in samples


# --- caps and bad input: 413 naming the limit, 400/422 naming the field, never 500 ---------------------

def item(**extra):
    return dict({"task": "arith.integer", "reference": "4", "completion": "4"}, **extra)


@pytest.mark.parametrize("send, status, field, limit", [
    (lambda s: s.post("/v1/grade", {"items": [item()] * 51}), 413, "items", "max_items"),
    (lambda s: s.post("/v1/grade", {"items": [item(completion="9" * 5001)]}), 413, "items[0].completion",
     "max_completion_chars"),
    (lambda s: s.post("/v1/grade", {"items": [item()], "deadline_seconds": 61}), 413, "deadline_seconds",
     "max_deadline"),
    (lambda s: s.post("/v1/grade", {"items": [item(reference="x" * 250_000)]}), 413, "body", "max_request_bytes"),
    # no Content-Length: the body is streamed in chunks and cut at the cap
    (lambda s: s.post("/v1/grade", data=(b"x" * 50_000 for _ in range(5)),
                      headers={"Content-Type": "application/json"}), 413, "body", "max_request_bytes"),
    (lambda s: s.post("/get_reward", {"query": ["q"] * 51, "labels": ["{}"] * 51}), 413, "query", "max_items"),
])
def test_over_a_cap_is_413_naming_the_limit(server, send, status, field, limit):
    answer = send(server)
    assert answer.status_code == status, answer.text
    check("error", answer.json())
    error = answer.json()["error"]
    assert (error["field"], error["limit"]["name"]) == (field, limit)
    assert limit in error["message"]


@pytest.mark.parametrize("data, status, field, says", [
    (b"{not json", 400, "body", "not valid JSON"),
    (b'{"items": [{"task": "arith.integer", "reference": NaN, "completion": "1"}]}', 400, "body", "NaN"),
    (b'\xff\xfe{}', 400, "body", "not UTF-8"),
    (b'[]', 422, "body", "must be an object"),
    (b'{"itemz": []}', 422, "itemz", "unknown field"),
    (b'{"items": {}}', 422, "items", "must be an array"),
    (b'{"items": [{"task": "arith.integer", "reference": "4"}]}', 422, "items[0].completion", "missing"),
    (b'{"items": [{"task": "arith.integer", "reference": "4", "completion": 4}]}', 422, "items[0].completion",
     "must be text"),
    (b'{"items": [{"task": "arith.integer", "reference": "4", "completion": "4", "sample": -1}]}', 422,
     "items[0].sample", "integer from 0"),
    (b'{"items": [{"task": "arith.integer", "reference": "4", "completion": "4", "sample": true}]}', 422,
     "items[0].sample", "integer from 0"),
    (b'{"items": [{"task": "arith.integer", "reference": "4", "completion": "4", "completions": "4"}]}', 422,
     "items[0].completions", "unknown field"),
    (b'{"items": [{"task": "arith.integer", "reference": "4", "completion": "4", "grader": "nope"}]}', 422,
     "items[0].grader", "unknown grader 'nope'"),
    (b'{"items": [{"problem_id": "a", "reference": "4", "completion": "4"}]}', 422, "items[0]", "more than one of"),
    (b'{"items": [{"completion": "4"}]}', 422, "items[0]", "none of"),
    (b'{"items": [{"problem": {"id": "a", "task": "arith.integer", "prompt": 3, "reference": "4"}, '
     b'"completion": "4"}]}', 422, "items[0].problem.prompt", "must be text"),
    (b'{"items": [{"problem": "{\\"id\\": ", "completion": "4"}]}', 422, "items[0].problem", "not JSON"),
    (b'{"items": [{"task": "code.functions", "reference": {}, "completion": "x", "metadata": {"sandbox": '
     b'"process"}}]}', 422, "items[0].metadata.sandbox", "'bwrap' sandbox only"),
    (b'{"items": [], "deadline_seconds": 0}', 422, "deadline_seconds", "positive"),
    (b'{"items": [{"problem_id": "nowhere/1", "completion": "4"}]}', 422, "items[0].problem_id",
     "no problem 'nowhere/1'"),
    (b'{"query": "q", "labels": []}', 422, "query", "must be an array"),
])
def test_bad_input_is_400_or_422_naming_the_field(server, data, status, field, says):
    path = "/get_reward" if b'"query"' in data else "/v1/grade"
    answer = server.post(path, data=data, headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    check("error", answer.json())
    assert answer.json()["error"]["field"] == field
    assert says in answer.json()["error"]["message"]


def test_deep_nesting_and_unknown_routes_are_not_500(server):
    deep = b'{"items": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    assert server.post("/v1/grade", data=deep).status_code == 400
    assert requests.get(server.url + "/v2/grade").status_code == 404
    assert requests.get(server.url + "/v1/grade").status_code == 405
    assert server.post("/v1/grade", data=b"{}", headers={"Content-Length": "abc"}).status_code in (400, 422)
    assert server.post("/v1/grade", {"items": []}).json() == {"verdicts": []}


# --- misrouted rows ---------------------------------------------------------------------------------------

def test_an_unknown_task_is_422_misrouted_naming_the_accepted_forms(server):
    answer = server.post("/v1/grade", {"items": [item(task="math.linaer")]})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["kind"] == "misrouted_row" and error["field"] == "items[0].task"
    assert "unknown task 'math.linaer'" in error["message"] and "proctor/<task>" in error["message"]


def test_the_remote_client_raises_on_misrouted_rows_locally_and_from_the_server(server):
    reward = remote(server.url)
    with pytest.raises(MisroutedRow, match=r"did you mean 'proctor/math.linear'"):
        reward.compute_score("math.linear", "x = \\boxed{2}", "2")
    with pytest.raises(MisroutedRow, match=r"unknown task 'math.linaer'.*proctor/<task>"):
        reward.compute_score("proctor/math.linaer", "x = \\boxed{2}", "2")
    with pytest.raises(MisroutedRow, match="not a proctor problem"):
        reward(prompts=["p"], completions=["4"], problem=["{broken"])
    with pytest.raises(RequestRejected, match="items\\[0\\].completion"):
        reward.grade([{"task": "arith.integer", "reference": "4", "completion": "9" * 6000}])


# --- the clients -------------------------------------------------------------------------------------------

def test_remote_gives_trls_and_verls_signatures(server):
    problems = proctor.generate("math.linear", n=4, seed=3)
    reward = remote(server.url)
    completions = [[{"role": "assistant", "content": boxed(p.reference)}] if i % 2 == 0 else
                   [{"role": "assistant", "content": "x = 12345"}] for i, p in enumerate(problems)]
    rows = trl_rows(problems)
    got = reward(prompts=[r["prompt"] for r in rows], completions=completions,
                 problem=[r["problem"] for r in rows], grader=[r["grader"] for r in rows], completion_ids=[[1]] * 4)
    assert got == [1.0, 0.0, 1.0, 0.0]
    vrows = verl_rows(problems)
    assert [reward.compute_score(r["data_source"], boxed(p.reference), r["reward_model"]["ground_truth"],
                                 r["extra_info"]) for r, p in zip(vrows, problems)] == [1.0] * 4
    assert reward.compute_score_batch([r["data_source"] for r in vrows], ["x = 999"] * 4,
                                      [r["reward_model"]["ground_truth"] for r in vrows],
                                      [r["extra_info"] for r in vrows]) == [0.0] * 4
    assert reward.compute_score("proctor/arith.integer", "the answer is 12", "12") == 1.0
    assert reward.stats["correct"] == 7 and reward.stats["unanswered"] == 0


def test_remote_splits_large_calls_and_keeps_order(server):
    problems = proctor.generate("arith.integer", n=60, seed=11)
    reward = remote(server.url, batch_items=7, concurrency=3)
    items = [{"problem": p.to_dict(), "completion": boxed(p.reference) if i % 3 else "wrong"}
             for i, p in enumerate(problems)]
    assert reward.rewards(items) == [0.0 if i % 3 == 0 else 1.0 for i in range(60)]


def openrlhf_request_api_wrapper(url, data, try_max_times=5):
    """How OpenRLHF's remote_rm_utils.request_api_wrapper calls a remote reward (its keys, headers,
    raise_for_status, .json(), tries 1 s apart), rewritten here."""
    headers = {"Content-Type": "application/json"}
    for _ in range(try_max_times):
        try:
            response = requests.post(url=url, json=data, headers=headers, timeout=180)
            response.raise_for_status()
            return response.json()
        except requests.RequestException:
            pass
        time.sleep(1)
    raise Exception(f"Request error for {try_max_times} times")


def openrlhf_update_samples_with_rewards(rewards_info, samples_len):
    """What OpenRLHF's experience maker reads of the answers: rewards, then scores and extra_logs when
    present, concatenated per key and split back per sample batch (torch.as_tensor needs numbers)."""
    def numbers(values):
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), values
        return list(map(float, values))

    rewards = sum((numbers(info["rewards"]) for info in rewards_info), [])
    scores = sum((numbers(info["scores"]) for info in rewards_info), []) if "scores" in rewards_info[0] else rewards
    logs = {k: sum((numbers(info["extra_logs"][k]) for info in rewards_info), [])
            for k in rewards_info[0].get("extra_logs", {})}
    assert len(rewards) == len(scores) == sum(samples_len) and all(len(v) == len(rewards) for v in logs.values())
    return rewards, scores, logs


def test_openrlhf_client_as_its_source_calls_it(server):
    problems = proctor.generate("arith.integer", n=2, seed=5)
    rows = trl_rows(problems, chat=False)
    template = "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
    prompts = [template.format(r["prompt"]) for r in rows for _ in range(2)]
    answers = [boxed(problems[0].reference), "I think 0", boxed(problems[1].reference), "\\boxed{"]
    queries = [p + a + "<|im_end|>" for p, a in zip(prompts, answers)]
    labels = [r["problem"] for r in rows for _ in range(2)]
    data = {"query": queries, "prompts": prompts, "labels": labels}
    check("openrlhf-request", data)
    info = openrlhf_request_api_wrapper(server.url + "/get_reward", data)
    check("openrlhf-response", info)
    rewards, scores, logs = openrlhf_update_samples_with_rewards([info], [4])
    assert rewards == scores == [1.0, 0.0, 1.0, 0.0]
    assert logs == {"proctor_correct": [1.0, 0.0, 1.0, 0.0], "proctor_unscored": [0.0] * 4}


def test_openrlhf_unscored_items_get_their_groups_mean_and_are_flagged(server):
    label = json.dumps({"task": "arith.integer", "reference": "4", "grader": "test.stuck_in_c"})
    bad = json.dumps({"task": "arith.integer", "reference": "4", "grader": "test.raises"})
    data = {"query": ["p1 a", "p1 b", "p1 c", "p2 a"], "prompts": ["p1", "p1", "p1", "p2"],
            "labels": [label, label, bad, bad]}
    info = openrlhf_request_api_wrapper(server.url + "/get_reward", data)
    check("openrlhf-response", info)
    assert info["rewards"] == [1.0, 1.0, 1.0, 0.0]  # p1's scored mean; p2 has none scored
    assert info["extra_logs"]["proctor_unscored"] == [0.0, 0.0, 1.0, 1.0]


def test_openrlhf_labels_that_name_no_problem_are_misrouted(server):
    answer = server.post("/get_reward", {"query": ["q a"], "prompts": ["q"], "labels": ["42"]})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["field"] == "labels[0]" and error["kind"] == "misrouted_row" and "--label_key" in error["message"]
    answer = server.post("/get_reward", {"query": ["q a"], "labels": ["42"], "datasources": ["proctor/arith.integer"]})
    assert answer.json()["rewards"] == [0.0]  # "a" is not 42: a routed bare reference


# --- agreement with `proctor grade` -------------------------------------------------------------------------

def test_verdicts_agree_with_proctor_grade_on_the_same_items(server, cli, tmp_path):
    problems, completions = [], []
    for task, n in (("arith.integer", 6), ("math.linear", 6), ("math.quadratic", 4), ("json.extract", 4),
                    ("code.functions", 4)):
        for i, p in enumerate(proctor.generate(task, n=n, seed=21)):
            problems.append(p)
            if task.startswith("code"):
                right = f"```python\n{p.reference['solution']}\n```"
                text = right if i % 2 == 0 else "```python\ndef nope():\n    return 1\n```"
            elif task.startswith("json"):
                text = json.dumps(p.reference.get("expected", {})) if i % 2 == 0 else '{"name": 1}'
            else:
                text = boxed(p.reference) if i % 2 == 0 else "the answer is 7/3"
            completions.append({"id": p.id, "sample": i % 3, "completion": text})
    (tmp_path / "problems.jsonl").write_text("".join(p.to_json() + "\n" for p in problems))
    (tmp_path / "completions.jsonl").write_text("".join(json.dumps(c) + "\n" for c in completions))
    result = cli("grade", tmp_path / "problems.jsonl", tmp_path / "completions.jsonl", "-o", tmp_path / "v.jsonl",
                 "--workers", "2", "--timeout", "20")
    assert result.code == 0, result.err
    offline = {(v["id"], v["sample"]): v for v in map(json.loads, (tmp_path / "v.jsonl").read_text().splitlines())}
    by_id = {p.id: p for p in problems}
    body = {"items": [{"problem": by_id[c["id"]].to_dict(), "completion": c["completion"], "sample": c["sample"]}
                      for c in completions]}
    served = server.post("/v1/grade", body).json()["verdicts"]
    assert len(served) == len(offline) == len(completions)
    fields = ("id", "sample", "task", "grader", "status", "score", "passed", "extracted")
    for verdict in served:
        expected = offline[(verdict["id"], verdict["sample"])]
        assert {k: verdict[k] for k in fields} == {k: expected[k] for k in fields}
        assert set(verdict) == set(expected)
    statuses = {v["status"] for v in served}
    assert {"correct", "incorrect"} <= statuses and not statuses & {"timeout", "error"}


# --- the store ----------------------------------------------------------------------------------------------

def test_run_keeps_every_verdict_and_answers_a_resent_sample_from_the_store(tmp_path):
    db = tmp_path / "serve.db"
    problems = proctor.generate("arith.integer", n=3, seed=2)
    with Server("--port", "0", "--workers", "1", "--run", "rl", "--db", str(db), cwd=tmp_path) as srv:
        first = srv.post("/v1/grade", {"items": [
            {"problem": problems[0].to_dict(), "completion": boxed(problems[0].reference)},
            {"problem": problems[0].to_dict(), "completion": "7"},
            {"problem": problems[1].to_dict(), "completion": boxed(problems[1].reference), "sample": 5}]}).json()
        assert [v["sample"] for v in first["verdicts"]] == [0, 1, 5]  # next free sample numbers per problem
        with RunStore(db) as store:
            stored = {(v.id, v.sample): v.verdict.status for v in store.verdicts("rl")}
        assert stored == {(problems[0].id, 0): "correct", (problems[0].id, 1): first["verdicts"][1]["status"],
                          (problems[1].id, 5): "correct"}
        again = srv.post("/v1/grade", {"items": [{"problem": problems[1].to_dict(),
                                                  "completion": boxed(problems[1].reference), "sample": 5}]}).json()
        assert again["verdicts"][0] == first["verdicts"][2]  # the stored verdict, elapsed_ms and all
        conflict = srv.post("/v1/grade", {"items": [{"problem": problems[1].to_dict(), "completion": "other",
                                                     "sample": 5}]})
        assert conflict.status_code == 422 and conflict.json()["error"]["field"] == "items[0].completion"
        by_id = srv.post("/v1/grade", {"items": [{"problem_id": problems[0].id, "completion": "nope"}]}).json()
        assert by_id["verdicts"][0]["sample"] == 2  # problems of the run can be named by id
    with RunStore(db) as store:
        assert store.count("verdicts", "rl") == store.count("completions", "rl") == 4


def test_problems_can_be_named_by_id_from_a_file(tmp_path):
    problems = proctor.generate("math.linear", n=2, seed=8)
    path = tmp_path / "problems.jsonl"
    path.write_text("".join(p.to_json() + "\n" for p in problems))
    with Server("--port", "0", "--workers", "1", "--problems", str(path), cwd=tmp_path) as srv:
        answer = srv.post("/v1/rewards", {"items": [{"problem_id": problems[0].id, "completion": boxed(
            problems[0].reference)}, {"problem_id": problems[1].id, "completion": "x = 10^9"}]}).json()
    assert answer == {"rewards": [1.0, 0.0]}


# --- auth and refusals at start -----------------------------------------------------------------------------

def test_a_token_is_required_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVE_TEST_TOKEN", TOKEN)
    with Server("--port", "0", "--workers", "1", "--token-env", "SERVE_TEST_TOKEN", cwd=tmp_path) as srv:
        body = {"items": [item()]}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                        {"Authorization": f"Basic {TOKEN}"}):
            answer = srv.post("/v1/grade", body, headers=headers)
            assert answer.status_code == 401, headers
            assert answer.headers["WWW-Authenticate"] == "Bearer"
            check("error", answer.json())
        assert requests.get(srv.url + "/metrics").status_code == 401
        assert requests.get(srv.url + "/healthz").status_code == 200  # probes stay open
        assert srv.post("/v1/grade", body, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert remote(srv.url, token_env="SERVE_TEST_TOKEN").rewards([item()]) == [1.0]
        with pytest.raises(RequestRejected, match="401"):
            remote(srv.url).rewards([item()])


@pytest.mark.parametrize("args, env, says", [
    (["--host", "0.0.0.0"], {}, "--host 0.0.0.0: binding beyond loopback needs a bearer token"),
    (["--host", "192.0.2.1"], {}, "needs a bearer token"),
    (["--token-env", "NOT_SET_ANYWHERE"], {}, "NOT_SET_ANYWHERE is not set"),
    (["--token-env", "SHORT"], {"SHORT": "abc"}, "use at least 16"),
    (["--sandbox", "process"], {}, "forced with --allow-unsafe-process"),
    (["--ray-address", "10.0.0.5:6379"], {}, "--ray-address needs --executor ray"),
    (["--executor", "dask"], {}, "invalid choice: 'dask'"),
    (["--max-items", "100", "--max-queue", "10"], {}, "could never be admitted"),
    (["--workers", "0"], {}, "at least 1 worker"),
    (["--openrlhf-unscored", "zero"], {}, "'group-mean' or a number"),
    (["--problems", "/nonexistent/problems.jsonl"], {}, "no such file"),
])
def test_refusals_at_start_are_one_line_and_exit_2(args, env, says):
    result = serve_cli("--port", "0", *args, env=env)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_taken_port_is_exit_3():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = serve_cli("--port", str(taken.getsockname()[1]))
    assert result.returncode == 3 and "cannot listen on 127.0.0.1" in result.stderr


def test_the_process_sandbox_only_when_forced(tmp_path):
    with Server("--port", "0", "--workers", "1", "--sandbox", "process", "--allow-unsafe-process",
                cwd=tmp_path) as srv:
        assert "WITHOUT isolation" in srv.stderr
        assert srv.post("/v1/grade", {"items": [item(metadata={"sandbox": "bwrap"})]}).status_code == 422


def test_a_check_reference_from_a_request_never_runs_outside_the_sandbox(server, tmp_path):
    """HumanEval's 'check' references run their canonical solution and test outside the sandbox (to record
    the official check): from a request, only the server's own, unchanged, are taken."""
    canary = tmp_path / "ran-outside-the-sandbox"
    real = proctor.generate("code.humaneval", n=164, seed=0)[0]
    payload = f"open({str(canary)!r}, 'w').write('x')\n"
    forged = dict(real.to_dict(), reference=dict(real.reference, canonical_solution=real.reference[
        "canonical_solution"] + "\n" + payload))
    solution = f"```python\n{real.reference['prompt']}{real.reference['canonical_solution']}\n```"
    for item_ in ({"problem": forged, "completion": solution},
                  {"task": "code.humaneval", "reference": forged["reference"], "completion": solution},
                  {"problem": dict(forged, id="mine/1"), "completion": solution}):
        answer = server.post("/v1/grade", {"items": [item_]})
        assert answer.status_code == 422, answer.text
        assert "outside the sandbox" in answer.json()["error"]["message"]
    assert not canary.exists()
    genuine = server.post("/v1/grade", {"items": [{"problem": real.to_json(), "completion": solution}]})
    assert genuine.json()["verdicts"][0]["status"] == "correct"
