"""`pip install proctor` with no extras, in a venv of its own: the graders, the tasks and
the CLI work, and a feature whose extra is missing is exit 2 with the exact pip line."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proctor.extras import EXTRAS

ROOT = Path(__file__).resolve().parent.parent
SUITE = 'name = "s"\n[[family]]\ntask = "arith.integer"\nn = 2\nseed = 1\n'


def clean_env(**extra) -> dict:
    """Nothing of this test run's own environment may leak into the bare venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A venv holding `pip install <this checkout>` and nothing else."""
    home = tmp_path_factory.mktemp("bare")
    # pip builds a local folder in place (build/, *.egg-info): build a copy, never the checkout.
    source = home / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info",
                                                                 "__pycache__", "demo-out", "proctor.db*"))
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(source)], capture_output=True,
                             text=True, env=clean_env(), timeout=1200)
    assert install.returncode == 0, install.stderr[-2000:]
    return venv


def proctor(venv: Path, cwd: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "proctor"), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=clean_env(PROCTOR_DB=str(cwd / "proctor.db"), **(env or {})), timeout=300)


def test_no_extra_is_installed_by_a_plain_pip_install(bare):
    modules = [m for spec in EXTRAS.values() for m in spec["modules"]]
    found = subprocess.run([str(bare / "bin" / "python"), "-c",
                            f"import importlib.util, json; print(json.dumps([m for m in {modules!r} "
                            f"if importlib.util.find_spec(m)]))"],
                           capture_output=True, text=True, check=True, env=clean_env(), cwd=bare).stdout
    assert json.loads(found) == []


def test_graders_tasks_and_cli_work_without_extras(bare, tmp_path):
    assert proctor(bare, tmp_path, "tasks").returncode == 0
    graders = proctor(bare, tmp_path, "graders")
    assert graders.returncode == 0 and {"numeric", "math", "json_schema", "code"} <= \
        {line.split("\t")[0] for line in graders.stdout.splitlines()}
    for task in ("arith.integer", "math.linear", "json.extract"):
        made = proctor(bare, tmp_path, "generate", task, "--n", "2", "--seed", "1", "-o", tmp_path / "p.jsonl")
        assert made.returncode == 0, made.stderr
        problems = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
        reference = problems[0]["reference"]
        answer = json.dumps(reference["expected"]) if task.startswith("json.") else f"\\boxed{{{reference}}}"
        (tmp_path / "c.jsonl").write_text(json.dumps({"id": problems[0]["id"], "completion": answer}) + "\n")
        graded = proctor(bare, tmp_path, "grade", tmp_path / "p.jsonl", tmp_path / "c.jsonl", "-o",
                         tmp_path / "v.jsonl", "--run", task)
        assert graded.returncode == 0, graded.stderr
        assert json.loads((tmp_path / "v.jsonl").read_text())["status"] == "correct", task
    assert proctor(bare, tmp_path, "report", "arith.integer").returncode == 0


@pytest.mark.parametrize("extra, args, env", [
    ("local", ["run", "suite.toml", "--model", "local"], {}),
    ("lm-eval", ["run", "suite.toml", "--model", "lm-eval:hf", "--model-args", "pretrained=x"], {}),
    ("report", ["report", "r", "--html", "r.html"], {}),
    ("docker", ["grade", "p.jsonl", "c.jsonl"], {"PROCTOR_SANDBOX": "docker"}),
    ("ray", ["grade", "p.jsonl", "c.jsonl", "--executor", "ray"], {}),
    ("serve", ["serve", "--port", "0"], {}),
])
def test_a_feature_whose_extra_is_missing_is_exit_2_with_the_pip_line(bare, tmp_path, extra, args, env):
    (tmp_path / "suite.toml").write_text(SUITE)
    task = "code.functions" if extra == "docker" else "arith.integer"
    assert proctor(bare, tmp_path, "generate", task, "--n", "1", "-o", tmp_path / "p.jsonl").returncode == 0
    pid = json.loads((tmp_path / "p.jsonl").read_text())["id"]
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": pid, "completion": "```python\nx = 1\n```"}) + "\n")
    assert proctor(bare, tmp_path, "grade", "p.jsonl", "c.jsonl", "--run", "r").returncode == 0
    result = proctor(bare, tmp_path, *args, env=env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert re.fullmatch(rf"proctor: error: .+ needs proctor's optional packages [\w, -]+: "
                        rf"pip install 'proctor\[{extra}\]'", lines[0]), lines[0]


def test_the_python_api_and_rewards_ask_for_ray_with_the_same_line(bare, tmp_path):
    script = ("import proctor\nfrom proctor.errors import BadInput\nfrom proctor.rewards import ProctorReward\n"
              "p = proctor.generate('arith.integer', n=1, seed=1)\n"
              "for call in (lambda: proctor.grade(p, [(p[0].id, '1')], executor='ray'),\n"
              "             lambda: ProctorReward(executor='ray')):\n"
              "    try:\n        call()\n    except BadInput as exc:\n        print(exc)\n")
    done = subprocess.run([str(bare / "bin" / "python"), "-c", script], capture_output=True, text=True,
                          env=clean_env(), cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["--executor ray needs proctor's optional packages ray: "
                                        "pip install 'proctor[ray]'"] * 2


def test_every_extra_is_declared_and_dev_holds_all_but_the_local_model():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(declared)
    assert "proctor[lm-eval,docker,report,serve,ray]" in declared["dev"]
