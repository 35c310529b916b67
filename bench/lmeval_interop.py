"""lm-eval interop figures: task loading cost, and one suite through three paths with the local model.

    python bench/lmeval_interop.py [--suite SUITE.toml] [--families arith.integer,math.linear]

Prints:
- lm-eval's TaskManager() (indexes its ~14,000 built-in task YAMLs, what every `lm_eval` CLI run does)
  against TaskManager(include_defaults=False) + proctor.lmeval.task_configs: seconds and the ratio;
- the suite's accuracy per family and the wall time of (1) the exported folder under the `lm_eval`
  CLI, (2) simple_evaluate with task_configs, (3) `proctor grade --from-lm-eval` on (1)'s logs,
  (4) `proctor run --model lm-eval:local-chat-completions`; all against llama-cpp-python's server
  with the bundled SmolLM2-135M-Instruct, greedy.
- reward throughput: proctor.rewards.ProctorReward on 2,000 arith completions (2 workers) against
  grading the same pairs in-process without a pool (workers=0), the floor a pool cannot beat.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def task_loading(suite_path: str) -> None:
    from lm_eval.tasks import TaskManager

    from proctor.lmeval import task_configs

    _, full = timed(lambda: TaskManager())
    (configs, manager), light = timed(lambda: (task_configs(suite_path), TaskManager(include_defaults=False)))
    _, load = timed(lambda: manager.load(configs))
    print(f"task index: TaskManager() {full:.2f} s; task_configs + TaskManager(include_defaults=False) "
          f"{light:.3f} s ({full / light:.0f}x less); loading {len(configs)} proctor tasks (problems "
          f"generated) {load:.2f} s")


def rewards_throughput() -> None:
    import proctor
    from proctor.rewards import ProctorReward, trl_rows
    from proctor.pool import GradingPool, Job

    problems = proctor.generate("arith.integer", n=1000, seed=0, difficulty=3)
    rows = trl_rows(problems) * 2
    completions = [f"\\boxed{{{int(json.loads(r['problem'])['reference']) + (i % 2)}}}" for i, r in enumerate(rows)]
    with ProctorReward(workers=2) as fn:
        fn(completions=completions[:8], problem=[r["problem"] for r in rows[:8]])  # pool start-up, not measured
        rewards, pooled = timed(lambda: fn(completions=completions, problem=[r["problem"] for r in rows]))
    jobs = [Job(i, "numeric", problems[i % 1000], c) for i, c in enumerate(completions)]
    with GradingPool(workers=0) as pool:
        _, inline = timed(lambda: list(pool.grade(jobs)))
    print(f"rewards: {len(rewards)} completions in {pooled:.2f} s through the pool ({len(rewards) / pooled:.0f}/s, "
          f"2 workers, hard timeouts); in-process without isolation {len(jobs) / inline:.0f}/s; "
          f"mean reward {sum(rewards) / len(rewards):.2f}")


def three_paths(suite_path: str) -> None:
    import model_server

    from proctor.suite import load_suite

    suite = load_suite(suite_path)
    server = model_server.start_server()
    work = Path(tempfile.mkdtemp(prefix="lmeval-bench-"))
    try:
        args = f"model={server.model},base_url={server.chat_url},tokenizer_backend=None,timeout=300"
        env = dict(os.environ, PROCTOR_DB=str(work / "proctor.db"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")

        def run(cmd):
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work)
            if done.returncode != 0:
                raise SystemExit(f"{cmd[:3]} failed:\n{done.stderr[-3000:]}")
            return done

        proctor = [sys.executable, "-m", "proctor.cli"]
        run(proctor + ["lm-eval-tasks", str(work / "tasks_out"), "--suite", suite_path])
        _, cli_seconds = timed(lambda: run([str(Path(sys.executable).with_name("lm_eval")), "--include_path",
                                            str(work / "tasks_out"), "--tasks", f"proctor_{suite.name}",
                                            "--model", "local-chat-completions", "--model_args", args,
                                            "--apply_chat_template", "--log_samples", "--output_path",
                                            str(work / "out"), "--confirm_run_unsafe_code"]))
        (results_file,) = (work / "out").rglob("results_*.json")
        cli_acc = {}
        for task, metrics in json.loads(results_file.read_text())["results"].items():
            cli_acc[task] = next(v for k, v in metrics.items() if k.startswith("acc,"))

        def regrade():
            for log in sorted((work / "out").rglob("samples_*.jsonl")):
                run(proctor + ["grade", "--from-lm-eval", str(log), "--run", "regrade-" + log.name.split("_2")[0]])
        _, regrade_seconds = timed(regrade)
        _, run_seconds = timed(lambda: run(proctor + ["run", suite_path, "--model", "lm-eval:local-chat-completions",
                                                      "--model-args", args, "--run", "direct"]))

        def accuracies(run_name):
            rows = json.loads(run(proctor + ["report", run_name, "--json"]).stdout)
            return {r["task"]: r["accuracy"] for r in rows}

        direct = accuracies("direct")
        print(f"{'family':<18} {'lm_eval CLI':>11} {'re-graded':>10} {'proctor run':>11}")
        for family in suite.families:
            task = "proctor_" + family.task.replace(".", "_")
            regraded = accuracies("regrade-samples_" + task).get(family.task)
            print(f"{family.task:<18} {cli_acc.get(task, float('nan')):>11.3f} {regraded:>10.3f} "
                  f"{direct.get(family.task, float('nan')):>11.3f}")
        print(f"wall time: lm_eval CLI {cli_seconds:.1f} s (includes its task index); re-grading all logs "
              f"{regrade_seconds:.1f} s; proctor run --model lm-eval:local-chat-completions {run_seconds:.1f} s; "
              f"{sum(f.n * f.k for f in suite.families)} completions")
    finally:
        model_server.stop_server(server)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", default=str(ROOT / "suites" / "smoke.toml"))
    parser.add_argument("--skip-model", action="store_true", help="only the task-loading and reward figures")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    task_loading(args.suite)
    rewards_throughput()
    if not args.skip_model:
        three_paths(args.suite)


if __name__ == "__main__":
    main()
