"""`--model lm-eval:NAME --model-args K=V,...`: any model registered in lm-eval.

The model is built and driven through lm-eval's own classes
(`lm_eval.api.registry.get_model(NAME).create_from_arg_obj`, then
`generate_until` on `Instance`s), so everything lm-eval supports (hf, vllm,
sglang, local-completions, local-chat-completions, gguf, dummy, and any
`@register_model` plug-in already imported) works here with the arguments its
documentation gives.

Two model arguments belong to proctor and are not passed on:
  apply_chat_template=true|false  wrap each prompt as one user message through the
                                  model's own `apply_chat_template` (default: true
                                  for lm-eval's chat backends, whose names contain
                                  "chat"; they accept nothing else)
  chunk=N                         requests handed to lm-eval per call (default 32);
                                  completions reach the run store after each call,
                                  so a killed run loses at most one chunk
"""
from __future__ import annotations

import importlib.metadata
from typing import Hashable, Iterable, Iterator

from proctor.errors import BadInput, InfrastructureError
from proctor.extras import require
from proctor.models.base import Model, Request

DEFAULT_CHUNK = 32
SECRET_ARGS = ("auth_token", "api_key", "token")


def _require_lm_eval():
    # Your backend may need more than lm-eval[api] (e.g. lm-eval[hf], lm-eval[vllm]): lm-eval then says which.
    require("lm-eval", "--model lm-eval:NAME")
    import lm_eval.api.registry as registry
    # lm-eval registers its built-in backends only when its registry is empty at the
    # first look-up; a plug-in registered earlier would hide them all.
    import lm_eval.models  # noqa: F401

    return registry


def parse_model_args(text: str) -> dict:
    """lm-eval's `K=V,K=V` syntax, parsed by lm-eval's own parser so values mean the same as in `lm_eval`."""
    from lm_eval.utils import simple_parse_args_string

    for item in filter(None, (text or "").split(",")):
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise BadInput(f"--model-args: {item!r} is not KEY=VALUE (lm-eval syntax: key1=value1,key2=value2)")
    return simple_parse_args_string(text or "")


def _as_bool(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no"):
        return False
    raise BadInput(f"--model-args: {name}={value!r}; allowed: true or false")


class LmEvalModel(Model):
    def __init__(self, name: str, model_args: str = ""):
        registry = _require_lm_eval()
        self.name = name
        self.spec = f"lm-eval:{name}"
        args = parse_model_args(model_args)
        self.chat = _as_bool("apply_chat_template", args.pop("apply_chat_template", "chat" in name))
        chunk = args.pop("chunk", DEFAULT_CHUNK)
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise BadInput(f"--model-args: chunk={chunk!r}; allowed: a positive integer")
        self.chunk = chunk
        self.args = args
        try:
            cls = registry.get_model(name)
        except ValueError:
            from lm_eval.models import MODEL_MAPPING

            raise BadInput(f"--model lm-eval:{name}: lm-eval has no model {name!r}; registered: "
                           f"{', '.join(sorted(set(MODEL_MAPPING) | set(registry.model_registry.keys())))}") \
                from None
        except ImportError as exc:  # a lazily registered backend whose own dependencies are missing
            raise InfrastructureError(f"--model lm-eval:{name}: cannot import the backend: {exc} "
                                      f"(install the lm-eval extra for {name})") from None
        self.class_path = f"{cls.__module__}.{cls.__qualname__}"
        try:
            self.lm = cls.create_from_arg_obj(dict(args), {"batch_size": args.get("batch_size")})
        except TypeError as exc:  # an argument the backend does not take
            raise BadInput(f"--model-args for lm-eval:{name}: {exc}") from None
        except (ImportError, OSError, ValueError, RuntimeError) as exc:
            raise InfrastructureError(f"lm-eval:{name} could not start: {type(exc).__name__}: {exc}") from None
        from lm_eval.models.api_models import TemplateAPI

        # API backends put extra generation kwargs into the request body, so a
        # per-request seed reaches the server; others (hf) reject unknown kwargs.
        self._takes_seed = isinstance(self.lm, TemplateAPI)

    def _context(self, prompt: str):
        if not self.chat:
            return prompt
        return self.lm.apply_chat_template([{"role": "user", "content": prompt}])

    def _instance(self, index: int, request: Request):
        from lm_eval.api.instance import Instance

        d = request.decoding
        gen_kwargs = {"until": list(d.stop), "max_gen_toks": d.max_tokens, "temperature": d.temperature,
                      "do_sample": d.temperature > 0}
        if self._takes_seed and d.temperature > 0:
            gen_kwargs["seed"] = request.seed
        return Instance("generate_until", doc={}, arguments=(self._context(request.prompt), gen_kwargs), idx=0,
                        metadata=("proctor", index, 1))

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, str]]:
        batch: list[Request] = []
        for request in requests:
            batch.append(request)
            if len(batch) >= self.chunk:
                yield from self._generate_batch(batch)
                batch = []
        if batch:
            yield from self._generate_batch(batch)

    def _generate_batch(self, batch: list[Request]) -> Iterator[tuple[Hashable, str]]:
        instances = [self._instance(i, r) for i, r in enumerate(batch)]
        try:
            texts = self.lm.generate_until(instances, disable_tqdm=True)
        except Exception as exc:  # the backend's failure (server down, out of memory): not the user's input
            raise InfrastructureError(f"lm-eval:{self.name} failed to generate: {type(exc).__name__}: "
                                      f"{str(exc)[:300]}") from None
        if len(texts) != len(batch):
            raise InfrastructureError(f"lm-eval:{self.name} returned {len(texts)} completions for "
                                      f"{len(batch)} requests")
        for request, text in zip(batch, texts):
            yield request.key, "" if text is None else str(text)

    def describe(self) -> dict:
        shown = {k: ("<redacted>" if k in SECRET_ARGS else v) for k, v in self.args.items()}
        return {"spec": self.spec, "lm_eval_model": self.name, "class": self.class_path, "model_args": shown,
                "apply_chat_template": self.chat, "lm_eval": importlib.metadata.version("lm-eval")}
