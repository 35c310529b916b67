"""proctor families as lm-eval tasks: config dicts for `simple_evaluate`, or a YAML folder for `lm_eval`.

    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager
    from proctor.lmeval import task_configs

    results = simple_evaluate(model="local-chat-completions", model_args="...",
                              tasks=task_configs("suites/smoke.toml"),
                              task_manager=TaskManager(include_defaults=False),
                              apply_chat_template=True, confirm_run_unsafe_code=True)

`TaskManager(include_defaults=False)` skips the index of lm-eval's own ~14,000
task YAMLs, which every `lm_eval` CLI run builds first.

The task of a family is `proctor_<its family name>` (the suite's `name`, by
default the task; characters other than letters, digits and `_` become `_`:
`proctor_arith_integer`), so one task exported twice under two family names
(say two difficulties) becomes two lm-eval tasks; every task also carries the
tags `proctor` and `proctor_<suite>`, so `--tasks proctor_smoke` runs a whole suite.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

from proctor import graders
from proctor import tasks
from proctor.errors import BadInput
from proctor.suite import Family, Suite, load_suite

BRIDGE = "proctor.lmeval.bridge"


def task_name(label: str) -> str:
    return "proctor_" + re.sub(r"[^A-Za-z0-9_]", "_", label)


def _families(suite_or_families) -> tuple[str, list[Family]]:
    if isinstance(suite_or_families, (str, Path)):
        suite_or_families = load_suite(suite_or_families)
    if isinstance(suite_or_families, Suite):
        return suite_or_families.name, list(suite_or_families.families)
    if isinstance(suite_or_families, Family):
        return "custom", [suite_or_families]
    families = list(suite_or_families)
    if not all(isinstance(f, Family) for f in families):
        raise TypeError("task_configs takes a Suite, a suite file path, or Family objects")
    return "custom", families


def _config(family: Family, suite: str, functions: dict) -> dict:
    """One task config; `functions` maps the bridge's function names to what the config holds for them."""
    task = tasks.get(family.task)
    unsafe = bool(graders.get(task.grader).needs_sandbox)
    d = family.decoding
    config = {
        "task": task_name(family.name),
        "tag": ["proctor", task_name(suite)],
        "custom_dataset": functions["build_dataset"],
        "test_split": "test",
        "output_type": "generate_until",
        "doc_to_text": "prompt",
        "doc_to_target": "target",
        "process_results": functions["process_results"],
        "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True},
                        {"metric": "unscored", "aggregation": "mean", "higher_is_better": False}],
        "generation_kwargs": {"until": list(d.stop), "max_gen_toks": d.max_tokens, "temperature": d.temperature,
                              "do_sample": d.temperature > 0},
        "repeats": family.k,
        "num_fewshot": 0,
        "unsafe_code": unsafe,
        "metadata": {"version": task.version, "proctor_task": family.task, "proctor_n": family.n,
                     "proctor_seed": family.seed, "proctor_params": dict(family.params), "proctor_suite": suite,
                     "proctor_label": family.name, "proctor_family": family.name},
    }
    if family.k > 1:  # keep all k samples for process_results, not lm-eval's default first one
        config["filter_list"] = [{"name": "all", "filter": [{"function": "take_first_k", "k": family.k}]}]
    return config


def _check_names(configs: list[dict], suite: str) -> None:
    seen: dict[str, str] = {}
    for config in configs:
        label = config["metadata"]["proctor_label"]
        name = config["task"]
        if name in seen:
            raise BadInput(f"families {seen[name]!r} and {label!r} both become lm-eval task {name!r}; "
                           f"lm-eval task names allow only letters, digits and '_'")
        seen[name] = label
    if task_name(suite) in seen:
        raise BadInput(f"family {seen[task_name(suite)]!r} becomes lm-eval task {task_name(suite)!r}, "
                       f"which is also the suite's tag; rename the suite")


def task_configs(suite_or_families: Suite | str | Path | Family | Iterable[Family]) -> list[dict]:
    """lm-eval task config dicts (callables included) for `simple_evaluate(tasks=...)`."""
    from proctor.lmeval import bridge as lmeval_bridge

    suite, families = _families(suite_or_families)
    functions = {"build_dataset": lmeval_bridge.build_dataset, "process_results": lmeval_bridge.process_results}
    configs = [_config(f, suite, functions) for f in families]
    _check_names(configs, suite)
    return configs


def _yaml_value(value) -> str:
    # JSON is YAML: one exact, dependency-free spelling of every value.
    return json.dumps(value, ensure_ascii=False)


def write_task_folder(directory: str | Path, suite_or_families) -> list[Path]:
    """Writes one YAML per family into `directory`; returns the files written."""
    suite, families = _families(suite_or_families)
    functions = {name: f"!function {BRIDGE}.{name}" for name in ("build_dataset", "process_results")}
    configs = [_config(f, suite, functions) for f in families]
    _check_names(configs, suite)
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the folder: {exc.strerror}", str(directory)) from None
    written = []
    for config in configs:
        name = config["task"]
        unsafe = " --confirm_run_unsafe_code" if config["unsafe_code"] else ""
        lines = [f"# Written by `proctor lm-eval-tasks` from suite {suite!r}, family "
                 f"{config['metadata']['proctor_label']!r}: {config['metadata']['proctor_n']} problems of "
                 f"{config['metadata']['proctor_task']}, seed {config['metadata']['proctor_seed']}.",
                 f"# lm_eval --include_path {directory} --tasks {name} --model ...{unsafe}",
                 "# The problems are generated when lm-eval loads the task; metadata.proctor_* seeds them."]
        for key, value in config.items():
            text = value if isinstance(value, str) and value.startswith("!function ") else _yaml_value(value)
            lines.append(f"{key}: {text}")
        path = directory / f"{name}.yaml"
        try:
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot write: {exc.strerror}", str(path)) from None
        written.append(path)
    return written
