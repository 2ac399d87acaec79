#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) on the same GGUF and the same token ids as the engine's bench.

Usage: llama_cpp_bench.py MODEL.gguf TOKENS.json --threads 1,2 --runs 3 --json OUT.json
"""
import argparse
import json
import time

import numpy as np
from llama_cpp import Llama


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("tokens")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    spec = json.load(open(a.tokens))
    prefill, short, n_decode = spec["prefill"], spec["decode_prompt"], spec["decode"]
    rows = []
    for t in [int(x) for x in a.threads.split(",")]:
        llm = Llama(model_path=a.model, n_ctx=1024, n_batch=512, n_ubatch=512, n_threads=t,
                    n_threads_batch=t, verbose=False)
        best_p = best_d = float("inf")
        for _ in range(a.runs):
            llm.reset()
            t0 = time.perf_counter()
            llm.eval(prefill)
            best_p = min(best_p, time.perf_counter() - t0)

            llm.reset()
            llm.eval(short)
            t0 = time.perf_counter()
            for _ in range(n_decode):
                tok = int(np.argmax(llm.scores[llm.n_tokens - 1]))
                llm.eval([tok])
            best_d = min(best_d, time.perf_counter() - t0)
        p, d = len(prefill) / best_p, n_decode / best_d
        print(f"| llama.cpp (llama-cpp-python) | {t} | {p:.1f} | {d:.1f} |")
        rows.append({"threads": t, "prefill_tps": p, "decode_tps": d})
        del llm
    if a.json:
        json.dump(rows, open(a.json, "w"))


if __name__ == "__main__":
    main()
