"""Starting, running and stopping one `proctor serve`.

Order at start: check the configuration (exit 2), bind the socket (exit 3 if
taken), load every grader and task, check the sandbox can isolate code here
(exit 3, as `proctor grade` does), grade what a crashed earlier server left
without a verdict (--run), fork the grading workers, then serve. /readyz turns
ready once a real sandboxed probe (a right and a wrong program through the
pool) came back as expected.

SIGTERM (or Ctrl-C): /readyz answers 503 and new work 503, the listening
socket closes, requests in flight get up to --grace seconds to be answered,
then the workers stop. Exit code 0.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time

from proctor import graders
from proctor import tasks
from proctor.errors import InfrastructureError
from proctor.graders.problem import Problem
from proctor.pool import Job, default_workers
from proctor.serve.config import UNSAFE_SANDBOX, ServeConfig, opening_problems, read_token
from proctor.serve.items import ProblemIndex, Router

PROBE_RETRY_SECONDS = 10.0


def serve(config: ServeConfig) -> int:
    from proctor.extras import require

    require("serve", "proctor serve")
    opening_problems(config)
    token = read_token(config.token_env, config.host)
    # Every grading worker inherits this, and it outranks a problem's metadata, so
    # nothing a request sends can choose a weaker sandbox (items.Router refuses it too).
    os.environ["PROCTOR_SANDBOX"] = config.sandbox
    if config.sandbox == UNSAFE_SANDBOX:
        print("proctor serve: WARNING: --allow-unsafe-process: model code runs WITHOUT isolation", file=sys.stderr)
    listener = _bind(config.host, config.port)
    try:
        return _serve_on(listener, config, token)
    finally:
        listener.close()


def _serve_on(listener: socket.socket, config: ServeConfig, token: str | None) -> int:
    import uvicorn

    from proctor.serve.app import Readiness, Service, build_app
    from proctor.serve.dispatcher import Dispatcher
    from proctor.serve.executor import open_executor
    from proctor.serve.metrics import Metrics
    from proctor.serve.recorder import Recorder

    _load_plugins()
    _check_sandbox()
    index = _problem_index(config)
    if config.run:
        _resume(config)
    # On Ray, --workers counts grading actors, by default one per CPU of the cluster.
    workers = config.workers or (None if config.executor == "ray" else default_workers())
    executor = open_executor(config.executor, workers=workers, timeout=config.timeout, memory_mb=config.memory_mb,
                             ray_address=config.ray_address)
    metrics = Metrics()
    sandboxed = {name for name in graders.names() if _needs_sandbox(name)}
    dispatcher = Dispatcher(executor, max_queue=config.limits.max_queue, max_batch=config.limits.max_batch,
                            metrics=metrics, sandboxed=sandboxed.__contains__)
    recorder = None
    try:
        if config.run:
            recorder = Recorder(config.db, config.run, {"command": "serve", "host": config.host})
        service = Service(config, Router(config.sandbox, index), dispatcher, metrics, recorder, Readiness())
        # uvicorn's own cut (it cancels the request tasks: a 500) is only the backstop; at the end of the
        # grace period the service answers what still waits with 503 itself, which clients retry.
        server = _DrainingServer(uvicorn.Config(build_app(service, token), log_level="warning", access_log=False,
                                                timeout_graceful_shutdown=config.grace + 5, lifespan="off"),
                                 service, config.grace)
        port = listener.getsockname()[1]
        host = f"[{config.host}]" if ":" in config.host else config.host
        print(f"proctor serve: listening on http://{host}:{port} (executor {config.executor}, {workers or 'cluster-sized'} workers, "
              f"sandbox {config.sandbox}, queue {config.limits.max_queue:,} items, token "
              f"{'required' if token else 'off'}{', run ' + config.run if config.run else ''})",
              file=sys.stderr, flush=True)
        prober = threading.Thread(target=_probe, args=(executor, service), name="proctor-probe", daemon=True)
        prober.start()
        # uvicorn re-raises the stop signal after it returns, with the handler it found
        # installed: make that one ours, so the drain below still runs.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        server.run(sockets=[listener])
        # uvicorn has answered what it could within the grace period; finish or cut the rest.
        spent = 0.0 if server.drain_started is None else time.monotonic() - server.drain_started
        left = max(1.0, config.grace - spent)
        if not dispatcher.close(timeout=left):
            dispatcher.abandon("the server stopped before grading this item")
    finally:
        dispatcher.begin_drain()
        executor.close()
        if recorder is not None:
            recorder.close()
    print(f"proctor serve: stopped ({_summary(metrics)})", file=sys.stderr, flush=True)
    return 0


class _DrainingServer:
    """uvicorn's Server, told to drain as soon as a stop signal arrives, and to answer what is
    still waiting with 503 when the grace period is over."""

    def __new__(cls, config, service, grace: float):
        import asyncio

        import uvicorn

        class Server(uvicorn.Server):
            drain_started: float | None = None

            def handle_exit(self, sig, frame):
                if self.drain_started is None:
                    self.drain_started = time.monotonic()
                    print(f"proctor serve: signal {sig}: draining (new work is refused; in-flight requests have "
                          f"{grace:g} s)", file=sys.stderr, flush=True)
                    service.dispatcher.begin_drain()
                    try:
                        loop = asyncio.get_running_loop()
                    except RuntimeError:
                        loop = None
                    if loop is not None:
                        loop.call_soon_threadsafe(loop.call_later, grace, service.cut_in_flight)
                super().handle_exit(sig, frame)

        return Server(config)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InfrastructureError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _load_plugins() -> None:
    """Every task and grader is imported before the workers fork, so they inherit them loaded
    (and a broken plug-in shows at start, not on the first request naming it)."""
    for registry in (tasks, graders):
        for name in registry.names():
            try:
                registry.get(name)
            except Exception as exc:
                print(f"proctor serve: {exc}; requests naming it get 422", file=sys.stderr)


def _needs_sandbox(name: str) -> bool:
    try:
        return bool(graders.get(name).needs_sandbox)
    except Exception:
        return False


def _check_sandbox() -> None:
    from proctor.grading import check_graders

    check_graders([name for name in graders.names() if _needs_sandbox(name)])


def _problem_index(config: ServeConfig) -> ProblemIndex:
    from proctor.jsonl import read_problems
    from proctor.store import RunStore

    problems: dict[str, Problem] = {}
    for path in config.problems_files:
        for _, problem in read_problems(path):
            problems[problem.id] = problem
    runs = list(config.problems_runs) + ([config.run] if config.run else [])
    if config.problems_runs:
        with RunStore(config.db) as store:
            for run in config.problems_runs:
                store.require_run(run)
    local = threading.local()

    def lookup(problem_id: str) -> Problem | None:
        store = getattr(local, "store", None)
        if store is None:
            store = local.store = RunStore(config.db)
        for run in runs:
            problem = store.problem(run, problem_id)
            if problem is not None:
                return problem
        return None

    sources = [f"{len(problems):,} problems of {', '.join(config.problems_files)}"] if config.problems_files else []
    sources += [f"run {run}" for run in runs]
    return ProblemIndex(problems, lookup if runs else None, "; ".join(sources) or "none: start it with --problems "
                                                                                 "FILE or --problems-run RUN")


def _resume(config: ServeConfig) -> None:
    from proctor.grading import grade_pending
    from proctor.store import RunStore

    with RunStore(config.db) as store:
        if store.run(config.run) is None:
            return
        pending = store.count("completions", config.run) - store.count("verdicts", config.run)
        if pending:
            print(f"proctor serve: run {config.run}: grading {pending} stored completions without a verdict "
                  f"(left by an earlier server)", file=sys.stderr, flush=True)
            grade_pending(store, config.run, workers=config.workers, timeout=config.timeout,
                          memory_mb=config.memory_mb, executor=config.executor, ray_address=config.ray_address)


def _probe(executor, service) -> None:
    """Ready once a right program passes and a reward hack fails, both graded in the sandbox through
    the pool as any request's items are; retried until it works."""
    problem = tasks.get("code.functions").generate(1, 0)[0]
    right = f"```python\n{problem.reference['solution']}\n```"
    hack = "```python\nimport sys\nsys.exit(0)\n```"
    readiness, metrics = service.readiness, service.metrics
    while not service.dispatcher.draining:
        try:
            verdicts = dict(executor.grade([Job("right", "code", problem, right), Job("hack", "code", problem, hack)]))
            right_v, hack_v = verdicts["right"], verdicts["hack"]
            if right_v.status == "correct" and hack_v.scored and not hack_v.passed:
                readiness.ready, readiness.reason = True, "the sandbox probe passed"
                metrics.ready.set(1)
                return
            readiness.reason = (f"the sandbox probe failed: a right program got {right_v.status} "
                                f"({right_v.reason[:200]}), a reward hack got {hack_v.status}")
        except Exception as exc:
            readiness.reason = f"the sandbox probe failed: {type(exc).__name__}: {exc}"[:500]
        metrics.sandbox_failures.labels(kind="probe").inc()
        print(f"proctor serve: not ready: {readiness.reason}; retrying in {PROBE_RETRY_SECONDS:g} s",
              file=sys.stderr, flush=True)
        time.sleep(PROBE_RETRY_SECONDS)


def _summary(metrics) -> str:
    counts = {s.labels["status"]: int(s.value) for family in metrics.items.collect() for s in family.samples
              if s.name.endswith("_total")}
    parts = [f"{n:,} {status}" for status, n in counts.items() if n]
    return f"{sum(counts.values()):,} items graded" + (f": {', '.join(parts)}" if parts else "")

