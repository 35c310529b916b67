"""proctor <-> lm-eval without a real model: the export (task configs, YAML folder), the bridge
lm-eval calls, the sample-log import, and `--model lm-eval:NAME` on lm-eval's own `dummy` model.

lm-eval runs for real here (0.4.13, TaskManager, evaluator, sample logging); the
model is either lm-eval's `dummy` or an oracle LM registered below that answers
every even doc with its reference, so the expected accuracy is known exactly.
tests/test_lmeval_local.py does the same against the real local model.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

lm_eval = pytest.importorskip("lm_eval", reason="lm-eval is a dev extra: pip install -e '.[dev]'")

import lm_eval.models  # noqa: E402,F401  (lm-eval's built-in models, before ours joins the registry)
from lm_eval.api.model import LM  # noqa: E402
from lm_eval.api.registry import register_model  # noqa: E402

import proctor  # noqa: E402
from proctor.errors import BadInput, InfrastructureError  # noqa: E402
from proctor.lmeval import task_configs, task_name, write_task_folder  # noqa: E402
from proctor.lmeval.bridge import DOC_FIELDS, build_dataset, doc_problem, problem_doc, process_results  # noqa: E402
from proctor.models import open_model  # noqa: E402
from proctor.models.base import Request  # noqa: E402
from proctor.suite import Decoding, load_suite  # noqa: E402

TINY = """
name = "tiny"
[defaults]
max_tokens = 32
[[family]]
task = "arith.integer"
n = 6
seed = 3
params = { difficulty = 2 }
[[family]]
task = "math.linear"
n = 4
seed = 1
[[family]]
task = "code.functions"
n = 2
seed = 1
k = 2
temperature = 0.7
"""


@register_model("proctor-test-oracle")
class OracleLM(LM):
    """Answers even docs with their reference (as \\boxed{...}) and odd docs with nonsense."""

    def __init__(self, **kwargs):
        super().__init__()

    def generate_until(self, requests, disable_tqdm: bool = False):
        out = []
        for request in requests:
            doc = request.doc
            if request.doc_id % 2 == 0 and isinstance(doc.get("target"), str):
                out.append(f"Let me think. \\boxed{{{doc['target']}}}")
            else:
                out.append("no idea")
        return out

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError


@pytest.fixture
def suite_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def evaluate_and_log(tasks, out_dir: Path, model="proctor-test-oracle"):
    """simple_evaluate without lm-eval's built-in task index, samples written as the CLI writes them."""
    from lm_eval import simple_evaluate
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager

    tracker = EvaluationTracker(output_path=str(out_dir))
    results = simple_evaluate(model=model, tasks=tasks, task_manager=TaskManager(include_defaults=False),
                              evaluation_tracker=tracker, log_samples=True, confirm_run_unsafe_code=True,
                              bootstrap_iters=0)
    samples = results.pop("samples")
    tracker.save_results_aggregated(results=results, samples=samples)
    for name in results["configs"]:
        tracker.save_results_samples(task_name=name, samples=samples[name])
    return results


def sample_file(out_dir: Path, task: str) -> Path:
    (found,) = out_dir.rglob(f"samples_{task}_*.jsonl")
    return found


def report(cli, run: str) -> dict:
    done = cli("report", run, "--json")
    assert done.code == 0, done.err
    return {row["task"]: row for row in json.loads(done.out)}


# --- export ----------------------------------------------------------------------------

def test_task_configs_carry_seed_decoding_and_the_unsafe_flag(suite_file):
    configs = {c["task"]: c for c in task_configs(suite_file)}
    assert sorted(configs) == ["proctor_arith_integer", "proctor_code_functions", "proctor_math_linear"]
    arith = configs["proctor_arith_integer"]
    assert arith["metadata"]["proctor_seed"] == 3 and arith["metadata"]["proctor_n"] == 6
    assert arith["metadata"]["proctor_params"]["difficulty"] == 2
    assert arith["generation_kwargs"] == {"until": [], "max_gen_toks": 32, "temperature": 0.0, "do_sample": False}
    assert arith["unsafe_code"] is False and configs["proctor_code_functions"]["unsafe_code"] is True
    code = configs["proctor_code_functions"]
    assert code["repeats"] == 2 and code["filter_list"][0]["filter"][0] == {"function": "take_first_k", "k": 2}
    assert arith["tag"] == ["proctor", "proctor_tiny"]


