"""The plug-in contract, as a third-party author meets it: declared hooks with
defaults, declared names, keyword-only Param and Verdict factories, one guard
path in Grader, and the contract's version checked at load."""
import json
import random
import textwrap
import time

import pytest

import proctor
from proctor import graders, tasks
from proctor.graders import Grader, Problem, Verdict
from proctor.registry import PLUGIN_API, Registry, RegistryError
from proctor.tasks import Param, Task

PLUGIN = '''
from proctor.graders import Grader, Verdict
from proctor.tasks import Param, Task


class Echo(Grader):
    name = {grader_name!r}
    plugin_api = {api}

    def check(self, problem, completion):
        return Verdict.correct(extracted=completion)


class Count(Task):
    name = {task_name!r}
    grader = "echo"
    plugin_api = {api}
    params = (Param(name="difficulty", type=int, default=1, low=1, high=5),)

    def make(self, rng, params):
        a = rng.randint(0, 10 ** 9)
        return f"Say {{a}}.", str(a)


class NotAGrader:
    name = "echo"
    plugin_api = {api}


class NeedsGpu(Grader):
    name = "needs_gpu"

    def preflight(self):
        raise RuntimeError("no GPU on this machine")

    def check(self, problem, completion):
        return Verdict.correct(extracted=completion)
'''


def install(tmp_path, monkeypatch, *, group: str, entry: str, grader_name="echo", task_name="count.up",
            api=PLUGIN_API):
    """A distribution with one entry point, importable from tmp_path, as pip would leave it.
    Its module is named after the group: each test imports a fresh one."""
    module = "plugin_" + group.replace(".", "_").replace("-", "_")
    entry = entry.replace("contract_plugin", module)
    site = tmp_path / "site"
    info = site / f"{module}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{entry}\n")
    (site / f"{module}.py").write_text(PLUGIN.format(grader_name=grader_name, task_name=task_name, api=api))
    monkeypatch.syspath_prepend(str(site))
    return site


def test_the_contract_version_is_public():
    assert proctor.PLUGIN_API == PLUGIN_API == 1
    assert Grader.plugin_api == Task.plugin_api == PLUGIN_API


def test_a_plug_in_written_for_another_contract_is_refused_in_one_line(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, group="proctor.test-api", entry="echo = contract_plugin:Echo", api=2)
    registry = Registry("grader", "proctor.test-api", base=Grader)
    with pytest.raises(RegistryError) as info:
        registry.get("echo")
    message = str(info.value)
    assert "\n" not in message
    assert "'echo'" in message and "plugin_proctor_test_api:Echo" in message
    assert "declares plugin API 2" in message and f"supports plugin API {PLUGIN_API}" in message


def test_the_cli_refuses_it_as_bad_input(cli, tmp_path, monkeypatch):
    site = install(tmp_path, monkeypatch, group="proctor.tasks", entry="count.up = contract_plugin:Count", api=7)
    result = cli("generate", "count.up", "--n", "2", env={"PYTHONPATH": str(site)})
    assert result.code == 2
    assert result.err.strip().count("\n") == 0 and "Traceback" not in result.err
    assert "declares plugin API 7" in result.err


def test_a_failing_preflight_stops_a_run_before_grading(cli, tmp_path, monkeypatch):
    site = install(tmp_path, monkeypatch, group="proctor.graders", entry="needs_gpu = contract_plugin:NeedsGpu")
    env = {"PYTHONPATH": str(site)}
    assert cli("generate", "arith.integer", "--n", "2", "-o", "p.jsonl", env=env).code == 0
    ids = [json.loads(line)["id"] for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps({"id": i, "completion": "4"}) + "\n" for i in ids))
    result = cli("grade", "p.jsonl", "c.jsonl", "--grader", "needs_gpu", env=env)
    assert result.code == 3
    assert "grader needs_gpu cannot work here: RuntimeError: no GPU on this machine" in result.err
    assert result.err.strip().count("\n") == 0


def test_a_name_other_than_the_registered_one_is_refused(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, group="proctor.test-names", entry="echo = contract_plugin:Echo",
            grader_name="shout")
    registry = Registry("grader", "proctor.test-names", base=Grader)
    with pytest.raises(RegistryError, match=r"grader 'echo' .* declares name 'shout'; set name = 'echo'"):
        registry.get("echo")


def test_a_missing_name_is_refused_not_assigned(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, group="proctor.test-noname", entry="count.up = contract_plugin:Count",
            task_name="")
    registry = Registry("task", "proctor.test-noname", base=Task)
    with pytest.raises(RegistryError, match="declares name ''"):
        registry.get("count.up")


def test_an_object_of_the_wrong_kind_is_refused(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, group="proctor.test-kind", entry="echo = contract_plugin:NotAGrader")
    registry = Registry("grader", "proctor.test-kind", base=Grader)
    with pytest.raises(RegistryError, match="not a subclass of proctor.graders.base.Grader"):
        registry.get("echo")


def test_built_ins_declare_their_names():
    for name in tasks.BUILTINS:
        assert type(tasks.get(name)).name == name
    for name in graders.BUILTINS:
        assert type(graders.get(name)).name == name


