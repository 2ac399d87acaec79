"""Records llama.cpp's end-of-generation tokens (`llama_vocab_is_eog`) of each model, for
tests/tokenizer.rs. llama.cpp is llama-cpp-python==0.3.36 (see llama_cpp_logits.py).

Usage: python3 llama_cpp_eog.py OUT.json MODEL.gguf...
"""
import json
import sys

import llama_cpp
from llama_cpp import Llama


def main() -> None:
    out, models = sys.argv[1], sys.argv[2:]
    eog = {}
    for model in models:
        llm = Llama(model_path=model, vocab_only=True, verbose=False)
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        n = llama_cpp.llama_vocab_n_tokens(vocab)
        eog[model.split("/")[-1]] = [t for t in range(n) if llama_cpp.llama_vocab_is_eog(vocab, t)]
    json.dump({"source": f"llama-cpp-python {llama_cpp.__version__}", "eog": eog},
              open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