def test_the_dataset_is_the_seeded_problems_and_docs_round_trip():
    kwargs = dict(proctor_task="arith.integer", proctor_n=5, proctor_seed=8, proctor_params={"difficulty": 3},
                  config_source="inline", version="1", base_url="http://ignored",
                  seed=99)  # lm-eval merges --model_args into metadata: a backend's seed= must not reseed
    first, second = build_dataset(**kwargs)["test"], build_dataset(**kwargs)["test"]
    assert list(first) == list(second)
    problems = proctor.generate("arith.integer", n=5, seed=8, difficulty=3)
    assert [doc_problem(d) for d in first] == problems
    assert list(first)[0] == problem_doc(problems[0], "numeric")
    with pytest.raises(ValueError, match="proctor_task"):
        build_dataset(version="1")


def test_process_results_grades_with_proctors_grader():
    problem = proctor.generate("arith.integer", n=1, seed=1)[0]
    doc = problem_doc(problem, "numeric")
    assert process_results(doc, [f"\\boxed{{{problem.reference}}}"]) == {"acc": 1.0, "unscored": 0.0}
    assert process_results(doc, ["\\boxed{" * 1000]) == {"acc": 0.0, "unscored": 0.0}
    assert process_results(doc, [[f"{problem.reference}", "nope"]]) == {"acc": 0.5, "unscored": 0.0}  # k = 2
    assert process_results(dict(doc, grader="test.raises"), ["x"]) == {"acc": 0.0, "unscored": 1.0}


def test_simple_evaluate_with_task_configs_scores_exactly(suite_file, tmp_path):
    results = evaluate_and_log(task_configs(suite_file)[:2], tmp_path / "out")
    # the oracle answers docs 0, 2, 4 of 6 and 0, 2 of 4
    assert results["results"]["proctor_arith_integer"]["acc,none"] == pytest.approx(3 / 6)
    assert results["results"]["proctor_math_linear"]["acc,none"] == pytest.approx(2 / 4)


def test_the_yaml_folder_loads_through_lm_evals_own_loader(suite_file, tmp_path):
    from lm_eval.tasks import TaskManager
    from lm_eval.tasks._yaml_loader import load_yaml

    from proctor.lmeval import bridge as lmeval_bridge

    written = write_task_folder(tmp_path / "tasks_dir", load_suite(suite_file))
    assert sorted(p.name for p in written) == ["proctor_arith_integer.yaml", "proctor_code_functions.yaml",
                                               "proctor_math_linear.yaml"]
    config = load_yaml(written[0], resolve_func=True)
    assert config["custom_dataset"] is lmeval_bridge.build_dataset
    assert config["process_results"] is lmeval_bridge.process_results
    manager = TaskManager(include_path=str(tmp_path / "tasks_dir"), include_defaults=False)
    loaded = manager.load(["proctor_tiny"])  # the suite's tag selects all its families
    assert sorted(loaded["tasks"]) == ["proctor_arith_integer", "proctor_code_functions", "proctor_math_linear"]
    docs = list(loaded["tasks"]["proctor_arith_integer"].test_docs())
    assert [doc_problem(d) for d in docs] == proctor.generate("arith.integer", n=6, seed=3, difficulty=2)
    assert loaded["tasks"]["proctor_code_functions"].UNSAFE_CODE is True


def test_cli_writes_the_folder(suite_file, tmp_path, cli):
    done = cli("lm-eval-tasks", tmp_path / "folder", "--suite", suite_file)
    assert done.code == 0, done.err
    assert "--tasks proctor_tiny" in done.err and "--confirm_run_unsafe_code" in done.err
    text = (tmp_path / "folder" / "proctor_code_functions.yaml").read_text()
    assert "unsafe_code: true" in text and "!function proctor.lmeval.bridge.process_results" in text
    everything = cli("lm-eval-tasks", tmp_path / "all", "--n", "3")  # no suite: every registered task
    assert everything.code == 0, everything.err
    from proctor import tasks

    assert {p.stem for p in (tmp_path / "all").iterdir()} == {task_name(t) for t in tasks.names()}
    assert "--tasks proctor_all" in everything.err
    bad = cli("lm-eval-tasks", tmp_path / "f2", "--suite", tmp_path / "missing.toml")
    assert bad.code == 2 and "missing.toml: no such suite file" in bad.err


