"""What a model backend is: prompts in, completions out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator

from proctor.errors import BadInput
from proctor.suite import Decoding


@dataclass(frozen=True)
class Request:
    key: Hashable  # (problem id, sample): how the completion finds its way back
    prompt: str
    decoding: Decoding
    seed: int  # per request, so sampling at temperature > 0 is reproducible too


class Model:
    """A backend. `generate` may answer in any order and may be called again
    with the requests it did not finish (a resumed run)."""

    spec: str = ""

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, str]]:  # pragma: no cover
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
