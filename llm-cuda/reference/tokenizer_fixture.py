#!/usr/bin/env python3
"""Writes the tokenizer fixture: >= 1000 varied strings and their token ids from the Hugging Face
`tokenizers` library, configured exactly as SmolLM2's published tokenizer.json (byte-level BPE with
the Digits(individual) + ByteLevel pre-tokenizer and 17 special added tokens), with the vocabulary
and merges read from the GGUF file by the `gguf` package.

Usage: tokenizer_fixture.py MODEL.gguf OUT.json
"""
import json
import random
import sys

from gguf import GGUFReader
from tokenizers import Tokenizer


def hf_tokenizer(path):
    r = GGUFReader(path)
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    merges = r.fields["tokenizer.ggml.merges"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    added = [
        {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, (t, ty) in enumerate(zip(tokens, types)) if ty == 3
    ]
    spec = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        ]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)},
                  "merges": merges},
    }
    return Tokenizer.from_str(json.dumps(spec)), [a["content"] for a in added]


WORDS = ("the quick brown fox jumps over lazy dog blockchain validator inference logits proof "
         "merkle hash token can't won't I'm you're they've we'll she'd it's HELLO World CamelCase "
         "snake_case kebab-case naïve café résumé Zürich Ångström").split()
UNICODE = ["日本語のテキスト", "中文字符", "한국어", "Привет мир", "مرحبا بالعالم", "שלום", "ελληνικά",
           "हिन्दी", "ภาษาไทย", "😀", "👩‍👩‍👧‍👦", "🇫🇷", "👍🏽", "∑∫√∞≠≈", "ℕℤℚℝ", "\u200b", "\u00a0",
           "e\u0301", "ﬁ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\ufeff", "Ⅻ", "½ ¾", "①②③"]
CODE = ["fn main() { println!(\"hi\"); }", "def f(x):\n    return x**2\n", "if (a && b || !c) {}",
        "SELECT * FROM t WHERE id = 42;", "<div class=\"x\">&amp;</div>", "x += 1; y -= 2;",
        "#include <stdio.h>", "let v: Vec<u8> = vec![0; 32];", "console.log(`${a}`)", "$ ls -la | grep .rs",
        "{\"key\": [1, 2.5, null, true]}", "a\\tb\\n", "/* comment */ // line"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\t\t  ", "      ", "\n   \n"]
PUNCT = list("!?.,;:'\"()[]{}<>@#$%^&*-_=+/\\|~`") + ["...", "--", "'s", "'ll", "'VE", "’"]


def strings(specials, n=1200, seed=1234):
    rnd = random.Random(seed)
    out = ["", " ", "a", "1", "12345678901234567890", "3.14159", "1,000,000", "0x1F", "Hello world",
           "<|im_start|>user\nHi<|im_end|>\n", "<|endoftext|>", "<|im_start|><|im_end|>", "<|im_start",
           "   leading spaces", "trailing spaces   ", "\n\n\nnewlines", "tab\tseparated\tvalues"]
    pools = [WORDS, UNICODE, CODE, SPACES, PUNCT, [str(rnd.randint(0, 10**6)) for _ in range(50)], specials]
    weights = [30, 12, 8, 14, 12, 8, 2]
    while len(out) < n:
        parts = []
        for _ in range(rnd.randint(1, 14)):
            pool = rnd.choices(pools, weights)[0]
            parts.append(rnd.choice(pool))
            if rnd.random() < 0.6:
                parts.append(" ")
        out.append("".join(parts))
    return out


def main():
    model, out_path = sys.argv[1:3]
    tok, specials = hf_tokenizer(model)
    cases = [{"text": s, "ids": tok.encode(s, add_special_tokens=False).ids} for s in strings(specials)]
    json.dump({"source": "tokenizers " + __import__("tokenizers").__version__, "cases": cases},
              open(out_path, "w", encoding="utf-8"), ensure_ascii=False, indent=0)
    print(f"wrote {len(cases)} cases to {out_path}")


if __name__ == "__main__":
    main()
