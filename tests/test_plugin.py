"""A third-party package (examples/plugin) plugs a task and a grader in through
entry points, passes the conformance kit, and is the README's plug-in guide."""
import json
import os
import re
import shutil
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


def test_the_kit_catches_a_grader_that_passes_everything(tmp_path):
    """The example with its comparison removed: the kit names what is wrong."""
    source = tmp_path / "plugin"
    shutil.copytree(ROOT / "examples" / "plugin", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    module = source / "proctor_wordplay" / "__init__.py"
    module.write_text(module.read_text().replace("if answer == problem.reference:", "if answer:"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(source)], check=True)
    result = run_pytest("--proctor-conformance=wordplay.reverse,exact_text", cwd=tmp_path, site=site)
    assert result.returncode == 1
    assert "FAILED proctor-conformance::wordplay.reverse:perturbed" in result.stdout
    assert "a perturbed reference of problem wordplay.reverse/" in result.stdout
    assert "FAILED proctor-conformance::wordplay.reverse:hostile" in result.stdout
    assert "FAILED proctor-conformance::wordplay.reverse:reference" not in result.stdout


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
