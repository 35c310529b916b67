"""proctor installs one import name. A user's own `tasks`, `graders` and `sandbox`
packages (common in ML repositories) never shadow proctor's."""
import json
import subprocess
import sys
from pathlib import Path

PROCTOR = str(Path(sys.executable).with_name("proctor"))


def users_project(root: Path) -> Path:
    for name in ("tasks", "graders", "sandbox"):
        (root / name).mkdir()
        (root / name / "__init__.py").write_text(f"WHOSE = 'the user\\'s own {name}'\n")
    return root


def test_python_api_works_beside_the_users_own_tasks_graders_and_sandbox(tmp_path):
    root = users_project(tmp_path)
    script = ("import tasks, graders, sandbox, proctor\n"
              "assert tasks.WHOSE.endswith('tasks') and sandbox.WHOSE.endswith('sandbox')\n"
              "problems = proctor.generate('math.linear', n=2, seed=0)\n"
              "verdicts = list(proctor.grade(problems, [(p.id, '\\\\boxed{%s}' % p.reference) for p in problems],"
              " workers=0))\n"
              "print(len(problems), [v.verdict.status for v in verdicts])\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 ['correct', 'correct']"


def test_cli_works_beside_the_users_own_tasks_graders_and_sandbox(tmp_path):
    root = users_project(tmp_path)
    generated = subprocess.run([PROCTOR, "generate", "math.linear", "--n", "2", "-o", "p.jsonl"], cwd=root,
                               capture_output=True, text=True, timeout=120)
    assert generated.returncode == 0, generated.stderr
    problems = [json.loads(line) for line in (root / "p.jsonl").read_text().splitlines()]
    (root / "c.jsonl").write_text("".join(json.dumps({"id": p["id"], "completion": f"x = {p['reference']}"}) + "\n"
                                          for p in problems))
    graded = subprocess.run([PROCTOR, "grade", "p.jsonl", "c.jsonl", "--db", "s.db", "-o", "v.jsonl"], cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert graded.returncode == 0, graded.stderr
    assert [json.loads(line)["status"] for line in (root / "v.jsonl").read_text().splitlines()] == ["correct"] * 2
