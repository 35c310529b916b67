"""The process that hosts llama-cpp-python for `--model local` (proctor/models/local.py).

Native code runs here, never in `proctor run`: a segfault, an abort or an
out-of-memory kill ends this process only, and the run reports it and keeps
every completion it already stored.

Protocol, one JSON object per line (ASCII-escaped, so any text survives):
  stdin, first line   {"model_path": ..., "n_ctx": ..., "threads": ...}
  stdout, answer      {"ready": {what the run store records}}  or  {"error": "..."}
  stdin, each request {"prompt": ..., "temperature": ..., "max_tokens": ..., "stop": [...], "seed": ...}
  stdout, each answer {"text": ..., "finish_reason": ..., "usage": {...}}  or  {"error": "..."}
The process ends when stdin closes, or with its parent.
"""
from __future__ import annotations

import ctypes
import faulthandler
import json
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """The kernel kills this process when the run that started it dies (even by SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: stdin's EOF still ends us after the current answer
        pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(0)


def _protocol_stream():
    """stdout becomes ours alone: llama.cpp's native prints go to stderr (the log), never
    into the protocol."""
    stream = os.fdopen(os.dup(1), "w", encoding="ascii", buffering=1)
    os.dup2(2, 1)
    return stream


def _describe(llama_cpp) -> dict:
    build_file = Path(llama_cpp.__file__).parent / "proctor_build.json"
    build = json.loads(build_file.read_text()) if build_file.exists() else {}
    return {"llama_cpp_python": llama_cpp.__version__, "llama_cpp_build": build.get("key", "unknown")}


def serve(parent: int) -> int:
    _die_with_parent(parent)
    faulthandler.enable()  # a native crash leaves its Python stack in the log
    out = _protocol_stream()

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")

    config = json.loads(sys.stdin.readline() or "{}")
    try:
        import llama_cpp

        llm = llama_cpp.Llama(config["model_path"], n_ctx=config["n_ctx"], n_threads=config["threads"], seed=0,
                              verbose=False)
    except Exception as exc:  # reported to the run as an infrastructure failure, in one line
        send({"error": f"{type(exc).__name__}: {exc}"})
        return 1
    send({"ready": _describe(llama_cpp)})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = llm.create_chat_completion(
                messages=[{"role": "user", "content": request["prompt"]}], temperature=request["temperature"],
                max_tokens=request["max_tokens"], stop=request["stop"] or None, seed=request["seed"])
        except Exception as exc:
            send({"error": f"{type(exc).__name__}: {exc}"})
            continue
        choice = result["choices"][0]
        # finish_reason ("stop"/"length") and usage travel back for the store (OpenAI shape).
        send({"text": choice["message"]["content"] or "", "finish_reason": choice.get("finish_reason"),
              "usage": result.get("usage")})
    return 0


if __name__ == "__main__":
    # Ctrl-C belongs to the run, which then closes our stdin; we must not die first and
    # look like a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(serve(int(sys.argv[1])))
