"""Request overhead of the two ASGI stacks `proctor serve` could stand on.

Each stack serves one POST route on 127.0.0.1 that reads a JSON body of N items
(completion text plus a problem), checks every field and answers one small
object per item: the shape of /v1/grade without the grading. Compared in the
same run, same uvicorn, same client:

  starlette   a plain Starlette route; the body read as bytes, json.loads, fields
              checked by hand (what proctor.serve does)
  fastapi     a FastAPI route with a pydantic request model (FastAPI's own way:
              validation and the 422 come from the model)

The client is aiohttp with C concurrent connections; the load is bounded (R
requests per stack) and goes to 127.0.0.1 only.

    .venv/bin/python bench/serve_stack.py [--requests 3000] [--items 64] [--concurrency 16]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time

SERVER = r'''
import json, sys
import uvicorn
kind, port = sys.argv[1], int(sys.argv[2])
if kind == "starlette":
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def check(item, i):
        if not isinstance(item, dict):
            raise ValueError(f"items[{i}] must be an object")
        if not isinstance(item.get("completion"), str):
            raise ValueError(f"items[{i}].completion must be text")
        problem = item.get("problem")
        if not isinstance(problem, dict):
            raise ValueError(f"items[{i}].problem must be an object")
        for key in ("id", "task", "prompt"):
            if not isinstance(problem.get(key), str):
                raise ValueError(f"items[{i}].problem.{key} must be text")
        sample = item.get("sample", 0)
        if not isinstance(sample, int) or isinstance(sample, bool):
            raise ValueError(f"items[{i}].sample must be an integer")
        return problem["id"], sample

    async def grade(request):
        body = await request.body()
        data = json.loads(body)
        try:
            keys = [check(item, i) for i, item in enumerate(data["items"])]
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return Response(json.dumps({"verdicts": [{"id": k, "sample": s, "status": "correct", "score": 1.0}
                                                  for k, s in keys]}), media_type="application/json")

    app = Starlette(routes=[Route("/v1/grade", grade, methods=["POST"])])
else:
    from typing import Any
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Problem(BaseModel):
        id: str
        task: str
        prompt: str
        reference: Any = None
        metadata: dict = {}

    class Item(BaseModel):
        problem: Problem
        completion: str
        sample: int = 0

    class Batch(BaseModel):
        items: list[Item]

    class Verdict(BaseModel):
        id: str
        sample: int
        status: str
        score: float

    class Answer(BaseModel):
        verdicts: list[Verdict]

    app = FastAPI()

    @app.post("/v1/grade")
    async def grade(batch: Batch) -> Answer:
        return Answer(verdicts=[Verdict(id=i.problem.id, sample=i.sample, status="correct", score=1.0)
                                for i in batch.items])

uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(items: int) -> bytes:
    return json.dumps({"items": [
        {"problem": {"id": f"math.linear/{i}", "task": "math.linear", "prompt": "Solve 3x + 4 = 10 for x.",
                     "reference": "2", "metadata": {"seed": 0, "index": i}},
         "completion": "We subtract 4 and divide by 3, so x = \\boxed{2}." * 4, "sample": i % 4}
        for i in range(items)]}).encode()


async def drive(port: int, payload: bytes, requests: int, concurrency: int) -> tuple[float, list[float]]:
    import aiohttp

    latencies: list[float] = []
    remaining = [requests]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def client():
            while remaining[0] > 0:
                remaining[0] -= 1
                started = time.perf_counter()
                async with session.post(f"http://127.0.0.1:{port}/v1/grade", data=payload,
                                        headers={"Content-Type": "application/json"}) as response:
                    assert response.status == 200, await response.text()
                    await response.read()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def measure(kind: str, payload: bytes, requests: int, concurrency: int) -> tuple[float, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, kind, str(port)])
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        asyncio.run(drive(port, payload, 200, concurrency))  # warm-up
        elapsed, latencies = asyncio.run(drive(port, payload, requests, concurrency))
        return requests / elapsed, statistics.median(latencies) * 1000
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--items", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    payload = body(args.items)
    results = {kind: measure(kind, payload, args.requests, args.concurrency) for kind in ("starlette", "fastapi")}
    print(f"{args.requests} requests of {args.items} items ({len(payload):,} bytes), {args.concurrency} connections, "
          f"{os.cpu_count()} CPUs, uvicorn, client and server on this machine")
    for kind, (rate, p50) in results.items():
        print(f"  {kind:10s} {rate:8,.0f} requests/s  {rate * args.items:10,.0f} items/s  p50 {p50:6.1f} ms")
    print(f"  starlette / fastapi: {results['starlette'][0] / results['fastapi'][0]:.2f}x requests/s")


if __name__ == "__main__":
    main()
