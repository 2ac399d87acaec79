"""Dequantises every tensor of a GGUF file with gguf-py, the Python package of the ggml project
(an implementation we did not write), writing tensor NAME as raw little-endian f32 to OUT/NAME.f32.

Usage: python3 dequant.py MODEL.gguf OUT_DIR
"""
import os
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def main() -> None:
    path, out = sys.argv[1:3]
    os.makedirs(out, exist_ok=True)
    for t in GGUFReader(path).tensors:
        values = dequantize(t.data, t.tensor_type)
        np.ascontiguousarray(values, dtype="<f4").tofile(os.path.join(out, t.name + ".f32"))


if __name__ == "__main__":
    main()
