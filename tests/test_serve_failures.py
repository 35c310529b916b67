"""`proctor serve` under failure, a real server subprocess on 127.0.0.1 each time:
a grader stuck in C code, a SIGKILLed server with clients retrying, SIGTERM
drain, a full queue (429), deadlines, and coalescing of concurrent requests.

Every loop here is bounded in count and time; traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import proctor
from proctor.rewards import remote
from proctor.serve.client import RewardUnavailable
from serve_support import Server


def sleepy(seconds: float, n: int = 1) -> list[dict]:
    return [{"task": "arith.integer", "reference": "0", "grader": "test.sleepy", "completion": f"sleep:{seconds}"}
            for _ in range(n)]


def metric(server: Server, name: str, **labels) -> float:
    text = requests.get(server.url + "/metrics", timeout=30).text
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_a_grader_stuck_in_c_costs_its_item_only_and_the_server_stays_live(tmp_path):
    with Server("--port", "0", "--workers", "2", "--timeout", "3", cwd=tmp_path) as srv:
        stuck = [{"task": "arith.integer", "reference": "0", "grader": "test.stuck_in_c", "completion": text}
                 for text in ("a", "b", "hang", "c", "d", "e")]
        with ThreadPoolExecutor(1) as pool:
            hanging = pool.submit(srv.post, "/v1/grade", {"items": stuck})
            time.sleep(0.5)
            # while one worker is stuck in sum(range(10**14)), the server answers and grades others
            assert requests.get(srv.url + "/healthz", timeout=5).json()["status"] == "ok"
            quick = srv.post("/v1/rewards", {"items": [{"task": "arith.integer", "reference": "4",
                                                        "completion": "4"}] * 5}, timeout=30)
            assert quick.json() == {"rewards": [1.0] * 5}
            assert not hanging.done()  # the quick request did not wait for the stuck item
            verdicts = hanging.result(timeout=120).json()["verdicts"]
        assert [v["status"] for v in verdicts] == ["correct", "correct", "timeout", "correct", "correct", "correct"]
        assert "worker was killed" in verdicts[2]["reason"]
        assert metric(srv, "proctor_items_graded_total", status="timeout") == 1


def test_a_sigkilled_server_costs_retries_never_a_wrong_score(tmp_path):
    """Clients keep sending through a SIGKILL and a restart on the same port: every item ends
    with the score its answer deserves; nothing is scored 0 for the outage."""
    problems = proctor.generate("arith.integer", n=40, seed=13)
    batches = [[{"problem": p.to_dict(), "grader": "test.sleepy" if j == 0 else "numeric",
                 "completion": "sleep:0.3" if j == 0 else (f"\\boxed{{{p.reference}}}" if i % 2 else "no")}
                for j, p in enumerate(problems[k:k + 4])] for i, k in enumerate(range(0, 40, 4))]
    expected = [[1.0] + [1.0 if i % 2 else 0.0] * 3 for i in range(len(batches))]
    first = Server("--port", "0", "--workers", "2", cwd=tmp_path)
    port = first.port
    reward = remote(first.url, retry_seconds=120, backoff_base=0.1, backoff_cap=1.0)
    results: list = []

    def train():
        for batch in batches:
            results.append(reward.rewards(batch))

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        while len(results) < 3:  # bounded by the thread's own retry budget
            time.sleep(0.05)
            assert trainer.is_alive() or len(results) == len(batches)
        first.kill()  # SIGKILL to the server and its workers, mid-stream
        time.sleep(1.0)
        with Server("--port", str(port), "--workers", "2", cwd=tmp_path):
            trainer.join(timeout=180)
            assert not trainer.is_alive()
    finally:
        first.kill()
    assert results == expected
    assert reward.stats["unanswered"] == 0 and reward.stats["retries"] >= 1
    assert reward.stats["connection_errors"] + reward.stats["http_503"] >= 1


def test_a_server_that_never_comes_back_leaves_items_unscored_not_zero(tmp_path):
    srv = Server("--port", "0", "--workers", "1", cwd=tmp_path)
    url = srv.url
    srv.kill()
    reward = remote(url, retry_seconds=2, backoff_base=0.1, backoff_cap=0.5)
    items = [{"task": "arith.integer", "reference": "4", "completion": "4"}] * 3
    assert reward.rewards(items) == [None, None, None]
    assert reward.stats["unanswered"] == 3 and reward.stats["connection_errors"] >= 2
    with pytest.raises(RewardUnavailable, match="pass remote\\(url, unscored=VALUE\\)"):
        reward.compute_score("proctor/arith.integer", "4", "4")
    assert remote(url, retry_seconds=0.5, unscored=0.5).compute_score("proctor/arith.integer", "4", "4") == 0.5


def test_sigterm_drains_in_flight_requests_then_exits_0(tmp_path):
    srv = Server("--port", "0", "--workers", "2", "--grace", "60", cwd=tmp_path)
    try:
        with ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(srv.post, "/v1/grade", {"items": sleepy(1.5, 3)})
            deadline = time.monotonic() + 30
            while metric(srv, "proctor_items_in_flight") < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            srv.signal(signal.SIGTERM)
            answer = in_flight.result(timeout=60)
        assert answer.status_code == 200, (answer.text, srv.stderr)
        assert [v["status"] for v in answer.json()["verdicts"]] == ["correct"] * 3
        assert srv.wait(timeout=60) == 0, srv.stderr
        assert "draining" in srv.stderr and "stopped (3 items graded: 3 correct)" in srv.stderr, srv.stderr
        with pytest.raises(requests.ConnectionError):
            requests.get(srv.url + "/healthz", timeout=5)
    finally:
        srv.kill()


def test_past_the_grace_period_the_server_stops_anyway(tmp_path):
    srv = Server("--port", "0", "--workers", "1", "--grace", "1", cwd=tmp_path)
    try:
        with ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(srv.post, "/v1/grade", {"items": sleepy(30)})
            time.sleep(1.0)
            srv.signal(signal.SIGTERM)
            assert srv.wait(timeout=60) == 0  # well before the 30 s item would have finished
            cut = in_flight.result(timeout=60)
        assert cut.status_code == 503 and cut.headers["Retry-After"]  # no score: a client retries it
        assert "grace period ended" in cut.json()["error"]["message"]
        assert "Traceback" not in srv.stderr
    finally:
        srv.kill()


def test_a_full_queue_answers_429_with_retry_after_and_loses_nothing(tmp_path):
    with Server("--port", "0", "--workers", "1", "--max-queue", "6", "--max-items", "4", cwd=tmp_path) as srv:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: srv.post("/v1/grade", {"items": sleepy(0.2, 4)}), range(8)))
        codes = sorted(a.status_code for a in answers)
        assert 429 in codes and 200 in codes and set(codes) <= {200, 429}, codes
        refused = next(a for a in answers if a.status_code == 429)
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["field"] == "items"
        admitted = sum(a.status_code == 200 for a in answers)
        assert metric(srv, "proctor_items_graded_total", status="correct") == 4 * admitted
        assert metric(srv, "proctor_rejected_items_total", reason="queue_full") == 4 * (8 - admitted)
        # the client retries 429s until every item is graded
        reward = remote(srv.url, backoff_base=0.05, concurrency=4, batch_items=4)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: reward.rewards(sleepy(0.1, 4)), range(4)))
        assert results == [[1.0] * 4] * 4
        assert reward.stats["http_429"] >= 1 and reward.stats["unanswered"] == 0


def test_items_not_started_by_the_deadline_come_back_timeout_never_wrong(tmp_path):
    with Server("--port", "0", "--workers", "1", cwd=tmp_path) as srv:  # 1 worker, 2 lanes
        with ThreadPoolExecutor(3) as pool:
            busy = []
            for _ in range(2):  # one at a time, so each takes a lane of its own
                busy.append(pool.submit(srv.post, "/v1/grade", {"items": sleepy(2.0)}))
                time.sleep(0.4)
            late = srv.post("/v1/grade", {"items": sleepy(0.0, 3), "deadline_seconds": 0.2})
            assert [b.result().status_code for b in busy] == [200, 200]
        verdicts = late.json()["verdicts"]
        assert [v["status"] for v in verdicts] == ["timeout"] * 3
        assert all("deadline_seconds" in v["reason"] and v["score"] == 0 for v in verdicts)
        rewards = srv.post("/v1/rewards", {"items": sleepy(0.0, 2), "deadline_seconds": 30}).json()
        assert rewards == {"rewards": [1.0, 1.0]}
        assert metric(srv, "proctor_deadline_expired_items_total") == 3


def test_concurrent_small_requests_are_coalesced_into_batches(tmp_path):
    with Server("--port", "0", "--workers", "1", cwd=tmp_path) as srv:
        with ThreadPoolExecutor(41) as pool:
            blockers = [pool.submit(srv.post, "/v1/grade", {"items": sleepy(1.0)}) for _ in range(2)]
            time.sleep(0.5)  # both lanes hold a slow item: what arrives now waits in the queue together
            small = [pool.submit(srv.post, "/v1/rewards", {"items": sleepy(0.0, 2)}) for _ in range(30)]
            assert all(f.result().json() == {"rewards": [1.0, 1.0]} for f in small)
            assert all(f.result().status_code == 200 for f in blockers)
        batches = metric(srv, "proctor_batch_items_count")
        assert metric(srv, "proctor_batch_items_sum") == 62
        assert batches <= 8, f"32 requests went to the pool in {batches:g} batches"


def test_a_run_killed_mid_grading_is_completed_by_the_next_server(tmp_path):
    """--run is crash-safe as `proctor grade --run` is: a SIGKILL leaves stored completions without
    verdicts; the next server with the same --run grades exactly those, once each."""
    from proctor.store import RunStore

    db = str(tmp_path / "serve.db")
    hold = tmp_path / "hold"  # the slow items wait while this file exists
    hold.write_text("")
    slow = [dict(item, completion=f"wait:{hold}") for item in sleepy(0.0, 2)]
    first = Server("--port", "0", "--workers", "2", "--run", "rl", "--db", db, cwd=tmp_path)
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(srv_post_quietly, first, {"items": sleepy(0.0, 2) + slow})
            deadline = time.monotonic() + 60
            while metric(first, "proctor_items_graded_total", status="correct") < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            first.kill()
            assert pending.result(timeout=60) is None  # the client got no answer, so no score
    finally:
        first.kill()
    hold.unlink()
    with RunStore(db) as store:
        assert store.count("completions", "rl") == 4 and store.count("verdicts", "rl") < 4
    with Server("--port", "0", "--workers", "2", "--run", "rl", "--db", db, cwd=tmp_path) as second:
        assert "grading" in second.stderr and "without a verdict" in second.stderr
        again = second.post("/v1/grade", {"items": [dict(slow[0], sample=2)]}, timeout=60).json()
        assert again["verdicts"][0]["status"] == "correct"
        assert metric(second, "proctor_items_graded_total") == 0  # answered from the store, not graded again
    with RunStore(db) as store:
        verdicts = list(store.verdicts("rl"))
    assert sorted(v.sample for v in verdicts) == [0, 1, 2, 3]
    assert {v.verdict.status for v in verdicts} == {"correct"}


def srv_post_quietly(server: Server, body: dict):
    try:
        return server.post("/v1/grade", body, timeout=120)
    except requests.ConnectionError:
        return None
