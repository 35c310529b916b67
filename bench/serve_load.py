"""`proctor serve` under a bounded closed-loop load on 127.0.0.1, against the in-process pool.

For each mix (math, json, code, all): a real `proctor serve` subprocess on
127.0.0.1; C clients (aiohttp, one process) each send a request of K items,
wait for the answer, and send the next, for S seconds; then they stop. Printed:
items/s, request latency p50/p95/p99, and the ratio to proctor's GradingPool
grading the same items in-process with the same number of workers. Every
verdict the server gave is checked against the in-process verdict of the same
item (nothing mis-scored under load).

Then overload: a server with a small --max-queue and the same clients sending
large requests without pause; a refused request (429) waits its Retry-After
(spread by jitter) and is sent again. Printed: requests refused, errors (any
other failure: must be 0) and items lost (sent but never graded: must be 0).

All traffic goes to 127.0.0.1; every phase is bounded in time and stops by itself.

    .venv/bin/python bench/serve_load.py [--seconds 60] [--clients 64] [--items 8] [--workers 2]
                                         [--mixes math,json,code,all] [--overload-seconds 20]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import proctor
from proctor import tasks
from proctor.pool import GradingPool, Job, default_workers

FAMILIES = {
    "math": [("arith.integer", {"difficulty": 3}), ("math.linear", {"difficulty": 3}),
             ("math.arithmetic", {"difficulty": 3}), ("math.quadratic", {"difficulty": 3})],
    "json": [("json.extract", {"difficulty": 3}), ("json.conform", {"difficulty": 3}),
             ("json.toolcall", {"difficulty": 3})],
    "code": [("code.functions", {"difficulty": 3}), ("code.stdio", {"difficulty": 3})],
}
FAMILIES["all"] = FAMILIES["math"] + FAMILIES["json"] + FAMILIES["code"]


def completion(problem, right: bool) -> str:
    task = problem.task
    if task.startswith("code"):
        return f"```python\n{problem.reference['solution']}\n```" if right else "```python\nprint(42)\n```"
    if task.startswith("json"):
        expected = problem.reference.get("expected")
        if expected is None:
            return '{"ok": true}' if not right else json.dumps(problem.reference.get("example", {}))
        return json.dumps(expected) if right else '{"name": 1}'
    return f"so the answer is \\boxed{{{problem.reference}}}" if right else "the answer is 7/3"


def items_of(mix: str, count: int, seed: int = 0) -> list[dict]:
    families = FAMILIES[mix]
    per = max(1, count // len(families))
    items = []
    for task, params in families:
        family = tasks.get(task)
        n = min(per, family.capacity(family.resolve_params(params)) or per)
        for i, problem in enumerate(proctor.generate(task, n=n, seed=seed, **params)):
            items.append({"problem": problem.to_dict(), "completion": completion(problem, i % 3 != 0),
                          "sample": 0})
    random.Random(seed).shuffle(items)
    return items


def in_process(items: list[dict], workers: int, count: int) -> tuple[float, dict]:
    """items/s of a started GradingPool grading `count` items cycled from `items` (as the served
    clients cycle them, so caches warm alike), and each item's verdict status."""
    from proctor.graders.problem import Problem

    jobs = []
    for i in range(max(count, len(items))):
        item = items[i % len(items)]
        problem = Problem.from_dict(item["problem"])
        jobs.append(Job((i, i % len(items)), tasks.get(problem.task).grader, problem, item["completion"]))
    statuses = {}
    with GradingPool(workers=workers, timeout=30) as pool:
        list(pool.grade(jobs[:workers]))  # workers started, as the server's are before its load
        started = time.perf_counter()
        for (_, index), verdict in pool.grade(jobs):
            statuses[index] = verdict.status
        elapsed = time.perf_counter() - started
    return len(jobs) / elapsed, statuses


class Server:
    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "proctor.cli", "serve", "--port", "0", *args],
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stderr.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not found:
            self.proc.kill()
            raise SystemExit(f"the server did not start: {line}{self.proc.stderr.read()}")
        self.url = found.group(1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


async def closed_loop(url: str, items: list[dict], clients: int, per_request: int, seconds: float):
    """(items graded, seconds, request latencies, {item index: status}, non-200 answers)."""
    import aiohttp

    requests_ = [list(range(i, i + per_request)) for i in range(0, len(items) - per_request + 1, per_request)]
    latencies: list[float] = []
    statuses: dict[int, str] = {}
    failures = 0
    graded = 0
    stop_at = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                     timeout=aiohttp.ClientTimeout(total=300)) as session:
        async def client(number: int):
            nonlocal failures, graded
            k = number
            while time.monotonic() < stop_at:
                indexes = requests_[k % len(requests_)]
                k += clients
                started = time.perf_counter()
                async with session.post(url + "/v1/grade", json={"items": [items[i] for i in indexes]}) as answer:
                    body = await answer.read()
                if answer.status != 200:
                    failures += 1
                    continue
                latencies.append(time.perf_counter() - started)
                for i, verdict in zip(indexes, json.loads(body)["verdicts"]):
                    statuses[i] = verdict["status"]
                graded += len(indexes)

        started = time.monotonic()
        await asyncio.gather(*(client(n) for n in range(clients)))
        return graded, time.monotonic() - started, latencies, statuses, failures


