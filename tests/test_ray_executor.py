"""Grading on a real Ray cluster: a head and a worker node, each its own `ray start`
process tree on this machine, driven by real `proctor` processes. The same verdicts
as the local pool, the same per-item limits, the same crash safety (tests/ray_cluster.py).

One cluster serves the whole module; the test that kills a node's raylet runs last.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ray_cluster import LocalRayCluster, unavailable_reason

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SLOW_ITEMS = 600  # ray.sleeps takes 20 ms an item: about 6 s on two actors, long enough to kill mid-run


def require_cluster():
    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Ray tests cannot run: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Installed on every node and the driver: the example plug-in, and the test graders
    as a plug-in (entry points), so a `proctor` process finds them by name."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(ROOT / "examples" / "plugin")], check=True)
    info = target / "proctor_test_graders-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: proctor-test-graders\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[proctor.graders]\nray.stuck_in_c = ray_plugin_graders:StuckInC\n"
                                           "ray.sleeps = ray_plugin_graders:Sleeps\n")
    return target


@pytest.fixture(scope="module")
def cluster(site, tmp_path_factory):
    require_cluster()
    ray_cluster = LocalRayCluster(tmp_path_factory.mktemp("ray"),
                                  env={"PYTHONPATH": os.pathsep.join([str(site), str(TESTS)])})
    try:
        ray_cluster.start_head(num_cpus=1)
        ray_cluster.add_worker("worker", num_cpus=1)
        yield ray_cluster
    finally:
        left = ray_cluster.stop()
    assert not left, f"processes of the test cluster outlived it: {left}"


def proctor(cluster, *args, db: Path, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """A real `proctor` driver inside the cluster's network."""
    return subprocess.run(cluster.inside([sys.executable, "-m", "proctor.cli", *args, "--db", db]),
                          env=dict(cluster.env, **(env or {})), capture_output=True, text=True, timeout=timeout,
                          cwd=db.parent)


def on_ray(cluster) -> list[str]:
    return ["--executor", "ray", "--ray-address", cluster.address]


def stored(db: Path, run: str) -> dict:
    with sqlite3.connect(db) as con:
        return {(pid, sample): (status, score, extracted, reason, details) for pid, sample, status, score, extracted,
                reason, details in con.execute("SELECT id, sample, status, score, extracted, reason, details "
                                               "FROM verdicts WHERE run = ?", (run,))}


def verdict_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def write_items(folder: Path, completions: list[str], task: str = "arith.integer") -> tuple[Path, Path]:
    from proctor import tasks

    params = {"difficulty": 3} if task == "arith.integer" else {}
    problems = tasks.get(task).generate(len(completions), 7, **params)
    problems_file, completions_file = folder / "p.jsonl", folder / "c.jsonl"
    problems_file.write_text("".join(p.to_json() + "\n" for p in problems))
    completions_file.write_text("".join(json.dumps({"id": p.id, "completion": text}) + "\n"
                                        for p, text in zip(problems, completions)))
    return problems_file, completions_file


# --- the same verdicts -------------------------------------------------------------

MIXED_SUITE = """
name = "mixed"
[[family]]
task = "arith.integer"
n = 3
seed = 1
params = { difficulty = 3 }
[[family]]
task = "math.linear"
n = 3
seed = 2
[[family]]
task = "code.functions"
n = 3
seed = 3
[[family]]
task = "json.conform"
n = 3
seed = 4
[[family]]
task = "wordplay.reverse"
n = 3
seed = 5
params = { difficulty = 2 }
"""

MAKE_COMPLETIONS = r"""
import json, sys
from proctor.suite import load_suite
from proctor.suite_run import suite_problems

def answers(p):  # a right, a wrong and an unreadable answer of each kind
    ref = p.reference
    if p.task.startswith("code."):
        return [ref["solution"], "def f(:\n    return", "while True:\n    pass\n"]
    if p.task.startswith("json."):
        return [json.dumps(ref["example"]), json.dumps({"unexpected": [1, 2]}), "no JSON here"]
    if p.task == "wordplay.reverse":
        return ["Here it is:\n" + ref, "wrong", ""]
    return ["\\boxed{%s}" % ref, "\\boxed{123456789}", "I would rather not say"]

with open(sys.argv[2], "w") as out:
    for i, (family, p) in enumerate(suite_problems(load_suite(sys.argv[1]))):
        out.write(json.dumps({"id": p.id, "completion": answers(p)[i % 3]}) + "\n")
"""


