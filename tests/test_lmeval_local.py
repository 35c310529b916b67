"""lm-eval for real, offline, against the bundled SmolLM2 served by llama-cpp-python on 127.0.0.1.

Three paths over the same seeded problems, every built-in family, must agree:
1. the exported YAML folder under the real `lm_eval` CLI (lm-eval's metric = proctor's grader);
2. `proctor grade --from-lm-eval` re-grading that CLI's sample logs;
3. `proctor run --model lm-eval:local-chat-completions` (lm-eval's model class driven by proctor).
Greedy decoding with a fixed seed makes the model's answers identical on every path.
Sizes are tiny: the model writes about 150 tokens/s on a quiet 2-core machine.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lm_eval", reason="lm-eval is a dev extra: pip install -e '.[dev]'")

from model_server import model_server  # noqa: E402,F401  (the session fixture)

import proctor  # noqa: E402
from proctor.models import open_model  # noqa: E402
from proctor.models.base import Request  # noqa: E402
from proctor.suite import Decoding  # noqa: E402

# Every built-in family, a problem or a few each; max_tokens keeps answers short. arith at
# difficulty 1 is where this model is neither always right nor always wrong.
from proctor import tasks  # noqa: E402

SIZES_BY_FAMILY = {name: {"arith.integer": 4, "math.linear": 2}.get(name, 1) for name in sorted(tasks.BUILTINS)}
SUITE = 'name = "local"\n[defaults]\nmax_tokens = 40\nseed = 4\n' + "".join(
    f'[[family]]\ntask = "{name}"\nn = {n}\n'
    + ("params = { difficulty = 1 }\n" if name in ("arith.integer", "json.extract") else "")
    + ("max_tokens = 96\n" if name.startswith("code.") else "")
    for name, n in SIZES_BY_FAMILY.items())
FAMILIES = {"proctor_" + name.replace(".", "_"): name for name in SIZES_BY_FAMILY}
SIZES = {lm_task: SIZES_BY_FAMILY[name] for lm_task, name in FAMILIES.items()}


def chat_args(server) -> str:
    return f"model={server.model},base_url={server.chat_url},tokenizer_backend=None,max_retries=2,timeout=120"


def test_lm_eval_chat_backend_generates_deterministically(model_server):
    problems = proctor.generate("arith.integer", n=2, seed=1)
    requests = [Request((p.id, 0), p.prompt, Decoding(0.0, 24, ()), 0) for p in problems]
    model = open_model("lm-eval:local-chat-completions", chat_args(model_server))
    first = dict(model.generate(requests))
    second = dict(open_model("lm-eval:local-chat-completions", chat_args(model_server)).generate(requests))
    assert set(first) == {(p.id, 0) for p in problems}
    assert all(isinstance(t, str) and t.strip() for t in first.values()), first
    assert first == second  # greedy, seeded: the same text on re-run
    assert model.describe()["apply_chat_template"] is True


def test_lm_eval_completions_backend_reaches_the_server(model_server):
    model = open_model("lm-eval:local-completions", f"model={model_server.model},base_url="
                       f"{model_server.completions_url},tokenizer_backend=None,max_retries=2")
    request = Request(("q", 0), "Question: What is 2 + 2?\nAnswer: 2 + 2 =", Decoding(0.0, 6, ("\n",)), 0)
    ((key, text),) = list(model.generate([request]))
    assert key == ("q", 0) and isinstance(text, str) and "\n" not in text


@pytest.fixture(scope="module")
def cli_run(model_server, tmp_path_factory):
    """The exported folder under the real lm_eval CLI, with sample logs."""
    base = tmp_path_factory.mktemp("lmeval_local")
    (base / "local.toml").write_text(SUITE)
    env = dict(os.environ, PROCTOR_DB=str(base / "proctor.db"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false")
    export = subprocess.run([sys.executable, "-m", "proctor.cli", "lm-eval-tasks", base / "tasks_out",
                             "--suite", base / "local.toml"], capture_output=True, text=True, env=env, timeout=120)
    assert export.returncode == 0, export.stderr
    lm_eval_cli = Path(sys.executable).with_name("lm_eval")
    done = subprocess.run([str(lm_eval_cli), "--include_path", str(base / "tasks_out"), "--tasks", "proctor_local",
                           "--model", "local-chat-completions", "--model_args", chat_args(model_server),
                           "--apply_chat_template", "--log_samples", "--output_path", str(base / "out"),
                           "--confirm_run_unsafe_code"],
                          capture_output=True, text=True, env=env, timeout=900, cwd=base)
    assert done.returncode == 0, done.stderr[-3000:]
    (results_file,) = (base / "out").rglob("results_*.json")
    return base, env, json.loads(results_file.read_text())


def proctor_cli(env, *args):
    done = subprocess.run([sys.executable, "-m", "proctor.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def report(env, run: str) -> dict[str, dict]:
    rows = json.loads(proctor_cli(env, "report", run, "--json").stdout)
    return {row["task"]: row for row in rows}


def lm_eval_metric(results: dict, task: str, metric: str) -> float:
    (value,) = [v for k, v in results["results"][task].items() if k.startswith(metric + ",")]  # one filter
    return value


def assert_agrees(row: dict, results: dict, task: str) -> None:
    """proctor leaves grader failures out of the accuracy, lm-eval counts them 0: with one sample per
    item, lm-eval's acc times all items equals proctor's accuracy times the scored items."""
    assert row["samples"] == SIZES[task]
    assert lm_eval_metric(results, task, "unscored") * row["samples"] == pytest.approx(row["unscored"])
    scored_sum = (row["accuracy"] or 0.0) * row["items"]
    assert lm_eval_metric(results, task, "acc") * row["samples"] == pytest.approx(scored_sum)


def test_exported_tasks_run_under_the_lm_eval_cli(cli_run):
    base, _, results = cli_run
    for task in FAMILIES:
        assert 0.0 <= lm_eval_metric(results, task, "acc") <= 1.0
        (log,) = (base / "out").rglob(f"samples_{task}_*.jsonl")
        lines = [json.loads(x) for x in log.read_text().splitlines()]
        assert len(lines) == SIZES[task]
        assert all(line["resps"][0][0].strip() for line in lines)  # the model really answered


def test_regrading_the_cli_logs_matches_lm_evals_metric(cli_run):
    base, env, results = cli_run
    for task, proctor_task in FAMILIES.items():
        (log,) = (base / "out").rglob(f"samples_{task}_*.jsonl")
        proctor_cli(env, "grade", "--from-lm-eval", log, "--run", f"regrade-{task}")
        assert_agrees(report(env, f"regrade-{task}")[proctor_task], results, task)


def test_proctor_run_through_lm_evals_model_class_agrees(cli_run, model_server):
    base, env, results = cli_run
    proctor_cli(env, "run", base / "local.toml", "--model", "lm-eval:local-chat-completions",
                "--model-args", chat_args(model_server), "--run", "direct")
    direct = report(env, "direct")
    for task, proctor_task in FAMILIES.items():
        assert_agrees(direct[proctor_task], results, task)


def test_sampling_is_seeded_per_request(model_server):
    """At temperature > 0 each request's own seed reaches the server: k samples differ, and reproduce.

    Measured here: llama-cpp-python's server samples a prompt's first (cold) request differently
    from later ones that reuse its prompt cache, even with the same seed; so one warm-up first."""
    model = open_model("lm-eval:local-chat-completions", chat_args(model_server))
    decoding = Decoding(1.0, 16, ())
    prompt = "Write one short sentence about the sea."
    list(model.generate([Request(("warm-up", 0), prompt, decoding, 0)]))
    first = dict(model.generate([Request(("s", i), prompt, decoding, seed) for i, seed in enumerate((1, 2, 3))]))
    again = dict(model.generate([Request(("s", 0), prompt, decoding, 1)]))
    assert again[("s", 0)] == first[("s", 0)]
    assert len(set(first.values())) > 1, first
