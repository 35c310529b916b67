"""Model backends, chosen by `--model SPEC`:

    local                      the bundled SmolLM2-135M-Instruct through llama-cpp-python
    openai:MODEL@BASE_URL      any OpenAI-compatible chat endpoint (vLLM, SGLang, llama.cpp, TGI)
    openai-completions:MODEL@BASE_URL   the same, through the plain completions API
    lm-eval:NAME               any model registered in lm-eval, with --model-args
    file:COMPLETIONS.jsonl     completions produced elsewhere
"""
from __future__ import annotations

from proctor.errors import BadInput
from proctor.models.base import Model, Request

SPECS = "local, openai:MODEL@BASE_URL, openai-completions:MODEL@BASE_URL, lm-eval:NAME, file:COMPLETIONS.jsonl"


def open_model(spec: str, model_args: str = "") -> Model:
    kind, _, rest = spec.partition(":")
    if spec == "local":
        from proctor.models.local import LocalModel

        return LocalModel.from_args(model_args)
    if kind in ("openai", "openai-completions") and "@" in rest:
        from proctor.models.openai import OpenAIModel

        name, _, base_url = rest.partition("@")
        if not name or not base_url.startswith(("http://", "https://")):
            raise BadInput(f"--model {spec!r}: expected {kind}:MODEL@http(s)://HOST:PORT/v1")
        return OpenAIModel(name, base_url, chat=(kind == "openai"), args=model_args)
    if kind == "lm-eval" and rest:
        from proctor.models.lmeval import LmEvalModel

        return LmEvalModel(rest, model_args)
    if kind == "file" and rest:
        from proctor.models.file import FileModel

        return FileModel(rest)
    raise BadInput(f"--model {spec!r} is not a model spec; allowed: {SPECS}")


__all__ = ["Model", "Request", "SPECS", "open_model"]