def test_a_mixed_suite_gets_the_local_pools_verdicts_item_by_item(cluster, tmp_path):
    suite = tmp_path / "mixed.toml"
    suite.write_text(MIXED_SUITE)
    subprocess.run([sys.executable, "-c", MAKE_COMPLETIONS, suite, tmp_path / "c.jsonl"], env=cluster.env,
                   check=True)
    model = f"file:{tmp_path / 'c.jsonl'}"
    on_cluster = proctor(cluster, "run", suite, "--model", model, "--run", "mixed", *on_ray(cluster),
                         db=tmp_path / "ray.db")
    assert on_cluster.returncode == 0, on_cluster.stderr
    local = proctor(cluster, "run", suite, "--model", model, "--run", "mixed", db=tmp_path / "local.db")
    assert local.returncode == 0, local.stderr

    ray_verdicts, local_verdicts = stored(tmp_path / "ray.db", "mixed"), stored(tmp_path / "local.db", "mixed")
    assert len(ray_verdicts) == 15
    assert ray_verdicts == local_verdicts  # status, score, extracted, reason, details: all but the time taken
    statuses = Counter((pid.split("/")[0], v[0]) for (pid, _), v in ray_verdicts.items())
    for task in ("arith.integer", "math.linear", "code.functions", "json.conform", "wordplay.reverse"):
        assert statuses[(task, "correct")] == 1, (task, statuses)  # each grader really graded, both ways


API_SCRIPT = r"""
import json, sys
import proctor
from proctor.executors import open_executor
from proctor.pool import Job
from proctor.ray_executor.executor import IN_FLIGHT_PER_ACTOR, MAX_BATCH
from proctor.rewards import ProctorReward, compute_score_batch, trl_rows, verl_rows

address = sys.argv[1]
import ray
ray.init(address=address, log_to_driver=False)  # the executors below use this connection and keep it
problems = proctor.generate("arith.integer", n=400, seed=5, difficulty=4)
completions = [{"id": p.id, "completion": "\\boxed{%d}" % (p.reference + i % 2)} for i, p in enumerate(problems)]
api = {v.id: v.verdict.status for v in proctor.grade(problems, completions, executor="ray", ray_address=address)}

pulled = ahead = seen = 0
def jobs():  # far more items than may ever be out at once
    global pulled
    for i in range(30000):
        p = problems[i % len(problems)]
        pulled += 1
        yield Job(i, "numeric", p, "\\boxed{%d}" % p.reference)
with open_executor("ray", ray_address=address, workers=2) as pool:
    for key, verdict in pool.grade(jobs()):
        seen += 1
        ahead = max(ahead, pulled - seen)
    nodes = sorted({actor["node"] for actor in pool.where()})

rows = trl_rows(problems[:40])
with ProctorReward(executor="ray", ray_address=address) as reward:
    first = reward(prompts=[r["prompt"] for r in rows], problem=[r["problem"] for r in rows],
                   completions=[[{"role": "assistant", "content": c["completion"]}] for c in completions[:40]])
    again = reward(prompts=[r["prompt"] for r in rows], problem=[r["problem"] for r in rows],
                   completions=["\\boxed{%d}" % p.reference for p in problems[:40]])
verl = verl_rows(problems[:10])
batch = compute_score_batch([r["data_source"] for r in verl], ["\boxed{%d}" % p.reference for p in problems[:10]],
                            [r["reward_model"]["ground_truth"] for r in verl], [r["extra_info"] for r in verl],
                            executor="ray", ray_address=address)
print(json.dumps({"api": api, "seen": seen, "ahead": ahead, "bound": 2 * IN_FLIGHT_PER_ACTOR * MAX_BATCH + MAX_BATCH,
                  "nodes": nodes, "first": first, "again": again, "verl": batch}))
"""


def test_the_python_api_and_rewards_take_executor_ray(cluster, tmp_path):
    import proctor

    done = subprocess.run(cluster.inside([sys.executable, "-c", API_SCRIPT, cluster.address]), env=cluster.env,
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])

    problems = proctor.generate("arith.integer", n=400, seed=5, difficulty=4)
    completions = [{"id": p.id, "completion": "\\boxed{%d}" % (p.reference + i % 2)} for i, p in enumerate(problems)]
    local = {v.id: v.verdict.status for v in proctor.grade(problems, completions, workers=1)}
    assert out["api"] == local and Counter(local.values()) == {"correct": 200, "incorrect": 200}
    assert out["seen"] == 30000
    assert out["ahead"] <= out["bound"], "the driver pulled more jobs than its in-flight bound"
    assert len(out["nodes"]) == 2, f"the actors did not spread over both nodes: {out['nodes']}"
    assert out["first"] == [1.0 if i % 2 == 0 else 0.0 for i in range(40)]
    assert out["again"] == [1.0] * 40  # the same actors, a second call
    assert out["verl"] == [1.0] * 10  # veRL's batch reward manager, reward_kwargs executor=ray


