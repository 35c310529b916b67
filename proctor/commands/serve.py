"""`proctor serve`: graders behind HTTP for RL trainers (docs/serve.md)."""
from __future__ import annotations

from proctor.commands.common import add_grading_options
from proctor.options import finite_float
from proctor.defaults import (SERVE_GRACE_SECONDS, SERVE_HOST, SERVE_MAX_BATCH, SERVE_MAX_COMPLETION_CHARS,
                              SERVE_MAX_DEADLINE, SERVE_MAX_ITEMS, SERVE_MAX_QUEUE, SERVE_MAX_REQUEST_BYTES,
                              SERVE_PORT)


def add_parser(sub) -> None:
    serve = sub.add_parser("serve", help="serve grading and rewards over HTTP (for RL trainers)",
                           description="Grading and rewards over HTTP: POST /v1/grade, /v1/rewards, /get_reward "
                                       "(OpenRLHF); GET /healthz, /readyz, /metrics. See docs/serve.md.")
    serve.add_argument("--host", default=SERVE_HOST,
                       help=f"address to bind (default {SERVE_HOST}); beyond loopback a --token-env is required")
    serve.add_argument("--port", type=int, default=SERVE_PORT, help=f"port (default {SERVE_PORT}; 0 picks a free one)")
    serve.add_argument("--token-env", metavar="NAME",
                       help="environment variable holding the bearer token every request must carry")
    serve.add_argument("--sandbox", default="bwrap", help="sandbox backend for model code (default bwrap)")
    serve.add_argument("--allow-unsafe-process", action="store_true",
                       help="allow --sandbox process: model code WITHOUT isolation (never on a shared machine)")
    serve.add_argument("--run", help="also keep every item and verdict in the run store under this name "
                                     "(restarting with the same name grades what a crash left)")
    serve.add_argument("--db", help="run store path (default: $PROCTOR_DB or ./proctor.db)")
    serve.add_argument("--problems", action="append", default=[], metavar="FILE.jsonl",
                       help="problems clients may name by problem_id (repeatable)")
    serve.add_argument("--problems-run", action="append", default=[], metavar="RUN",
                       help="a stored run whose problems clients may name by problem_id (repeatable)")
    serve.add_argument("--grace", type=finite_float, default=SERVE_GRACE_SECONDS,
                       help=f"seconds in-flight requests get after SIGTERM (default {SERVE_GRACE_SECONDS:g})")
    serve.add_argument("--openrlhf-unscored", default="group-mean",
                       help="reward /get_reward gives an unscored item: group-mean (default: the mean of its "
                            "prompt's scored items) or a number")
    limits = serve.add_argument_group("limits")
    limits.add_argument("--max-queue", type=int, default=SERVE_MAX_QUEUE,
                        help=f"items waiting to start; past it 429 with Retry-After (default {SERVE_MAX_QUEUE})")
    limits.add_argument("--max-items", type=int, default=SERVE_MAX_ITEMS,
                        help=f"items in one request (default {SERVE_MAX_ITEMS})")
    limits.add_argument("--max-request-bytes", type=int, default=SERVE_MAX_REQUEST_BYTES,
                        help=f"bytes of one request body (default {SERVE_MAX_REQUEST_BYTES})")
    limits.add_argument("--max-completion-chars", type=int, default=SERVE_MAX_COMPLETION_CHARS,
                        help=f"characters of one completion (default {SERVE_MAX_COMPLETION_CHARS})")
    limits.add_argument("--max-batch", type=int, default=SERVE_MAX_BATCH,
                        help=f"items one pool batch takes from the queue (default {SERVE_MAX_BATCH})")
    limits.add_argument("--max-deadline", type=finite_float, default=SERVE_MAX_DEADLINE,
                        help=f"largest deadline_seconds a request may ask (default {SERVE_MAX_DEADLINE:g})")
    add_grading_options(serve)


def run(args) -> int:
    from proctor.serve.config import Limits, ServeConfig
    from proctor.serve.server import serve

    limits = Limits(max_queue=args.max_queue, max_items=args.max_items, max_request_bytes=args.max_request_bytes,
                    max_completion_chars=args.max_completion_chars, max_batch=args.max_batch,
                    max_deadline=args.max_deadline)
    return serve(ServeConfig(host=args.host, port=args.port, workers=args.workers, executor=args.executor,
                             ray_address=args.ray_address,
                             timeout=args.timeout, memory_mb=args.memory_mb, token_env=args.token_env,
                             sandbox=args.sandbox, allow_unsafe_process=args.allow_unsafe_process, run=args.run,
                             db=args.db, problems_files=tuple(args.problems), problems_runs=tuple(args.problems_run), grace=args.grace,
                             openrlhf_unscored=args.openrlhf_unscored, limits=limits))