def test_one_task_as_two_named_families_becomes_two_lm_eval_tasks_and_comes_back_by_name(tmp_path, cli):
    suite = tmp_path / "levels.toml"
    suite.write_text('name = "levels"\n'
                     '[[family]]\ntask = "arith.integer"\nname = "arith.easy"\nn = 4\nparams = { difficulty = 1 }\n'
                     '[[family]]\ntask = "arith.integer"\nname = "arith.hard"\nn = 6\nparams = { difficulty = 5 }\n')
    configs = {c["task"]: c for c in task_configs(suite)}
    assert sorted(configs) == ["proctor_arith_easy", "proctor_arith_hard"]
    assert configs["proctor_arith_hard"]["metadata"]["proctor_task"] == "arith.integer"
    out = tmp_path / "out"
    evaluate_and_log(list(configs.values()), out)
    for task in configs:
        done = cli("grade", "--from-lm-eval", sample_file(out, task), "--run", "levels")
        assert done.code == 0, done.err
    rows = {row["family"]: row for row in json.loads(cli("report", "levels", "--json").out)}
    assert {name: (row["task"], row["items"]) for name, row in rows.items()} == {
        "arith.easy": ("arith.integer", 4), "arith.hard": ("arith.integer", 6)}
    assert rows["arith.hard"]["accuracy"] == pytest.approx(3 / 6)  # the oracle answers docs 0, 2, 4


def test_task_names_are_lm_eval_safe():
    assert task_name("math.linear") == "proctor_math_linear"
    assert task_name("my-plugin.thing/v2") == "proctor_my_plugin_thing_v2"


# --- import ------------------------------------------------------------------------------

def test_regrading_the_sample_log_gives_lm_evals_accuracy_keyed_by_doc_hash(suite_file, tmp_path, cli):
    out = tmp_path / "out"
    results = evaluate_and_log(task_configs(suite_file), out)
    db = tmp_path / "proctor.db"  # where the cli fixture keeps its store
    for task, proctor_task in [("proctor_arith_integer", "arith.integer"), ("proctor_math_linear", "math.linear"),
                               ("proctor_code_functions", "code.functions")]:
        log = sample_file(out, task)
        done = cli("grade", "--from-lm-eval", log, "--run", task)
        assert done.code == 0, done.err
        row = report(cli, task)[proctor_task]
        (lm_eval_acc,) = [v for k, v in results["results"][task].items() if k.startswith("acc,")]  # per filter
        assert row["accuracy"] == pytest.approx(lm_eval_acc)
        assert row["samples"] == (4 if proctor_task == "code.functions" else row["items"])  # k = 2 kept
    from proctor.store import RunStore

    with RunStore(db) as store:
        hashes = {json.loads(line)["doc_hash"] for line in sample_file(out, "proctor_arith_integer").open()}
        assert {v.id for v in store.verdicts("proctor_arith_integer")} == hashes


def test_two_checkpoints_logs_join_on_doc_hash(suite_file, tmp_path, cli):
    configs = task_configs(suite_file)[:1]
    evaluate_and_log(configs, tmp_path / "a", model="proctor-test-oracle")
    evaluate_and_log(configs, tmp_path / "b", model="dummy")
    db = tmp_path / "proctor.db"  # where the cli fixture keeps its store
    for run in ("a", "b"):
        done = cli("grade", "--from-lm-eval", sample_file(tmp_path / run, "proctor_arith_integer"),
                           "--run", run)
        assert done.code == 0, done.err
    from proctor.store import RunStore

    with RunStore(db) as store:
        a, b = store.run("a"), store.run("b")
        assert a.problem_set_hash == b.problem_set_hash
        assert a.model == "lm-eval:proctor-test-oracle" and b.model == "lm-eval:dummy"
        assert {v.id for v in store.verdicts("a")} == {v.id for v in store.verdicts("b")}
    assert report(cli, "a")["arith.integer"]["accuracy"] == pytest.approx(0.5)
    assert report(cli, "b")["arith.integer"]["accuracy"] == 0.0


def write_lines(path: Path, lines) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def foreign(doc_id: int, answer: str, target: str, filter_name="none") -> dict:
    """A line as lm-eval logs a task proctor did not write (a gsm8k-like doc)."""
    doc = {"question": f"q{doc_id}", "answer": target}
    return {"doc_id": doc_id, "doc": doc, "target": target,
            "arguments": {"gen_args_0": {"arg_0": f"Question: q{doc_id}", "arg_1": {"until": ["\n"]}}},
            "resps": [[answer]], "filtered_resps": [answer], "filter": filter_name, "metrics": ["exact_match"],
            "doc_hash": f"hash{doc_id}", "prompt_hash": "p", "target_hash": "t", "exact_match": 0.0}


