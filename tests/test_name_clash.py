"""A user's own `tasks`, `graders` and `sandbox` packages (common in ML
repositories) sit in the working directory, first on sys.path: proctor's CLI
and Python API still work, and the user's packages stay theirs."""
import json
import subprocess
import sys
import textwrap

import pytest

USER_PACKAGES = {
    # Names proctor's own packages define, meaning something else here.
    "tasks": "def get(name):\n    raise RuntimeError('the user tasks package was used by proctor')\n"
             "names = ['my_dataset']\nregister = None\n",
    "graders": "def get(name):\n    raise RuntimeError('the user graders package was used by proctor')\n"
               "Grader = Verdict = Problem = None\n",
    "sandbox": "def get(name):\n    raise RuntimeError('the user sandbox package was used by proctor')\n"
               "open_backend = DEFAULT = None\n",
}


@pytest.fixture
def project(tmp_path):
    """A training repository: the user's packages, and a script that uses proctor beside them."""
    for name, source in USER_PACKAGES.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(source)
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import json

        import graders
        import proctor
        import tasks

        problems = proctor.generate("math.linear", n=2, seed=0)
        completions = [{"id": p.id, "completion": f"\\\\boxed{{{p.reference}}}"} for p in problems]
        verdicts = [v.verdict.status for v in proctor.grade(problems, completions, workers=1)]
        print(json.dumps({"ids": [p.id for p in problems], "verdicts": verdicts,
                          "user": [tasks.names, graders.Grader]}))
    """))
    return tmp_path


def test_the_python_api_works_beside_a_users_packages(project):
    proc = subprocess.run([sys.executable, "train.py"], cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [i.split("/")[0] for i in out["ids"]] == ["math.linear"] * 2
    assert out["verdicts"] == ["correct", "correct"]
    assert out["user"] == [["my_dataset"], None]  # the script's own packages are the ones it imported


def test_the_cli_works_from_a_directory_holding_a_users_packages(cli, project):
    """`python -m` puts the working directory first on sys.path, as a user's shell would."""
    made = cli("generate", "math.linear", "--n", "2", "--seed", "0", "-o", "p.jsonl", cwd=project)
    assert made.code == 0, made.err
    code = cli("generate", "code.functions", "--n", "1", "--seed", "0", "-o", "code.jsonl", cwd=project)
    assert code.code == 0, code.err
    problems = [json.loads(line) for name in ("p.jsonl", "code.jsonl")
                for line in (project / name).read_text().splitlines()]
    completions = [{"id": p["id"], "completion": f"\\boxed{{{p['reference']}}}"} for p in problems[:2]]
    # The code problem goes through proctor.sandbox in a worker, beside the user's `sandbox`.
    completions.append({"id": problems[2]["id"], "completion": f"```python\n{problems[2]['reference']['solution']}```"})
    (project / "p_all.jsonl").write_text("".join(json.dumps(p) + "\n" for p in problems))
    (project / "c.jsonl").write_text("".join(json.dumps(c) + "\n" for c in completions))
    graded = cli("grade", "p_all.jsonl", "c.jsonl", "-o", "v.jsonl", cwd=project)
    assert graded.code == 0, graded.err
    verdicts = [json.loads(line) for line in (project / "v.jsonl").read_text().splitlines()]
    assert [v["status"] for v in verdicts] == ["correct"] * 3
    assert {v["grader"] for v in verdicts} == {"math", "code"}
    listed = cli("tasks", cwd=project)
    assert listed.code == 0 and "math.linear" in listed.out and "my_dataset" not in listed.out
