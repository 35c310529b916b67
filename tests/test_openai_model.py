"""`--model openai:MODEL@BASE_URL` against a real OpenAI-compatible server
(llama-cpp-python's server with the bundled model, started on 127.0.0.1)."""
import http.server
import json
import threading

import pytest
from model_server import model_server  # noqa: F401  (the session's real server)

from proctor.errors import InfrastructureError
from proctor.models.base import Request
from proctor.models.openai import OpenAIModel
from proctor.suite import Decoding

GREEDY = Decoding(temperature=0.0, max_tokens=24)


def requests(n):
    return [Request((f"p{i}", 0), f"Question: what is {i} + 1?\nAnswer:", GREEDY, 7) for i in range(n)]


@pytest.mark.parametrize("chat", [True, False])
def test_real_server_answers_and_the_cache_makes_a_rerun_free(model_server, tmp_path, chat):
    cache = tmp_path / "cache.sqlite"
    model = OpenAIModel(model_server.model, model_server.base_url, chat=chat, args=f"concurrency=2,cache={cache}")
    first = dict(model.generate(requests(4)))
    assert set(first) == {(f"p{i}", 0) for i in range(4)}
    assert all(isinstance(c.text, str) for c in first.values()) and any(c.text.strip() for c in first.values())
    # What the server said about each answer: how it ended, its tokens, and how long it took.
    for c in first.values():
        assert c.usage.finish_reason in ("stop", "length")
        assert c.usage.prompt_tokens > 5 and 0 < c.usage.completion_tokens <= GREEDY.max_tokens
        assert c.usage.latency_ms > 0
    assert model.requests_sent == 4
    model.close()

    again = OpenAIModel(model_server.model, model_server.base_url, chat=chat, args=f"cache={cache}")
    assert dict(again.generate(requests(4))) == first
    assert again.requests_sent == 0  # every answer came from the on-disk cache, usage and latency included
    again.close()


def test_proctor_run_through_the_server(cli, model_server, tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text('name = "srv"\n[defaults]\nmax_tokens = 32\n[[family]]\ntask = "arith.integer"\nn = 3\n')
    spec = f"openai:{model_server.model}@{model_server.base_url}"
    result = cli("run", suite, "--model", spec, "--model-args", f"cache={tmp_path / 'c.sqlite'}", "--run", "srv")
    assert result.code == 0, result.err
    assert "asked the model 3 times" in result.err and "arith.integer" in result.out


def test_answers_cut_at_max_tokens_show_in_the_report(cli, model_server, tmp_path):
    """Four tokens are too few for any answer: every completion ends with finish_reason "length"."""
    suite = tmp_path / "s.toml"
    suite.write_text('name = "cut"\n[defaults]\nmax_tokens = 4\n[[family]]\ntask = "math.linear"\n'
                     'name = "linear.short"\nn = 3\n')
    spec = f"openai:{model_server.model}@{model_server.base_url}"
    result = cli("run", suite, "--model", spec, "--model-args", f"cache={tmp_path / 'c.sqlite'}", "--run", "cut")
    assert result.code == 0, result.err
    [row] = json.loads(cli("report", "cut", "--json").out)
    assert row["family"] == "linear.short" and row["task"] == "math.linear"
    usage = row["usage"]
    assert usage["completions"] == 3 and usage["truncation_rate"] == 1.0
    assert usage["mean_completion_tokens"] == 4 and usage["mean_latency_ms"] > 0
    assert "100.0%" in cli("report", "cut").out
    exported = cli("export", "cut", "-o", tmp_path / "e.jsonl")
    assert exported.code == 0
    lines = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert {line["finish_reason"] for line in lines} == {"length"} and all(line["completion_tokens"] == 4
                                                                           for line in lines)
    assert {line["family"] for line in lines} == {"linear.short"}


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    """Answers 429 and 503 before succeeding; counts what it saw, and the auth header."""
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FlakyHandler.seen.append((self.path, self.headers.get("Authorization"), body))
        status = {1: 429, 2: 503}.get(len(FlakyHandler.seen), 200)
        payload = {"choices": [{"message": {"content": "\\boxed{2}"}}]} if status == 200 else {"error": "busy"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky_server():
    FlakyHandler.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_retries_on_429_and_5xx_and_sends_the_key_from_the_environment(flaky_server, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-test")
    model = OpenAIModel("m", flaky_server, args="retries=3,cache=off,api_key_env=MY_KEY")
    [(key, completion)] = list(model.generate(requests(1)))
    assert completion.text == "\\boxed{2}"
    assert completion.usage.finish_reason is None and completion.usage.completion_tokens is None  # not sent
    assert len(FlakyHandler.seen) == 3
    path, auth, body = FlakyHandler.seen[-1]
    assert path == "/v1/chat/completions" and auth == "Bearer sk-test"
    assert body["temperature"] == 0.0 and body["max_tokens"] == 24 and body["seed"] == 7


def test_gives_up_with_an_infrastructure_error(flaky_server):
    model = OpenAIModel("m", flaky_server, args="retries=1,cache=off")
    with pytest.raises(InfrastructureError, match="gave up after 2 attempts"):
        list(model.generate(requests(1)))


def test_unreachable_server_is_an_infrastructure_failure(cli, tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text('[[family]]\ntask = "arith.integer"\nn = 1\n')
    result = cli("run", suite, "--model", "openai:m@http://127.0.0.1:9/v1", "--model-args", "retries=0,cache=off")
    assert result.code == 3 and "gave up" in result.err and "Traceback" not in result.err