def test_a_foreign_log_is_graded_against_target_with_the_named_grader(tmp_path, cli):
    log = write_lines(tmp_path / "samples_gsm8k_2026-01-02T03-04-05.678901.jsonl", [
        foreign(0, "so it is 72", "72"), foreign(1, "it is 5", "6"),
        foreign(0, "[invalid]", "72", filter_name="flexible-extract"),  # a second filter: skipped
        foreign(2, "The answer is 10", "10"),
    ])
    db = tmp_path / "proctor.db"  # where the cli fixture keeps its store
    done = cli("grade", "--from-lm-eval", log, "--grader", "numeric", "--run", "g", "-o", tmp_path / "v.jsonl")
    assert done.code == 0, done.err
    verdicts = [json.loads(x) for x in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert sorted((v["id"], v["status"]) for v in verdicts) == [("hash0", "correct"), ("hash1", "incorrect"),
                                                                ("hash2", "correct")]
    row = report(cli, "g")["gsm8k"]  # the task name comes from the file name
    assert row["accuracy"] == pytest.approx(2 / 3) and row["items"] == 3
    missing = cli("grade", "--from-lm-eval", log, "--run", "h")
    assert missing.code == 2 and "--grader" in missing.err


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ({"doc": {}, "resps": [["x"]]}, "missing field 'doc_hash'"),
    ({"doc_hash": "h", "doc": {}, "target": "1", "resps": [[[-1.5, True]]]}, "only generate_until tasks"),
    ({"doc_hash": "h", "doc": {}, "target": "1"}, "missing field 'resps'"),
    ({"doc_hash": "h", "doc": {}, "resps": [["1"]]}, "missing field 'target'"),
    ({"doc_hash": "h", "doc": {}, "target": "1", "resps": []}, "non-empty list"),
    ([1, 2], "expected a JSON object"),
    ({"doc_hash": "h", "doc": {f: "{oops" for f in DOC_FIELDS}, "target": "1", "resps": [["1"]]},
     "a proctor doc whose reference or metadata is not valid"),
])
def test_bad_sample_lines_exit_2_naming_file_and_line(tmp_path, line, message, cli):
    log = write_lines(tmp_path / "samples_x_2026-01-01T00-00-00.jsonl", [foreign(0, "1", "1"), line])
    done = cli("grade", "--from-lm-eval", log, "--grader", "numeric")
    assert done.code == 2, done.err
    assert f"{log}:2:" in done.err and message in done.err
    assert "Traceback" not in done.err and len(done.err.strip().splitlines()) == 1


def test_from_lm_eval_and_positional_files_are_exclusive(tmp_path, cli):
    log = write_lines(tmp_path / "samples_x_2026-01-01T00-00-00.jsonl", [foreign(0, "1", "1")])
    done = cli("grade", "a.jsonl", "--from-lm-eval", log)
    assert done.code == 2 and "takes the place of PROBLEMS" in done.err
    empty = write_lines(tmp_path / "samples_y_2026-01-01T00-00-00.jsonl", [])
    done = cli("grade", "--from-lm-eval", empty, "--grader", "numeric")
    assert done.code == 2 and "holds no samples" in done.err


# --- --model lm-eval:NAME ----------------------------------------------------------------

def requests(n: int, max_tokens: int = 8):
    return [Request((f"p{i}", 0), f"What is {i} + 1?", Decoding(0.0, max_tokens, ()), i) for i in range(n)]


def test_lm_eval_dummy_model_answers_every_request_in_chunks():
    model = open_model("lm-eval:dummy", "chunk=2")
    answers = list(model.generate(requests(5)))
    assert answers == [((f"p{i}", 0), "lol") for i in range(5)]
    assert model.describe()["class"] == "lm_eval.models.dummy.DummyLM"


def test_lm_eval_model_errors_are_one_clear_line():
    with pytest.raises(BadInput, match="lm-eval has no model 'nope'; registered: .*local-chat-completions"):
        open_model("lm-eval:nope", "")
    with pytest.raises(BadInput, match="not KEY=VALUE"):
        open_model("lm-eval:dummy", "oops")
    with pytest.raises(BadInput, match="chunk"):
        open_model("lm-eval:dummy", "chunk=0")
    with pytest.raises(BadInput, match="apply_chat_template"):
        open_model("lm-eval:dummy", "apply_chat_template=maybe")


def test_a_backend_missing_its_dependencies_is_an_infrastructure_error():
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed, so lm-eval's hf backend can load")
    with pytest.raises(InfrastructureError, match="torch"):
        open_model("lm-eval:hf", "pretrained=gpt2")


def test_an_unreachable_server_is_an_infrastructure_error():
    model = open_model("lm-eval:local-completions", "model=m,base_url=http://127.0.0.1:9/v1/completions,"
                                                    "tokenizer_backend=None,max_retries=1")
    with pytest.raises(InfrastructureError, match="failed to generate"):
        list(model.generate(requests(1)))
