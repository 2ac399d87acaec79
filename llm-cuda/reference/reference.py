#!/usr/bin/env python3
"""Independent float64 reference of the llama forward pass for GGUF models (numpy + the `gguf` package).

It shares no code with the Rust engine: weights are dequantised by `gguf.quants`, every operation runs
in float64, and activations are optionally quantised to Q8 blocks (`--q8-acts`) the way the engine's
kernels define it, so the remaining difference is only float64 vs float32 rounding.

Usage: reference.py MODEL.gguf --tokens 1,2,3 [--q8-acts] [--out logits.npy]
       reference.py MODEL.gguf --fixture OUT   (writes OUT.json and OUT_last_logits.bin for the tests)
"""
import argparse
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


class Model:
    def __init__(self, path):
        r = GGUFReader(path)
        self.meta = {k: f.contents() for k, f in r.fields.items() if not k.startswith("tokenizer.ggml")}
        self.t = {}
        for t in r.tensors:
            w = dequantize(t.data, t.tensor_type).astype(np.float64)
            shape = [int(d) for d in reversed(t.shape)]  # numpy order: slowest first
            self.t[t.name] = w.reshape(shape)
        m = self.meta
        self.n_layer = int(m["llama.block_count"])
        self.dim = int(m["llama.embedding_length"])
        self.n_head = int(m["llama.attention.head_count"])
        self.n_kv = int(m.get("llama.attention.head_count_kv", self.n_head))
        self.hd = self.dim // self.n_head
        self.eps = float(np.float32(m["llama.attention.layer_norm_rms_epsilon"]))
        self.base = float(m.get("llama.rope.freq_base", 10000.0))
        self.out = self.t.get("output.weight", self.t["token_embd.weight"])

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, pos):
        # x: [T, heads, hd]; llama.cpp "normal" mode rotates adjacent pairs (2i, 2i+1).
        half = self.hd // 2
        inv = self.base ** (-(2.0 * np.arange(half)) / self.hd)
        ang = pos[:, None] * inv[None, :]
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        x0, x1 = x[..., 0::2], x[..., 1::2]
        y = np.empty_like(x)
        y[..., 0::2] = x0 * c - x1 * s
        y[..., 1::2] = x0 * s + x1 * c
        return y

    def forward(self, tokens, q8=False):
        lin = (lambda w, x: q8_acts(x) @ w.T) if q8 else (lambda w, x: x @ w.T)
        T = len(tokens)
        x = self.t["token_embd.weight"][tokens]
        pos = np.arange(T, dtype=np.float64)
        mask = np.triu(np.full((T, T), -np.inf), 1)
        group = self.n_head // self.n_kv
        for i in range(self.n_layer):
            g = lambda n: self.t[f"blk.{i}.{n}.weight"]
            h = self.rms(x, g("attn_norm"))
            q = self.rope(lin(g("attn_q"), h).reshape(T, self.n_head, self.hd), pos)
            k = self.rope(lin(g("attn_k"), h).reshape(T, self.n_kv, self.hd), pos)
            v = lin(g("attn_v"), h).reshape(T, self.n_kv, self.hd)
            k = np.repeat(k, group, axis=1)
            v = np.repeat(v, group, axis=1)
            att = np.einsum("thd,shd->hts", q, k) / np.sqrt(self.hd) + mask
            att = np.exp(att - att.max(axis=-1, keepdims=True))
            att /= att.sum(axis=-1, keepdims=True)
            o = np.einsum("hts,shd->thd", att, v).reshape(T, self.dim)
            x = x + lin(g("attn_output"), o)
            h = self.rms(x, g("ffn_norm"))
            gate, up = lin(g("ffn_gate"), h), lin(g("ffn_up"), h)
            x = x + lin(g("ffn_down"), gate / (1.0 + np.exp(-gate)) * up)
        return lin(self.out, self.rms(x, self.t["output_norm.weight"]))


def q8_acts(x):
    """Q8 block quantisation of activations as the engine defines it (scale amax/127, round half even)."""
    shape = x.shape
    b = x.reshape(-1, 32)
    amax = np.abs(b).max(axis=1, keepdims=True)
    d = amax / 127.0
    with np.errstate(divide="ignore"):
        inv = np.where(amax == 0, 0.0, 127.0 / np.where(amax == 0, 1.0, amax))
    q = np.clip(np.round(b * inv), -127, 127)  # np.round is round-half-even
    return (q * d).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tokens", help="comma-separated token ids")
    ap.add_argument("--q8-acts", action="store_true")
    ap.add_argument("--fixture", help="write the test fixture OUT.json and OUT_last_logits.bin")
    args = ap.parse_args()
    m = Model(args.model)
    if args.tokens:
        toks = [int(t) for t in args.tokens.split(",")]
        logits = m.forward(toks, q8=args.q8_acts)
        print(json.dumps({"argmax": logits.argmax(axis=-1).tolist()}))
        return
    from tokenizer_fixture import hf_tokenizer
    tok, _ = hf_tokenizer(args.model)
    out, last = [], []
    for name, text in PROMPTS:
        toks = tok.encode(text, add_special_tokens=False).ids
        exact = m.forward(toks)
        q8 = m.forward(toks, q8=True)
        top = np.argsort(-q8, axis=-1, kind="stable")[:, :TOP]
        out.append({
            "name": name,
            "text": text,
            "tokens": toks,
            "argmax_f64": exact.argmax(axis=-1).tolist(),
            "argmax_q8": q8.argmax(axis=-1).tolist(),
            "margin_q8": [float(r[t[0]] - r[t[1]]) for r, t in zip(q8, top)],
            "top_ids": top.tolist(),
            "top_logits": [r[t].tolist() for r, t in zip(q8, top)],
        })
        last.append(q8[-1].astype("<f4").tobytes())
    json.dump({"top": TOP, "prompts": out}, open(args.fixture + ".json", "w"), ensure_ascii=False)
    open(args.fixture + "_last_logits.bin", "wb").write(b"".join(last))


TOP = 16
CHAT = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n" \
       "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
PROMPTS = [
    ("capital", CHAT.format("What is the capital of France?")),
    ("code", CHAT.format("Write a Python function that returns the n-th Fibonacci number.")),
    ("story", "Once upon a time, in a small village by the sea, there lived an old fisherman who"),
    ("long", CHAT.format("Summarise the following in one sentence: Proof of Logits lets a verifier "
                         "recompute one position of a model's output with a single prefill, compare the "
                         "hash of the logits with the miner's commitment, and so check expensive work "
                         "cheaply. The engine must be canonical: every backend gives the same bits.")),
]

if __name__ == "__main__":
    sys.exit(main())
