"""`--model openai:MODEL@BASE_URL`: any OpenAI-compatible server (vLLM, SGLang,
llama.cpp's server, TGI), through the chat or the plain completions API.

Model args (`--model-args key=value,...`): concurrency (8), timeout seconds per
request (120), retries (5, with exponential backoff on 429, 5xx and dropped
connections), api_key_env (OPENAI_API_KEY), cache (a path, or "off").

Responses are cached on disk keyed by the URL and the full request body, so a
re-run of the same suite against the same server costs nothing. Each completion
keeps the response's `finish_reason` and `usage` token counts, and the latency
measured when it was first fetched (a cache hit reports that, not ~0 ms).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Hashable, Iterable, Iterator

from proctor.errors import BadInput, InfrastructureError
from proctor.models.base import Completion, Model, Request, parse_key_values, response_usage
from proctor.store import CompletionUsage

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504}


def default_cache_path() -> str:
    root = os.environ.get("PROCTOR_CACHE_DIR") or os.path.join(Path.home(), ".cache", "proctor")
    return os.path.join(root, "responses.sqlite")


class ResponseCache:
    """SQLite file shared by threads (one connection behind a lock)."""

    def __init__(self, path: str):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, text TEXT NOT NULL)")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
        if "usage" not in columns:  # caches written before usage was kept: their rows read as unknown usage
            self._db.execute("ALTER TABLE responses ADD COLUMN usage TEXT")

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._db.execute("SELECT text, usage FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Completion(row[0], CompletionUsage(**json.loads(row[1])) if row[1] else None)

    def put(self, key: str, completion: Completion) -> None:
        usage = None if completion.usage is None else json.dumps(completion.usage.to_dict())
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO responses (key, text, usage) VALUES (?, ?, ?)",
                             (key, completion.text, usage))

    def close(self) -> None:
        self._db.close()


class OpenAIModel(Model):
    def __init__(self, name: str, base_url: str, chat: bool = True, args: str = ""):
        options = parse_key_values(args)
        allowed = {"concurrency", "timeout", "retries", "api_key_env", "cache"}
        if set(options) - allowed:
            raise BadInput(f"--model-args: unknown key {sorted(set(options) - allowed)[0]!r}; allowed: "
                           f"{', '.join(sorted(allowed))}")
        try:
            self.concurrency = int(options.get("concurrency", 8))
            self.timeout = float(options.get("timeout", 120))
            self.retries = int(options.get("retries", 5))
        except ValueError as exc:
            raise BadInput(f"--model-args: {exc}") from None
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.chat = chat
        self.spec = f"{'openai' if chat else 'openai-completions'}:{name}@{self.base_url}"
        self.api_key = os.environ.get(options.get("api_key_env", "OPENAI_API_KEY"), "")
        cache = options.get("cache", default_cache_path())
        self.cache = None if cache == "off" else ResponseCache(cache)
        self.requests_sent = 0  # real HTTP requests, for tests and the run log

    def describe(self) -> dict:
        return {"spec": self.spec, "model": self.name, "base_url": self.base_url, "chat": self.chat}

    def _body(self, request: Request) -> dict:
        d = request.decoding
        body = {"model": self.name, "temperature": d.temperature, "max_tokens": d.max_tokens, "seed": request.seed}
        if d.stop:
            body["stop"] = list(d.stop)
        if self.chat:
            body["messages"] = [{"role": "user", "content": request.prompt}]
        else:
            body["prompt"] = request.prompt
        return body

    def complete(self, request: Request) -> Completion:
        url = f"{self.base_url}/{'chat/completions' if self.chat else 'completions'}"
        body = self._body(request)
        key = hashlib.sha256(json.dumps([url, body], sort_keys=True).encode()).hexdigest()
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        started = time.monotonic()
        data = self._post(url, body)
        latency_ms = (time.monotonic() - started) * 1000
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"] if self.chat else choice["text"]
        except (KeyError, IndexError, TypeError):
            raise InfrastructureError(f"{url}: unexpected response shape: {json.dumps(data)[:200]}") from None
        completion = Completion(text or "", response_usage(data, choice, latency_ms))
        if self.cache is not None:
            self.cache.put(key, completion)
        return completion

    def _post(self, url: str, body: dict) -> dict:
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                # Exponential backoff with jitter, so a fleet of clients does not retry in lockstep.
                time.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))
            try:
                self.requests_sent += 1
                req = urllib.request.Request(url, data=payload, headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}: {exc.read()[:200]!r}"
                if exc.code not in RETRY_STATUSES:
                    raise InfrastructureError(f"{url}: {last_error}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
        raise InfrastructureError(f"{url}: gave up after {self.retries + 1} attempts; last error {last_error}")

    def generate(self, requests: Iterable[Request]) -> Iterator[tuple[Hashable, Completion]]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            window = self.concurrency * 4  # bounded in flight: a million requests never sit in memory
            pending = []
            for request in requests:
                pending.append((request.key, pool.submit(self.complete, request)))
                if len(pending) >= window:
                    key, future = pending.pop(0)
                    yield key, future.result()
            for key, future in pending:
                yield key, future.result()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
