"""`--model file:COMPLETIONS.jsonl`: completions produced elsewhere, same JSONL as `proctor grade` reads."""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator

from proctor.errors import BadInput
from proctor.jsonl import read_completions
from proctor.models.base import Model, Request


class FileModel(Model):
    def __init__(self, path: str):
        self.path = path
        self.spec = f"file:{path}"
        self._completions: dict[tuple[str, int], str] = {}
        for _, pid, sample, text, _finish in read_completions(path):
            self._completions[(pid, sample)] = text

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, str]]:
        for request in requests:
            if request.key not in self._completions:
                pid, sample = request.key
                raise BadInput(f"no completion for problem {pid!r} sample {sample}", self.path)
            yield request.key, self._completions[request.key]
