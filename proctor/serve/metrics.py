"""The server's Prometheus metrics (prometheus_client, on a registry of its own).

Names and labels are part of the interface (docs/serve.md lists them); a test
scrapes /metrics and reads them back with prometheus_client's own parser.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from proctor.graders.problem import STATUSES

# Latency buckets from 1 ms to 2 minutes: math answers take about a millisecond,
# a code sample tens of milliseconds, a killed item the hard limit.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        disable_created_metrics()  # the *_created series only add noise to every scrape
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.items = Counter("proctor_items_graded", "Items graded, by verdict status (timeout and error are "
                             "unscored)", ["status"], registry=r)
        self.requests = Counter("proctor_requests", "HTTP requests answered, by route and status code",
                                ["route", "code"], registry=r)
        self.rejected_items = Counter("proctor_rejected_items", "Items refused before grading, by reason "
                                      "(queue_full: 429; draining: 503)", ["reason"], registry=r)
        self.deadline_expired = Counter("proctor_deadline_expired_items", "Items not started before their "
                                        "request's deadline (answered as timeout)", registry=r)
        self.sandbox_failures = Counter("proctor_sandbox_failures", "Verdicts of sandboxed graders that are "
                                        "errors of the sandbox, and failed readiness probes", ["kind"], registry=r)
        self.queue_depth = Gauge("proctor_queue_depth", "Items admitted and waiting to start", registry=r)
        self.in_flight = Gauge("proctor_items_in_flight", "Items handed to the executor and not yet graded",
                               registry=r)
        self.ready = Gauge("proctor_ready", "1 once the sandbox probe passed, 0 before and while draining",
                           registry=r)
        self.item_latency = Histogram("proctor_item_latency_seconds", "From admission to verdict, per item",
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.grade_time = Histogram("proctor_grade_seconds", "Time the grader spent on an item (its elapsed_ms)",
                                    ["grader"], buckets=LATENCY_BUCKETS, registry=r)
        self.request_latency = Histogram("proctor_request_latency_seconds", "From request received to answer "
                                         "sent, by route", ["route"], buckets=LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram("proctor_batch_items", "Items per executor batch (many small requests "
                                    "coalesce into one batch)", buckets=BATCH_BUCKETS, registry=r)
        for status in STATUSES:  # every status shows from the start, at 0
            self.items.labels(status=status)
        for reason in ("queue_full", "draining"):
            self.rejected_items.labels(reason=reason)
        for kind in ("verdict", "probe"):
            self.sandbox_failures.labels(kind=kind)

    def render(self) -> bytes:
        return generate_latest(self.registry)
