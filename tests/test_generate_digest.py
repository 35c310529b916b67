"""`proctor generate` writes byte-identical problems for every built-in family,
today and after any refactoring: the digests in tests/data/generate_digests.json
were computed on commit 6b50b91 (before the plug-in contract was made explicit).

A family whose problems change on purpose bumps its task `version` (which
changes every problem's seed) and regenerates the file:
`python tests/test_generate_digest.py > tests/data/generate_digests.json`.
"""
import hashlib
import json
import sys
from pathlib import Path

import pytest

from proctor import tasks
from proctor.testing.conformance import parameter_sets  # defaults, then each value of each small parameter

DIGESTS = Path(__file__).resolve().parent / "data" / "generate_digests.json"
N, SEED = 30, 11


def digest(lines: str) -> str:
    return hashlib.sha256(lines.encode()).hexdigest()


def generated(task: str, params: dict) -> str:
    """What `proctor generate TASK --n N --seed SEED --param ...` writes, made in this process."""
    return "".join(p.to_json() + "\n" for p in tasks.get(task).generate(N, SEED, **params))


def compute() -> dict:
    cases = [{"task": name, "params": params, "sha256": digest(generated(name, params))}
             for name in sorted(tasks.BUILTINS) for params in parameter_sets(tasks.get(name))]
    return {"n": N, "seed": SEED, "cases": cases}


STORED = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {"n": N, "seed": SEED, "cases": []}


def test_the_stored_digests_cover_every_built_in_family():
    assert (STORED["n"], STORED["seed"]) == (N, SEED)
    assert {case["task"] for case in STORED["cases"]} == set(tasks.BUILTINS)


@pytest.mark.parametrize("task", sorted(tasks.BUILTINS))
def test_the_command_writes_the_stored_bytes(cli, task):
    """The real command, in its own process, at the family's default parameters."""
    [case] = [c for c in STORED["cases"] if c["task"] == task and not c["params"]]
    result = cli("generate", task, "--n", str(N), "--seed", str(SEED))
    assert result.code == 0, result.err
    assert digest(result.out) == case["sha256"], f"{task}: generate output changed"


@pytest.mark.parametrize("case", STORED["cases"], ids=lambda c: f"{c['task']}-{json.dumps(c['params'])}")
def test_every_parameter_value_gives_the_stored_bytes(case):
    assert digest(generated(case["task"], case["params"])) == case["sha256"]


if __name__ == "__main__":
    json.dump(compute(), sys.stdout, indent=1)
    print()
