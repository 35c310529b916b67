"""Choosing where grading runs: the options, the optional Ray extra, and grader specs
(how a grader is named to a Ray node). The Ray cluster itself: test_ray_executor.py."""
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from proctor.errors import BadInput
from proctor.executors import open_executor
from proctor.ray_executor.executor import RayExecutor
from proctor.ray_executor.spec import GraderSpec, GraderUnavailable, grader_spec, open_grader

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def arith_files(tmp_path):
    from proctor import tasks

    problems = tasks.get("arith.integer").generate(3, 1)
    (tmp_path / "p.jsonl").write_text("".join(p.to_json() + "\n" for p in problems))
    (tmp_path / "c.jsonl").write_text("".join(json.dumps({"id": p.id, "completion": str(p.reference)}) + "\n"
                                              for p in problems))
    return "p.jsonl", "c.jsonl"


@pytest.mark.parametrize("args, message", [
    (["--ray-address", "10.0.0.5:6379"], "--ray-address needs --executor ray"),
    (["--executor", "ray", "--workers", "0"], "grading actors: 1 or more"),
    (["--executor", "slurm"], "invalid choice"),
])
def test_bad_executor_options_are_exit_2(cli, arith_files, args, message):
    result = cli("grade", *arith_files, *args)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


def test_a_ray_address_nobody_answers_on_is_exit_3_at_once(cli, arith_files):
    pytest.importorskip("ray", reason="Ray is not installed (make install adds it)")
    result = cli("grade", *arith_files, "--executor", "ray", "--ray-address", "127.0.0.1:1", timeout=60)
    assert result.code == 3 and "cannot reach Ray at 127.0.0.1:1" in result.err and "Traceback" not in result.err


def test_the_core_install_does_not_pull_ray_in():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.split("[")[0].split("=")[0].split(">")[0].strip() == "ray" for dep in project["dependencies"])
    assert any(dep.startswith("ray") for dep in project["optional-dependencies"]["ray"])
    script = ("import sys, proctor, proctor.cli, proctor.executors, proctor.rewards\n"
              "from proctor.commands import grade, run\n"
              "p = proctor.generate('arith.integer', n=20, seed=1)\n"
              "assert len(list(proctor.grade(p, [(q.id, str(q.reference)) for q in p]))) == 20\n"
              "print('ray' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --- grader specs ------------------------------------------------------------------

def test_a_builtin_graders_spec_names_its_module_package_and_version():
    spec = grader_spec("numeric")
    assert spec.module == "proctor.graders.numeric" and spec.package == "proctor"
    from proctor import graders

    assert spec.version == graders.get("numeric").version and spec.package_version
    open_grader(spec, "Ray node 10.0.0.5")  # opens here: nothing to refuse


def test_a_grader_the_driver_cannot_load_travels_bare_and_grades_as_an_error():
    assert grader_spec("no.such.grader") == GraderSpec("no.such.grader")
    open_grader(GraderSpec("no.such.grader"), "Ray node 10.0.0.5")  # the node does not check it either


def test_a_node_refuses_a_missing_package_or_another_version_in_one_line():
    missing = GraderSpec("exact_text", "1", "proctor_wordplay_absent", "proctor-wordplay", "0.1.0")
    with pytest.raises(GraderUnavailable) as refused:
        open_grader(missing, "Ray node 10.0.0.5 (id 1a2b3c4d, host n1)")
    line = str(refused.value)
    assert line.startswith("Ray node 10.0.0.5 (id 1a2b3c4d, host n1): grader 'exact_text' needs package "
                           "proctor-wordplay 0.1.0, which is not installed there")
    assert "\n" not in line and line.endswith("install it on every node")

    other = GraderSpec("numeric", "7", "proctor.graders.numeric", "proctor", "0.1.0")
    from proctor import graders

    here = graders.get("numeric").version
    with pytest.raises(GraderUnavailable, match=f"is version {here} there and 7 on the driver"):
        open_grader(other, "Ray node 10.0.0.5")


def test_a_grader_defined_in_the_drivers_script_is_refused_up_front():
    script = ("from proctor import graders\nfrom proctor.graders import Grader, Verdict\n"
              "from proctor.errors import BadInput\nfrom proctor.ray_executor.spec import grader_spec\n"
              "@graders.register('mine')\nclass Mine(Grader):\n"
              "    name = 'mine'\n    def check(self, problem, completion):\n        return Verdict.correct()\n"
              "try:\n    grader_spec('mine')\nexcept BadInput as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "defined in the driver's script" in done.stdout and "entry point" in done.stdout, done.stderr


def test_rejects_nonsense_sizes():
    for options in ({"workers": 0}, {"timeout": 0}, {"batch_size": 0}):
        with pytest.raises(ValueError):
            RayExecutor(**options)
    with pytest.raises(BadInput, match="one of local, ray"):
        open_executor("dask")
