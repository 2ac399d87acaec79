"""Records llama.cpp's answer on a GGUF model, for the engine's comparison test (tests/llama_cpp.rs).

For each prompt of PROMPTS.json: llama.cpp's tokens (special tokens parsed; the BOS the model asks
for with --bos, none otherwise), its greedy
continuation (token by token, as llama.cpp generates), and at every position of prompt +
continuation (one batched evaluation) its TOP highest logits, ids and values, and the margin between
its first two. llama.cpp is llama-cpp-python==0.3.36 built from its sdist without AMX
(`CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AMX_TILE=OFF
-DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" pip install llama-cpp-python==0.3.36`).

Usage: python3 llama_cpp_logits.py MODEL.gguf PROMPTS.json OUT.json [--continue 16] [--top 8] [--bos]
"""
import argparse
import hashlib
import json

import llama_cpp
import numpy as np
from llama_cpp import Llama


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def greedy(llm: Llama, tokens: list[int], n: int) -> list[int]:
    llm.reset()
    llm.eval(tokens)
    out = []
    for _ in range(n):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        if llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), nxt):
            break
        out.append(nxt)
        llm.eval([nxt])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("prompts")
    ap.add_argument("out")
    ap.add_argument("--continue", dest="cont", type=int, default=16)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--bos", action="store_true")
    a = ap.parse_args()
    llm = Llama(model_path=a.model, n_ctx=1024, n_batch=1024, logits_all=True, n_threads=2,
                seed=0, verbose=False)
    records = []
    for text in json.load(open(a.prompts)):
        prompt = llm.tokenize(text.encode(), add_bos=a.bos, special=True)
        cont = greedy(llm, prompt, a.cont)
        tokens = prompt + cont
        llm.reset()
        llm.eval(tokens)
        scores = np.array(llm.scores[: len(tokens)], dtype=np.float32)
        top = np.argsort(-scores, axis=1, kind="stable")[:, : a.top]
        values = np.take_along_axis(scores, top, axis=1)
        records.append({
            "text": text,
            "tokens": tokens,
            "prompt_len": len(prompt),
            "top_ids": top.tolist(),
            "top_logits": [[round(float(v), 4) for v in row] for row in values],
            "margin": [round(float(r[0] - r[1]), 4) for r in values],
        })
    json.dump({
        "llama_cpp_python": llama_cpp.__version__,
        "model_sha256": sha256(a.model),
        "prompts": records,
    }, open(a.out, "w"), separators=(",", ":"))


if __name__ == "__main__":
    main()
