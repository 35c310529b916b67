import sys
import textwrap

import pytest

from proctor import graders
from proctor import tasks
from proctor.graders import Grader, Verdict
from proctor.registry import Registry, RegistryError


def test_builtins_are_listed_and_loaded_by_name():
    assert "numeric" in graders.names()
    assert "arith.integer" in tasks.names()
    task = tasks.get("arith.integer")
    assert task.name == "arith.integer" and task.grader == "numeric"
    assert graders.get(task.grader).name == "numeric"


def test_unknown_name_lists_what_is_known():
    with pytest.raises(RegistryError, match=r"unknown grader 'nope'; known: .*numeric"):
        graders.get("nope")


def test_a_second_builtin_registration_fails_naming_both():
    registry = Registry("grader", "proctor.test-none", base=Grader)

    @registry.register("same")
    class First(Grader):
        name = "same"

    with pytest.raises(RegistryError) as info:
        @registry.register("same")
        class Second(Grader):
            name = "same"
    message = str(info.value)
    assert "First" in message and "Second" in message and "'same'" in message


def _install_entry_point(tmp_path, monkeypatch, group: str, name: str, target: str, dist: str = "thirdparty"):
    package = tmp_path / "site"
    (package / f"{dist}-1.0.dist-info").mkdir(parents=True)
    (package / f"{dist}-1.0.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (package / f"{dist}-1.0.dist-info" / "entry_points.txt").write_text(f"[{group}]\n{name} = {target}\n")
    (package / f"{dist}_mod.py").write_text(textwrap.dedent("""
        from proctor.graders import Grader, Verdict

        class Shout(Grader):
            name = "shout"

            def check(self, problem, completion):
                return Verdict.correct(extracted=completion.upper())
    """))
    monkeypatch.syspath_prepend(str(package))


def test_entry_point_is_loaded_lazily_by_name(tmp_path, monkeypatch):
    _install_entry_point(tmp_path, monkeypatch, "proctor.test-graders", "shout", "thirdparty_mod:Shout")
    registry = Registry("grader", "proctor.test-graders", base=Grader)
    assert registry.names() == ["shout"]
    assert "thirdparty_mod" not in sys.modules  # listing does not import the plug-in
    grader = registry.get("shout")
    assert grader.name == "shout"
    assert grader.grade(None, "hi").extracted == "HI"
    assert "distribution thirdparty" in registry.source("shout")


def test_entry_point_clashing_with_a_builtin_fails_naming_both(tmp_path, monkeypatch):
    _install_entry_point(tmp_path, monkeypatch, "proctor.test-graders2", "numeric", "thirdparty_mod:Shout")
    registry = Registry("grader", "proctor.test-graders2", base=Grader)

    @registry.register("numeric")
    class Builtin(Grader):
        name = "numeric"

    with pytest.raises(RegistryError) as info:
        registry.get("numeric")
    assert "Builtin" in str(info.value) and "thirdparty_mod:Shout" in str(info.value)
    with pytest.raises(RegistryError):
        registry.names()


def test_broken_entry_point_says_so(tmp_path, monkeypatch):
    _install_entry_point(tmp_path, monkeypatch, "proctor.test-graders3", "broken", "thirdparty_mod:Missing")
    registry = Registry("grader", "proctor.test-graders3", base=Grader)
    with pytest.raises(RegistryError, match="failed to load"):
        registry.get("broken")
