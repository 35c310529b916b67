"""Imports run one way: sandbox <- graders <- tasks <- proctor."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["sandbox", "graders", "tasks", "proctor"]


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value.split(".")[0])
    return found


def test_no_package_imports_a_layer_above_it():
    violations = []
    for level, package in enumerate(LAYERS):
        above = set(LAYERS[level + 1:])
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = imported_packages(path) & above
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not violations, "\n".join(violations)


def test_builtin_registries_point_only_at_their_own_layer():
    import graders
    import tasks

    assert all(m.startswith("graders.") for m in graders.BUILTINS.values())
    assert all(m.startswith("tasks.") for m in tasks.BUILTINS.values())


def test_the_checker_sees_an_upward_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom proctor.store import RunStore\nimport tasks.arith\n")
    assert imported_packages(sample) == {"os", "proctor", "tasks"}
