"""Records llama.cpp's tokenization (special tokens parsed, no BOS added) of the strings of an
existing tokenizer fixture plus chat-formatted strings for the model, for tests/tokenizer.rs.
llama.cpp is llama-cpp-python==0.3.36 (see llama_cpp_logits.py for how it is built).

Usage: python3 llama_cpp_tokens.py MODEL.gguf STRINGS_FIXTURE.json OUT.json
"""
import json
import sys

import llama_cpp
from llama_cpp import Llama

CHAT = [
    "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n",
    "<start_of_turn>user\nWrite a haiku.<end_of_turn>\n<start_of_turn>model\nLeaves fall<end_of_turn>\n",
    "<bos><start_of_turn>user\n  two  spaces\tand a tab<end_of_turn>",
]


def main() -> None:
    model, strings, out = sys.argv[1:4]
    llm = Llama(model_path=model, vocab_only=True, verbose=False)
    texts = [c["text"] for c in json.load(open(strings))["cases"]] + CHAT
    cases = [{"text": t, "ids": llm.tokenize(t.encode(), add_bos=False, special=True)} for t in texts]
    json.dump({"source": f"llama-cpp-python {llama_cpp.__version__} on {model.split('/')[-1]}",
               "cases": cases}, open(out, "w"), ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
