"""code.functions and code.stdio: deterministic problems, and every template's
reference program passes its own hidden tests through the real grader and
sandbox, while a program that only knows the two prompt examples fails."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from proctor import tasks
from proctor.graders.problem import canonical_json
from proctor.tasks.code import functions, stdio
from code_support import grader

FAMILIES = ("code.functions", "code.stdio")


def one_problem_per_template(family: str):
    """The first problem made for each template, searching a fixed seed range."""
    task = tasks.get(family)
    module = functions if family == "code.functions" else stdio
    wanted = {t.name for t in module.TEMPLATES}
    found = {}
    for difficulty in range(1, 6):
        for problem in task.generate(40, seed=5, difficulty=difficulty):
            found.setdefault(problem.reference["template"], problem)
    assert set(found) == wanted, sorted(wanted - set(found))
    return [found[name] for name in sorted(found)]


@pytest.mark.parametrize("family", FAMILIES)
def test_same_seed_same_bytes_across_processes(family):
    here = [canonical_json(p.to_dict()) for p in tasks.get(family).generate(6, seed=3, difficulty=4)]
    script = ("import sys, json\nfrom proctor import tasks\nfrom proctor.graders.problem import canonical_json\n"
              f"print(json.dumps([canonical_json(p.to_dict()) for p in tasks.get({family!r}).generate(6, seed=3, difficulty=4)]))")
    for hash_seed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"}, cwd=str(_root()))
        assert json.loads(out.stdout) == here
    assert here != [canonical_json(p.to_dict()) for p in tasks.get(family).generate(6, seed=4, difficulty=4)]


def _root():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("family", FAMILIES)
def test_difficulty_scales_the_hidden_tests(family):
    task = tasks.get(family)
    counts = [len(task.generate(1, seed=1, difficulty=d)[0].reference["tests"]) for d in range(1, 6)]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert counts[0] >= 8
    problem = task.generate(1, seed=1, difficulty=3)[0]
    assert problem.prompt.count("Input:" if family == "code.stdio" else " == ") == 2


def test_functions_category_parameter():
    task = tasks.get("code.functions")
    for category in ("list", "string", "number", "dict"):
        assert {p.reference["category"] for p in task.generate(8, seed=2, category=category, difficulty=3)} == {category}
    with pytest.raises(tasks.TaskParameterError):
        task.generate(1, seed=1, category="graphs")


@pytest.mark.parametrize("family", FAMILIES)
def test_reference_programs_pass_and_example_memorisers_fail(family):
    code_grader = grader("bwrap")
    for problem in one_problem_per_template(family):
        solution = problem.reference["solution"]
        verdict = code_grader.grade(problem, "```python\n" + solution + "```")
        assert verdict.status == "correct", (problem.reference["template"], verdict)
        assert verdict.details["passed"] == len(problem.reference["tests"])
        memoriser = _memoriser(problem)
        if family == "code.functions":  # prove it does answer the examples (our own test code, run here)
            namespace = {}
            exec(memoriser, namespace)
            for line in problem.prompt.split("Examples:\n")[1].split("\n\n")[0].splitlines():
                call, shown = line.strip().split(" == ")
                assert eval(call, namespace) == eval(shown)
        assert code_grader.grade(problem, memoriser).status == "incorrect", problem.reference["template"]


def _memoriser(problem) -> str:
    """A program that answers exactly the prompt's two examples and nothing else."""
    if problem.reference["kind"] == "stdio":
        blocks = problem.prompt.split("Input:\n")[1:]
        table = {}
        for block in blocks:
            given, shown = block.split("Output:\n")
            shown = shown.split("\n\n")[0]
            key = "\n".join(line[4:] for line in given.rstrip("\n").split("\n"))
            table[key] = "\n".join(line[4:] for line in shown.rstrip("\n").split("\n"))
        return f"import sys\nprint({table!r}.get(sys.stdin.read().rstrip('\\n'), ''))\n"
    name = problem.reference["entry_point"]
    lines = [line.strip() for line in problem.prompt.split("Examples:\n")[1].split("\n\n")[0].splitlines()]
    cases = ", ".join(f"(repr(({line.split(' == ')[0][len(name) + 1:-1]},)), {line.split(' == ')[1]})" for line in lines)
    return f"def {name}(*args):\n    return dict([{cases}]).get(repr(args))\n"
