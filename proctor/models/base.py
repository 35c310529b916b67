"""What a model backend is: prompts in, completions out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator

from proctor.errors import BadInput
from proctor.store import CompletionUsage
from proctor.suite import Decoding


@dataclass(frozen=True)
class Request:
    key: Hashable  # (problem id, sample): how the completion finds its way back
    prompt: str
    decoding: Decoding
    seed: int  # per request, so sampling at temperature > 0 is reproducible too


@dataclass(frozen=True)
class Completion:
    """A completion with what the backend said about it: how it ended, its tokens, its latency."""
    text: str
    usage: CompletionUsage | None = None


def response_usage(data: dict, choice: dict, latency_ms: float) -> CompletionUsage:
    """finish_reason and token counts from a response in the OpenAI shape (OpenAI-compatible servers,
    llama-cpp's create_chat_completion); values of another type become unknown."""
    reason = choice.get("finish_reason") if isinstance(choice, dict) else None
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}

    def count(name: str) -> int | None:
        value = usage.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    return CompletionUsage(reason if isinstance(reason, str) else None, count("prompt_tokens"),
                           count("completion_tokens"), round(latency_ms, 3))


def as_completion(answer: "str | Completion") -> Completion:
    """What `generate` yields, either form: a plain string is a completion with nothing known about it."""
    return answer if isinstance(answer, Completion) else Completion(answer)


class Model:
    """A backend. `generate` may answer in any order and may be called again
    with the requests it did not finish (a resumed run). It yields (key, text)
    or, where the backend knows its finish reason, tokens or latency,
    (key, Completion)."""

    spec: str = ""

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, "str | Completion"]]:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> dict:
        """What the run store records about the model (name, file, version, settings)."""
        return {"spec": self.spec}

    def close(self) -> None:
        pass


def parse_key_values(model_args: str) -> dict[str, str]:
    """`--model-args key=value,key=value` (lm-eval's spelling) as strings, for the backends that read them."""
    args = {}
    for pair in filter(None, (p.strip() for p in model_args.split(","))):
        key, sep, value = pair.partition("=")
        if not sep:
            raise BadInput(f"--model-args {pair!r} must look like key=value")
        args[key.strip()] = value.strip()
    return args
