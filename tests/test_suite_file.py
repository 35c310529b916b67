"""Suite files: what they accept, and one clear line for each mistake."""
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
