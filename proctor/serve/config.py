"""What one `proctor serve` is allowed to do, checked before it binds a port.

Every refusal here is bad input (exit 2) in one line naming the flag: a server
on a public address without a token, the unisolated `process` sandbox without
the flag that forces it, an executor that is not installed, limits that
contradict each other.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from proctor.defaults import (DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, SERVE_GRACE_SECONDS, SERVE_HOST,
                              SERVE_MAX_BATCH, SERVE_MAX_COMPLETION_CHARS, SERVE_MAX_DEADLINE, SERVE_MAX_ITEMS,
                              SERVE_MAX_QUEUE, SERVE_MAX_REQUEST_BYTES, SERVE_PORT)
from proctor.errors import BadInput
from proctor.executors import check_executor_options
UNSAFE_SANDBOX = "process"  # no isolation at all: model code would run as the server's user


@dataclass(frozen=True)
class Limits:
    max_queue: int = SERVE_MAX_QUEUE
    max_items: int = SERVE_MAX_ITEMS
    max_request_bytes: int = SERVE_MAX_REQUEST_BYTES
    max_completion_chars: int = SERVE_MAX_COMPLETION_CHARS
    max_batch: int = SERVE_MAX_BATCH
    max_deadline: float = SERVE_MAX_DEADLINE


@dataclass(frozen=True)
class ServeConfig:
    host: str = SERVE_HOST
    port: int = SERVE_PORT
    workers: int | None = None
    executor: str = "local"
    ray_address: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    token: str | None = field(default=None, repr=False)
    token_env: str | None = None
    sandbox: str = "bwrap"
    allow_unsafe_process: bool = False
    run: str | None = None
    db: str | None = None
    problems_files: tuple[str, ...] = ()
    problems_runs: tuple[str, ...] = ()
    grace: float = SERVE_GRACE_SECONDS
    openrlhf_unscored: str = "group-mean"
    limits: Limits = Limits()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(token_env: str | None, host: str) -> str | None:
    """The bearer token from the named environment variable; required off loopback."""
    if token_env is not None:
        token = os.environ.get(token_env, "")
        if not token.strip():
            raise BadInput(f"--token-env {token_env}: the environment variable {token_env} is not set or empty")
        if len(token) < 16:
            raise BadInput(f"--token-env {token_env}: the token is {len(token)} characters; use at least 16 "
                           f"(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
        return token.strip()
    if not is_loopback(host):
        raise BadInput(f"--host {host}: binding beyond loopback needs a bearer token; put one in an environment "
                       f"variable and name it with --token-env NAME")
    return None


def opening_problems(config: ServeConfig) -> None:
    """Raises BadInput for the first contradiction in a configuration."""
    limits = config.limits
    check_executor_options(config.executor, config.workers, config.ray_address)
    if not 0 <= config.port <= 65535:
        raise BadInput(f"--port {config.port}: a TCP port is 0-65535 (0 picks a free one)")
    if config.workers is not None and config.workers < 1:
        raise BadInput(f"--workers {config.workers}: a server grades in at least 1 worker process "
                       f"(the hard per-item kill needs one)")
    if config.timeout <= 0:
        raise BadInput(f"--timeout must be a positive number of seconds, got {config.timeout:g}")
    if config.grace < 0:
        raise BadInput(f"--grace must be 0 or more seconds, got {config.grace:g}")
    for name in ("max_queue", "max_items", "max_request_bytes", "max_completion_chars", "max_batch"):
        if getattr(limits, name) < 1:
            raise BadInput(f"--{name.replace('_', '-')} must be at least 1, got {getattr(limits, name)}")
    if limits.max_items > limits.max_queue:
        raise BadInput(f"--max-items {limits.max_items} is larger than --max-queue {limits.max_queue}: "
                       f"such a request could never be admitted")
    if config.sandbox == UNSAFE_SANDBOX and not config.allow_unsafe_process:
        raise BadInput("the 'process' sandbox runs model code without isolation; a server refuses it unless "
                       "forced with --allow-unsafe-process")
    if config.openrlhf_unscored != "group-mean":
        try:
            float(config.openrlhf_unscored)
        except ValueError:
            raise BadInput(f"--openrlhf-unscored {config.openrlhf_unscored}: give 'group-mean' or a number") from None