class Squares(Task):
    name = "test.squares"
    grader = "numeric"
    params = (Param(name="difficulty", type=int, default=1, low=1, high=3),)

    def make(self, rng: random.Random, params: dict):
        a = rng.randint(1, 10 ** params["difficulty"])
        return f"What is {a} squared?", str(a * a)


def test_an_unregistered_instance_makes_the_registered_problems():
    registry = Registry("task", "proctor.test-none", base=Task)
    registry.register("test.squares")(Squares)
    registered = registry.get("test.squares").generate(5, seed=3)
    direct = Squares().generate(5, seed=3)
    assert [p.to_json() for p in direct] == [p.to_json() for p in registered]
    assert all(p.id.startswith("test.squares/") for p in direct)


def test_a_task_without_a_name_refuses_to_generate():
    class Nameless(Squares):
        name = ""

    with pytest.raises(TypeError, match="Nameless declares no name"):
        Nameless().generate(1, seed=0)


def test_param_and_verdict_factories_take_keywords_only():
    with pytest.raises(TypeError):
        Param("difficulty", int, 1, 1, 5)
    assert Param(name="difficulty", type=int, default=1, low=1, high=5).allowed() == "an integer from 1 to 5"
    with pytest.raises(TypeError):
        Verdict.correct("42")
    with pytest.raises(TypeError):
        Verdict.unparsable("no number")
    # The same two names on every factory.
    made = [factory(extracted="x", reason="why") for factory in
            (Verdict.correct, Verdict.incorrect, Verdict.unparsable, Verdict.timeout, Verdict.error)]
    assert [v.status for v in made] == ["correct", "incorrect", "unparsable", "timeout", "error"]
    assert all(v.extracted == "x" and v.reason == "why" for v in made)
    assert Verdict.incorrect(extracted="x", score=0.5, matched=3).details == {"matched": 3}


class Fragile(Grader):
    """A grader that trusts its input completely: it would crash on anything odd."""

    name = "test.fragile"
    seen: list = []

    def check(self, problem, completion):
        Fragile.seen.append(completion)
        completion.encode("utf-8")  # raises on a lone surrogate
        assert "\0" not in completion
        return Verdict.correct(extracted=completion[:10])


@pytest.mark.parametrize("completion, reason", [
    (None, "not text (got NoneType)"),
    (b"42", "not text (got bytes)"),
    ("x" * (Grader.max_completion_chars + 1), "too large"),
    ("Answer: 4\0", "NUL character at 9"),
    ("Answer: \ud800 4", "lone surrogate U+D800 at 8"),
])
def test_one_guard_path_screens_what_check_never_sees(completion, reason):
    Fragile.seen.clear()
    verdict = Fragile().grade(Problem("p", "t", "prompt", "4"), completion)
    assert verdict.status == "unparsable" and reason in verdict.reason
    assert Fragile.seen == []
    assert Fragile().grade(Problem("p", "t", "prompt", "4"), "Answer: 4 \U0001F600").status == "correct"


def test_the_guard_limit_is_a_declared_hook():
    class Short(Fragile):
        name = "test.short"
        max_completion_chars = 5

    assert "longer than 5" in Short().grade(Problem("p", "t", "q", "4"), "123456").reason


def test_a_grader_may_not_replace_the_guard_path():
    with pytest.raises(TypeError, match="overrides Grader.grade; implement check"):
        class Bypass(Grader):
            name = "test.bypass"

            def grade(self, problem, completion):
                return Verdict.correct()


@graders.register("test.slow_with_budget")
class SlowWithBudget(Grader):
    name = "test.slow_with_budget"
    time_budget_seconds = 6.0

    def check(self, problem, completion):
        time.sleep(1.5)
        return Verdict.correct(extracted=completion)


def test_the_pool_reads_the_declared_time_budget():
    """Past the pool's 0.5 s timeout but inside the grader's declared budget: graded, not killed."""
    problem = Problem("p", "arith.integer", "q", "4")
    [result] = proctor.grade([problem], [("p", "4")], grader="test.slow_with_budget", timeout=0.5, workers=1)
    assert result.verdict.status == "correct"


def test_default_hooks_are_declared():
    grader = Fragile()
    assert grader.preflight() is None and grader.close() is None
    assert grader.time_budget_seconds == 0.0 and grader.needs_sandbox is False and grader.version == "1"
    task = Squares()
    [problem] = task.generate(1, seed=1)
    assert task.capacity({"difficulty": 1}) is None
    assert task.reference_completion(problem) == problem.reference
    assert task.perturbed_completions(problem) != [problem.reference]


def test_the_plug_in_guide_names_every_declared_hook():
    """Each hook a plug-in can declare or write is in the README's contract table."""
    readme = (textwrap.dedent(open(__file__.replace("tests/test_plugin_contract.py", "README.md")).read()))
    for hook in ("name", "version", "plugin_api", "needs_sandbox", "time_budget_seconds", "max_completion_chars",
                 "check", "preflight", "close", "grader", "description", "params", "make", "capacity",
                 "reference_completion", "perturbed_completions"):
        assert f"`{hook}" in readme, hook


def test_the_default_near_miss_changes_one_letter_or_digit():
    from proctor.tasks.base import near_miss

    assert [near_miss(t) for t in ("tobor", "x = 19", "Zz", "\\{1, 2\\}", "")] == \
        ["tobos", "x = 10", "Za", "\\{1, 3\\}", "x"]
