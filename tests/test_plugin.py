"""A third-party package (examples/plugin) plugs a task and a grader in through
entry points, passes the conformance kit, and is the README's plug-in guide."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(ROOT / "examples" / "plugin")], check=True)
    return target


def test_plugin_is_listed_generated_and_graded(cli, tmp_path, plugin_path):
    env = {"PYTHONPATH": os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")])}
    listing = cli("tasks", env=env)
    assert listing.code == 0 and "wordplay.reverse" in listing.out and "exact_text" in listing.out
    assert "wordplay.reverse" not in cli("tasks").out  # only where the package is installed

    generated = cli("generate", "wordplay.reverse", "--n", "4", "--seed", "1", "--param", "difficulty=2",
                    "-o", "p.jsonl", env=env)
    assert generated.code == 0, generated.err
    problems = [json.loads(l) for l in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert len(problems) == 4
    completions = [{"id": p["id"], "completion": f"Here it is:\n{p['reference']}"} for p in problems[:3]]
    completions.append({"id": problems[3]["id"], "completion": "gnorw"})
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(c) + "\n" for c in completions))
    graded = cli("grade", "p.jsonl", "c.jsonl", "-o", "v.jsonl", env=env)
    assert graded.code == 0, graded.err
    verdicts = [json.loads(l) for l in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert [v["grader"] for v in verdicts] == ["exact_text"] * 4
    assert [v["status"] for v in verdicts] == ["correct"] * 3 + ["incorrect"]


def test_plugin_capacity_refusal(cli, plugin_path):
    env = {"PYTHONPATH": str(plugin_path)}
    result = cli("generate", "wordplay.reverse", "--n", "9", "--param", "difficulty=1", env=env)
    assert result.code == 2 and "only 8 distinct problems" in result.err


def run_pytest(*args, cwd, site) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def test_the_examples_own_conformance_test_passes(plugin_path):
    result = run_pytest("tests", cwd=ROOT / "examples" / "plugin", site=plugin_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 passed" in result.stdout


def test_the_pytest_option_runs_the_kit_without_a_test_file(plugin_path, tmp_path):
    result = run_pytest("-vv", "--proctor-conformance=wordplay.reverse,exact_text", cwd=tmp_path, site=plugin_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("deterministic", "distinct", "storable", "reference", "perturbed", "hostile"):
        assert f"proctor-conformance::wordplay.reverse:{check} PASSED" in result.stdout
    assert "proctor-conformance::exact_text:verdicts PASSED" in result.stdout


BROKEN = {
    # what is changed in the example -> (the check that must fail, words of its one-line reason)
    "grader passes everything": ("if answer == problem.reference:", "if answer:",
                                 "wordplay.reverse:perturbed", "a perturbed reference of problem wordplay.reverse/"),
    "draws depend on the hash seed": ("words = rng.sample(WORDS,", "words = rng.sample(sorted(WORDS, key=hash),",
                                      "wordplay.reverse:deterministic", "PYTHONHASHSEED="),
    "capacity overstated": ("return math.perm(len(WORDS), params[\"difficulty\"])",
                            "return math.perm(len(WORDS), params[\"difficulty\"]) + 1",
                            "wordplay.reverse:distinct",
                            "generating 9 problems failed: task wordplay.reverse with difficulty=1 made only 8"),
    "reference not JSON-safe": ('return prompt, " ".join(words)[::-1]', 'return prompt, {1: " ".join(words)[::-1]}',
                                "wordplay.reverse:storable", "changes through JSON"),
    "another contract version": ('name = "exact_text"\n    plugin_api = 1', 'name = "exact_text"\n    plugin_api = 2',
                                 "exact_text:contract", "declares plugin API 2; this proctor supports plugin API 1"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_kit_names_what_a_broken_plug_in_gets_wrong(tmp_path, case):
    old, new, check, reason = BROKEN[case]
    site = tmp_path / "site"
    (site / "proctor_wordplay").mkdir(parents=True)
    source = (ROOT / "examples" / "plugin" / "proctor_wordplay" / "__init__.py").read_text()
    assert old in source
    (site / "proctor_wordplay" / "__init__.py").write_text(source.replace(old, new))
    info = site / "proctor_wordplay-0.1.0.dist-info"  # what pip would leave
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: proctor-wordplay\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[proctor.tasks]\nwordplay.reverse = proctor_wordplay:ReverseWord\n"
                                           "[proctor.graders]\nexact_text = proctor_wordplay:ExactText\n")
    result = run_pytest("-rf", "--proctor-conformance=wordplay.reverse,exact_text", cwd=tmp_path, site=site)
    assert result.returncode == 1, result.stdout
    assert check in re.findall(r"^FAILED proctor-conformance::(\S+)", result.stdout, re.MULTILINE), result.stdout
    assert reason in result.stdout


def guide_blocks() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text()
    guide = readme[readme.index("## Writing a plug-in\n"):readme.index("### The contract\n")]
    return re.findall(r"```(\w+)\n(.*?)```\n", guide, re.DOTALL)


def test_the_readme_guide_is_the_examples_code_and_under_60_lines():
    blocks = guide_blocks()
    assert [kind for kind, _ in blocks] == ["python", "toml", "python"]
    (_, plugin), (_, entry_points), (_, test) = blocks
    example = ROOT / "examples" / "plugin"
    assert plugin == (example / "proctor_wordplay" / "__init__.py").read_text()
    assert test == (example / "tests" / "test_conformance.py").read_text()
    pyproject = (example / "pyproject.toml").read_text().splitlines()
    assert all(line in pyproject for line in entry_points.splitlines())
    assert sum(len(code.splitlines()) for _, code in blocks) < 60