SERVE_SCRIPT = r"""
import json, re, signal, subprocess, sys, urllib.request
import proctor

address = sys.argv[1]
server = subprocess.Popen([sys.executable, "-m", "proctor.cli", "serve", "--port", "0", "--executor", "ray",
                           "--ray-address", address, "--workers", "2"], stderr=subprocess.PIPE, text=True)
port, said = None, []
for line in server.stderr:
    said.append(line)
    found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    if found:
        port = int(found.group(1))
        break
if port is None:
    sys.exit("proctor serve did not start: " + "".join(said))
problems = proctor.generate("code.functions", n=3, seed=2) + proctor.generate("arith.integer", n=20, seed=2)
items = [{"problem": p.to_dict(), "completion": "```python\n%s\n```" % p.reference["solution"]
          if p.task.startswith("code") else "\\boxed{%d}" % (p.reference + i % 2)} for i, p in enumerate(problems)]
items.append({"problem": problems[0].to_dict(), "completion": "```python\nimport sys\nsys.exit(0)\n```"})
request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/grade", json.dumps({"items": items}).encode(),
                                 {"Content-Type": "application/json"})
answer = json.loads(urllib.request.urlopen(request, timeout=180).read())
server.send_signal(signal.SIGTERM)
rest = server.stderr.read()
print(json.dumps({"statuses": [v["status"] for v in answer["verdicts"]], "exit": server.wait(60), "log": rest}))
"""


