"""`proctor serve`: proctor's graders behind HTTP for RL trainers, and the client for it.

    config     the limits and options of one server, checked before anything starts
    items      a request's JSON -> grading items, every error naming its field
    executor   where items are graded: the local killable pool (a Ray executor plugs in here)
    dispatcher the bounded queue, batching across requests, deadlines
    recorder   verdicts into the run store (--run NAME), committed before the answer goes out
    metrics    Prometheus counters, gauges and histograms
    app        the Starlette routes, auth and size caps
    server     uvicorn, the listening socket, readiness probe, SIGTERM drain
    client     proctor.rewards.remote(url): TRL and veRL signatures over HTTP, with retries

Only `client` runs without the `serve` extra (it needs `requests`, a core dependency).
docs/serve.md holds the request and response schemas.
"""
from __future__ import annotations