async def overload(url: str, items: list[dict], clients: int, per_request: int, seconds: float):
    """Clients send without pause; 429s wait Retry-After and resend. Every request sent is eventually
    answered (bounded: a request gives up after 120 s of refusals, counted as lost)."""
    import aiohttp

    sent = answered = refused = errors = lost = 0
    stop_at = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                     timeout=aiohttp.ClientTimeout(total=300)) as session:
        async def client(number: int):
            nonlocal sent, answered, refused, errors, lost
            rng = random.Random(number)
            while time.monotonic() < stop_at:
                batch = rng.sample(items, per_request)
                sent += per_request
                give_up = time.monotonic() + 120
                while True:
                    try:
                        async with session.post(url + "/v1/grade", json={"items": batch}) as answer:
                            body = await answer.read()
                            status, retry_after = answer.status, answer.headers.get("Retry-After")
                    except aiohttp.ClientError:
                        errors += 1
                        break
                    if status == 200:
                        if len(json.loads(body)["verdicts"]) == per_request:
                            answered += per_request
                        else:
                            errors += 1
                        break
                    if status != 429:
                        errors += 1
                        break
                    refused += 1
                    if time.monotonic() > give_up:
                        lost += per_request
                        break
                    await asyncio.sleep(float(retry_after or 1) * rng.uniform(1.0, 1.5))

        await asyncio.gather(*(client(n) for n in range(clients)))
    return sent, answered, refused, errors, lost


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--items", type=int, default=8, help="items per request")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--mixes", default="math,json,code,all")
    parser.add_argument("--pool-items", type=int, default=2400, help="distinct items per mix")
    parser.add_argument("--overload-seconds", type=float, default=20)
    parser.add_argument("--overload-queue", type=int, default=256)
    args = parser.parse_args()
    os.environ.setdefault("PROCTOR_DB", str(Path("/tmp") / f"serve-load-{os.getpid()}.db"))
    print(f"proctor serve under load: {args.clients} closed-loop clients x {args.items} items per request for "
          f"{args.seconds:g} s per mix, {args.workers} workers, {os.cpu_count()} CPUs shared by server, workers "
          f"and load generator; all on 127.0.0.1")
    print(f"{'mix':6s} {'served items/s':>15s} {'in-process items/s':>19s} {'ratio':>6s} {'p50 ms':>8s} "
          f"{'p95 ms':>8s} {'p99 ms':>8s} {'requests':>9s} {'non-200':>8s} {'mis-scored':>10s}")
    for mix in args.mixes.split(","):
        items = items_of(mix, args.pool_items)
        server = Server("--workers", str(args.workers), "--timeout", "30")
        try:
            graded, elapsed, latencies, statuses, failures = asyncio.run(
                closed_loop(server.url, items, args.clients, args.items, args.seconds))
        finally:
            server.stop()
        rate = graded / elapsed
        local_rate, local_status = in_process(items, args.workers, graded)
        misscored = sum(status != local_status[i] for i, status in statuses.items())
        print(f"{mix:6s} {rate:15,.0f} {local_rate:19,.0f} {rate / local_rate:6.2f} {percentile(latencies, 50):8.1f} "
              f"{percentile(latencies, 95):8.1f} {percentile(latencies, 99):8.1f} {len(latencies):9,d} "
              f"{failures:8d} {misscored:10d}")
    items = items_of("math", args.pool_items)
    server = Server("--workers", str(args.workers), "--max-queue", str(args.overload_queue), "--max-items", "64")
    try:
        sent, answered, refused, errors, lost = asyncio.run(
            overload(server.url, items, args.clients, 64, args.overload_seconds))
    finally:
        server.stop()
    print(f"overload (math, --max-queue {args.overload_queue}, {args.clients} clients x 64 items without pause, "
          f"{args.overload_seconds:g} s): {sent:,} items sent, {answered:,} graded, {refused:,} requests refused "
          f"with 429 and sent again, {errors} errors, {lost} items lost")


if __name__ == "__main__":
    main()
