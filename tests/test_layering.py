"""Imports run one way: proctor.registry <- proctor.sandbox <- proctor.graders
<- proctor.tasks <- the rest of proctor (orchestration). Only `proctor.*` names
are installed, so a user's own `tasks` or `graders` package never shadows ours."""
import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (layer's module prefix, folder in the repository), bottom first.
# proctor.errors and proctor.extras (which optional package a feature needs) are leaves
# below everything: the sandbox's docker backend names its pip extra too.
LAYERS = [("proctor.errors", "proctor/errors.py"), ("proctor.extras", "proctor/extras.py"),
          ("proctor.registry", "proctor/registry.py"), ("proctor.sandbox", "sandbox"),
          ("proctor.graders", "graders"), ("proctor.tasks", "tasks"), ("proctor", "proctor")]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            if node.module == "proctor":  # `from proctor import graders` imports proctor.graders
                found.update(f"proctor.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def layer_of(module: str) -> int | None:
    # The bare package is neutral: its __init__ loads nothing until a name is used.
    if not module.startswith("proctor."):
        return None
    for level, (prefix, _) in enumerate(LAYERS[:-1]):
        if module == prefix or module.startswith(prefix + "."):
            return level
    return len(LAYERS) - 1


def files_of(folder: str) -> list[Path]:
    path = ROOT / folder
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def test_no_module_imports_a_layer_above_it():
    violations = []
    for level, (_, folder) in enumerate(LAYERS[:-1]):
        for path in files_of(folder):
            bad = sorted(m for m in imported_modules(path) if (layer_of(m) or 0) > level)
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {bad}")
    assert not violations, "\n".join(violations)


def test_no_module_uses_the_old_top_level_names():
    old = {"graders", "tasks", "sandbox"}
    bad = [f"{p.relative_to(ROOT)}: {sorted(m for m in imported_modules(p) if m.split('.')[0] in old)}"
           for folder in ("proctor", "graders", "tasks", "sandbox", "tests", "bench", "examples")
           for p in files_of(folder) if any(m.split(".")[0] in old for m in imported_modules(p))]
    assert not bad, "\n".join(bad)


def test_builtin_registries_point_only_at_their_own_layer():
    from proctor import graders, sandbox, tasks

    assert all(m.startswith("proctor.graders.") for m in graders.BUILTINS.values())
    assert all(m.startswith("proctor.tasks.") for m in tasks.BUILTINS.values())
    assert all(m.startswith("proctor.sandbox.") for m in sandbox.BUILTINS.values())


def test_every_package_folder_is_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = {folder: name for name, folder in config["package-dir"].items()}
    on_disk = set()
    for folder in ("proctor", "graders", "tasks", "sandbox"):
        for module in (ROOT / folder).rglob("*.py"):  # a folder of modules is a package, __init__ or not
            rel = module.parent.relative_to(ROOT).parts
            on_disk.add(".".join([mapping[rel[0]], *rel[1:]]))
    assert on_disk == set(config["packages"])


def test_the_checker_sees_an_upward_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom proctor.store import RunStore\nfrom proctor import tasks\n")
    assert imported_modules(sample) == {"os", "proctor", "proctor.store", "proctor.tasks"}
    assert layer_of("proctor") is None and layer_of("proctor.store") == 6 and layer_of("proctor.tasks.arith") == 5 and layer_of("proctor.errors") == 0 and layer_of("os") is None
    assert re.fullmatch(r"proctor(\.\w+)*", "proctor.tasks.arith")
