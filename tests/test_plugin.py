"""A third-party package (examples/plugin) plugs a task and a grader in through entry points."""
import json
import os
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
