"""Suite files: what they accept, and one clear line for each mistake."""
import re

import pytest

from proctor.errors import BadInput
from proctor.suite import load_suite


def write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_a_suite_with_defaults_and_auto_n(tmp_path):
    suite = load_suite(write(tmp_path, """
name = "nightly"
[defaults]
k = 3
temperature = 0.7
stop = "###"

[[family]]
task = "arith.integer"
n = 50
seed = 4
params = { difficulty = 3 }

[[family]]
task = "json.convert"
n = "auto"
margin = 0.05
baseline_acc = 0.6
k = 1
"""))
    assert suite.name == "nightly"
    arith, convert = suite.families
    assert (arith.n, arith.seed, arith.k, arith.params["difficulty"]) == (50, 4, 3, 3)
    assert arith.decoding.temperature == 0.7 and arith.decoding.stop == ("###",)
    from proctor.gate.power import items_needed
    assert convert.n == items_needed(0.05, 0.6, 0.5) and convert.k == 1
    assert suite.to_config()["margins"] == {"arith.integer": 0.02, "json.convert": 0.05}


@pytest.mark.parametrize("text, line, message", [
    ('name = "x"\n[[family]]\ntask = "arith.integer"\nn = 0\n', 2, "field 'n' is 0; it must be a positive integer"),
    ('name = "x"\n\n[[family]]\ntask = "nope"\nn = 3\n', 3, "unknown task 'nope'"),
    ('[[family]]\ntask = "arith.integer"\nn = 3\nparams = { difficulty = 7 }\n', 1, "difficulty must be an integer from 1 to 5"),
    ('[[family]]\ntask = "arith.integer"\nn = 3\ncolour = 1\n', 1, "unknown field 'colour'"),
    ('[[family]]\ntask = "arith.integer"\nn = 500\nparams = { difficulty = 1 }\n', 1, "at most 162 distinct problems"),
    ('[[family]]\ntask = "arith.integer"\nn = "auto"\nbaseline_acc = 1.5\n', 1, "'baseline_acc' must be a number in (0, 1)"),
    ('[[family]]\ntask = "arith.integer"\nn = 3\n[[family]]\ntask = "arith.integer"\nn = 3\n', 4, "appears in two"),
    ('name = "x"\nthis is not toml\n', 2, "not valid TOML"),
    ('name = "x"\n', 1, "at least one [[family]]"),
    ('[[family]]\ntask = "arith.integer"\nn = 3\ntemperature = -1\n', 1, "field 'temperature'"),
])
def test_mistakes_name_file_line_and_field(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(BadInput) as info:
        load_suite(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert message in str(info.value)


def test_shipped_suites_load():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "suites"
    for name in ("smoke.toml", "standard.toml"):
        suite = load_suite(root / name)
        assert suite.families


def test_auto_n_without_a_baseline_accuracy_takes_the_worst_case(tmp_path):
    from proctor.gate.plan import auto_items
    from proctor.gate.power import items_needed

    suite = load_suite(write(tmp_path, '[[family]]\ntask = "arith.integer"\nn = "auto"\nmargin = 0.05\nparams = { difficulty = 3 }\n'))
    assert suite.families[0].n == auto_items(0.05)
    assert suite.families[0].n >= max(items_needed(0.05, p, 0.5) for p in (0.3, 0.5, 0.7, 0.9))


def test_the_standard_suite_keeps_its_word():
    """Every family's n lets the gate see a drop of twice its margin with 80% power (the plan's worst
    case over accuracies, correlation 0.5), and the header's figures are the plan's."""
    from pathlib import Path

    from proctor.gate.plan import auto_items
    from proctor.gate.power import min_detectable_drop

    path = Path(__file__).resolve().parent.parent / "suites" / "standard.toml"
    suite = load_suite(path)
    header = path.read_text()
    for family in suite.families:
        assert family.n >= auto_items(family.margin), family.name
        possible = range(round(200 * family.margin) + 1, 100)  # accuracies that can lose twice the margin
        worst = max(min_detectable_drop(family.n, family.margin, acc / 100, 0.5) for acc in possible)
        assert worst <= 2 * family.margin + 1e-6, family.name
    by_name = {f.name: f for f in suite.families}
    assert by_name["arith.integer"].n == auto_items(0.02) and f"{auto_items(0.02):,} items at margin 0.02" in header
    for name, margin in (("math.polynomial", 0.03), ("math.inequality", 0.05), ("code.humaneval", 0.1)):
        f = by_name[name]
        assert f.margin == margin
        count = "all 164" if name == "code.humaneval" else f"{f.n:,}"
        assert re.search(rf"{re.escape(name)} +margin {margin:.2f}: +{count}", header), name
        assert f"sees a {round(200 * margin)}-point drop" in header
    assert sum(f.margin == 0.02 for f in suite.families) == 15


def test_one_task_twice_under_two_family_names(tmp_path):
    suite = load_suite(write(tmp_path, """
[[family]]
task = "arith.integer"
name = "arith.easy"
n = 5
params = { difficulty = 1 }
margin = 0.05

[[family]]
task = "arith.integer"
name = "arith.hard"
n = 5
params = { difficulty = 5 }
"""))
    easy, hard = suite.families
    assert (easy.name, easy.task, hard.name, hard.task) == ("arith.easy", "arith.integer", "arith.hard", "arith.integer")
    assert suite.to_config()["margins"] == {"arith.easy": 0.05, "arith.hard": 0.02}
    unnamed = load_suite(write(tmp_path, '[[family]]\ntask = "arith.integer"\nn = 3\n')).families[0]
    assert unnamed.name == "arith.integer"  # the default name is the task


@pytest.mark.parametrize("text, line, message", [
    ('[[family]]\ntask = "arith.integer"\nname = "a"\nn = 3\n[[family]]\ntask = "math.linear"\nname = "a"\nn = 3\n',
     5, "family 'a' appears in two [[family]] tables"),
    ('[[family]]\ntask = "arith.integer"\nname = "has space"\nn = 3\n', 1, "field 'name' is 'has space'"),
    ('[[family]]\ntask = "arith.integer"\nname = 7\nn = 3\n', 1, "it must be a family name"),
    ('[defaults]\nname = "x"\n[[family]]\ntask = "arith.integer"\nn = 3\n', 1, "[defaults]: unknown field 'name'"),
])
def test_family_name_mistakes(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(BadInput) as info:
        load_suite(path)
    assert str(info.value).startswith(f"{path}:{line}: ") and message in str(info.value)