def test_proctor_serve_grades_on_the_cluster(cluster, tmp_path):
    """`proctor serve --executor ray`: the server's items go to the cluster's actors, verdicts come back
    in request order, and the server stops cleanly (closing its actors) on SIGTERM."""
    done = subprocess.run(cluster.inside([sys.executable, "-c", SERVE_SCRIPT, cluster.address]), env=cluster.env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["statuses"] == ["correct"] * 3 + ["incorrect" if i % 2 else "correct" for i in range(3, 23)] + \
        ["incorrect"], out
    assert out["exit"] == 0 and "Traceback" not in out["log"], out["log"]


# --- the same limits ---------------------------------------------------------------

def test_a_grader_hung_in_c_times_out_alone_and_the_run_goes_on(cluster, tmp_path):
    texts = ["fine"] * 40
    texts[13] = "hang"  # sum(range(10**14)) inside one C call: no signal gets in
    problems, completions = write_items(tmp_path, texts)
    result = proctor(cluster, "grade", problems, completions, "--grader", "ray.stuck_in_c", "--timeout", "2",
                     "--run", "hang", "-o", tmp_path / "v.jsonl", *on_ray(cluster), db=tmp_path / "s.db")
    assert result.returncode == 0, result.stderr
    text_of = {c["id"]: c["completion"] for c in map(json.loads, completions.read_text().splitlines())}
    verdicts = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert len(verdicts) == 40
    timed_out = [v for v in verdicts if v["status"] == "timeout"]
    assert len(timed_out) == 1 and text_of[timed_out[0]["id"]] == "hang", timed_out
    assert "killed" in timed_out[0]["reason"]
    assert all(v["status"] == "correct" for v in verdicts if text_of[v["id"]] == "fine")


WATCHDOG_SCRIPT = r"""
import json, os, signal, sys
from collections import Counter
from proctor import tasks
from proctor.pool import Job
from proctor.ray_executor.executor import RayExecutor

problems = tasks.get("arith.integer").generate(300, 2, difficulty=2)
jobs = [Job(p.id, "ray.sleeps", p, "ok") for p in problems]
statuses = Counter()
with RayExecutor(workers=2, timeout=1, address=sys.argv[1], watchdog_grace=3) as pool:
    for key, verdict in pool.grade(jobs):
        statuses[verdict.status] += 1
        if sum(statuses.values()) == 30:  # wedge one actor mid-run: it answers nothing any more
            os.kill(next(a["pid"] for a in pool.where() if a), signal.SIGSTOP)
    print(json.dumps({"statuses": statuses, "stats": pool.stats}))
"""


def test_the_watchdog_replaces_a_wedged_actor_and_loses_no_item(cluster, tmp_path):
    done = subprocess.run(cluster.inside([sys.executable, "-c", WATCHDOG_SCRIPT, cluster.address]), env=cluster.env,
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["stats"]["watchdog_kills"] >= 1
    assert out["statuses"] == {"correct": 300}  # the stuck batch's items were graded again, one by one


# --- what every node needs ---------------------------------------------------------

def test_a_node_without_a_plugin_or_isolation_refuses_naming_itself(cluster, tmp_path):
    # A third node that lacks the test plug-in's package and has no cgroups to limit
    # sandboxed code. Each run lasts long enough on the two good nodes for the third
    # node's actor to start and refuse.
    broken = cluster.add_worker("broken", env={"PYTHONPATH": str(TESTS), "PROCTOR_CGROUP_ROOT": "/nonexistent"})
    try:
        problems, completions = write_items(tmp_path, ["ok"] * 900)  # 20 ms each: 9 s on two actors
        plugin = proctor(cluster, "grade", problems, completions, "--grader", "ray.sleeps", "--workers", "3",
                         *on_ray(cluster), db=tmp_path / "w.db")
        assert plugin.returncode == 3, plugin.stderr
        line = plugin.stderr.strip().splitlines()[-1]
        assert "Ray node 127.0.0.1" in line and "package proctor-test-graders 1.0" in line, line
        assert "not installed there" in line and "Traceback" not in plugin.stderr

        slow = "import time\ntime.sleep(0.5)\ndef f():\n    return 1\n"  # 0.5 s a sample, in the sandbox
        code_problems, code_completions = write_items(tmp_path, [slow] * 40, task="code.functions")
        code = proctor(cluster, "grade", code_problems, code_completions, "--workers", "3", *on_ray(cluster),
                       db=tmp_path / "c.db")
        assert code.returncode == 3, code.stderr
        line = code.stderr.strip().splitlines()[-1]
        assert "Ray node 127.0.0.1" in line and "cannot isolate it here" in line and "bubblewrap" in line, line
        assert "no memory/pids limits possible" in line and "Traceback" not in code.stderr
    finally:
        cluster.stop_node(broken)


# --- the same crash safety ---------------------------------------------------------

def start_slow_run(cluster, tmp_path: Path, db: Path) -> subprocess.Popen:
    if not (tmp_path / "p.jsonl").exists():
        write_items(tmp_path, ["ok"] * SLOW_ITEMS)
    command = [sys.executable, "-m", "proctor.cli", "grade", tmp_path / "p.jsonl", tmp_path / "c.jsonl", "--grader",
               "ray.sleeps", "--run", "slow", "--db", db, "--workers", "2", *on_ray(cluster)]
    return subprocess.Popen(cluster.inside(command), env=cluster.env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_for_verdicts(db: Path, process: subprocess.Popen, at_least: int) -> int:
    deadline = time.monotonic() + 180
    while verdict_count(db) < at_least and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return verdict_count(db)


def assert_every_verdict_stored_once(db: Path) -> None:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT id, sample, status FROM verdicts WHERE run = 'slow'").fetchall()
        completions = con.execute("SELECT COUNT(*) FROM completions WHERE run = 'slow'").fetchone()[0]
    assert completions == SLOW_ITEMS and len(rows) == SLOW_ITEMS
    assert len({(pid, sample) for pid, sample, _ in rows}) == SLOW_ITEMS
    assert Counter(status for _, _, status in rows) == {"correct": SLOW_ITEMS}


def test_a_sigkilled_driver_resumes_without_losing_or_repeating_a_verdict(cluster, tmp_path):
    db = tmp_path / "s.db"
    driver = start_slow_run(cluster, tmp_path, db)
    before = wait_for_verdicts(db, driver, 60)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert driver.returncode == -signal.SIGKILL
    assert 0 < before < SLOW_ITEMS, "the kill must land mid-run for this test to mean anything"

    again = start_slow_run(cluster, tmp_path, db)
    _, err = again.communicate(timeout=240)
    assert again.returncode == 0, err
    assert_every_verdict_stored_once(db)


def test_zz_a_node_whose_raylet_is_sigkilled_loses_nothing(cluster, tmp_path):
    """Runs last: the worker node does not come back."""
    db = tmp_path / "s.db"
    driver = start_slow_run(cluster, tmp_path, db)
    before = wait_for_verdicts(db, driver, 60)
    worker = next(node for node in cluster.nodes if node.name == "worker")
    os.kill(worker.raylet_pid(), signal.SIGKILL)
    _, err = driver.communicate(timeout=240)
    assert 0 < before < SLOW_ITEMS, "the kill must land mid-run for this test to mean anything"
    assert driver.returncode == 0, err
    assert "lost the grading actor on Ray node" in err  # its batches went out again
    assert_every_verdict_stored_once(db)
