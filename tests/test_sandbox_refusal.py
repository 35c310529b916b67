"""Where no sandbox can isolate code, proctor refuses to run it and says why (exit 3),
unless the user explicitly picks the unsafe `process` backend, which warns on every run."""
import json

import pytest


@pytest.fixture
def unavailable_backend(tmp_path):
    """A sandbox plug-in (through the proctor.sandboxes entry point group) that cannot work here."""
    site = tmp_path / "site"
    info = site / "nosandbox-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nosandbox\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[proctor.sandboxes]\nnamespaces-off = nosandbox_mod:NoUserNamespaces\n")
    (site / "nosandbox_mod.py").write_text(
        "from proctor.sandbox.base import Sandbox, SandboxUnavailable\n"
        "class NoUserNamespaces(Sandbox):\n"
        "    name = 'namespaces-off'\n"
        "    def __init__(self, **options):\n"
        "        raise SandboxUnavailable('user namespaces are disabled on this kernel')\n")
    return {"PYTHONPATH": str(site), "PROCTOR_SANDBOX": "namespaces-off"}


@pytest.fixture
def code_files(cli, tmp_path):
    assert cli("generate", "code.functions", "--n", "2", "--seed", "1", "-o", "p.jsonl").code == 0
    problems = [json.loads(l) for l in (tmp_path / "p.jsonl").read_text().splitlines()]
    (tmp_path / "c.jsonl").write_text("".join(
        json.dumps({"id": p["id"], "completion": p["reference"]["solution"]}) + "\n" for p in problems))
    return "p.jsonl", "c.jsonl"


def test_no_isolation_means_no_run(cli, code_files, unavailable_backend):
    result = cli("grade", *code_files, "--run", "refused", env=unavailable_backend)
    assert result.code == 3
    assert "user namespaces are disabled" in result.err and "PROCTOR_SANDBOX=process" in result.err
    assert "Traceback" not in result.err
    assert "refused" not in cli("runs").out


def test_the_unsafe_backend_runs_only_when_chosen_and_warns(cli, code_files, tmp_path):
    result = cli("grade", *code_files, "-o", "v.jsonl", env={"PROCTOR_SANDBOX": "process"})
    assert result.code == 0, result.err
    assert "isolates nothing" in result.err
    verdicts = [json.loads(l) for l in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert [v["status"] for v in verdicts] == ["correct", "correct"]
