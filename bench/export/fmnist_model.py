"""FMNIST-CNN for the peers of bench/export/run.py: the trained weights of a
safetensors file that nnc's trainer wrote (Keras layouts: conv kernels
(KH, KW, IC, OC), dense kernels (IN, OUT), the first dense layer's inputs in
the channels-last order of Keras's Flatten), the benchmark's images (raw
float32 pixels, N x 28 x 28 x 1, as the exported classifier takes them) and
nnc's probabilities for them, which each peer must reproduce before it is
timed. Needs only NumPy and the standard library.

The model (examples/fashion_mnist.yaml, bench/specs/fmnist_cnn.yaml):
rescaling 1/255, conv 3x3x32 + ReLU, max pool 2, conv 3x3x64 + ReLU, max
pool 2, flatten, dense 128 + ReLU, dense 10, softmax."""

import json
import struct

import numpy as np

SCALE = 0.00392156862745098  # rescaling's scale, as the spec gives it
H, W, C, CLASSES = 28, 28, 1, 10
POOLED = (5, 5, 64)  # the second pool's output, what flatten sees
TOLERANCE = 1e-5  # the largest difference from nnc's probabilities a peer may show


def load_weights(path):
    """{tensor name: float32 array} of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] != "F32":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(blob[8 + n + a:8 + n + b], dtype="<f4").reshape(t["shape"])
    return out


def dense1_rows_nchw(kernel):
    """The first dense kernel's rows in the order a channels-first flatten
    gives (c, h, w), from Keras's channels-last order (h, w, c)."""
    ph, pw, pc = POOLED
    return np.ascontiguousarray(
        kernel.reshape(ph, pw, pc, -1).transpose(2, 0, 1, 3).reshape(ph * pw * pc, -1))


def load_images(path):
    return np.fromfile(path, dtype="<f4").reshape(-1, H, W, C)


def load_probs(path):
    return np.fromfile(path, dtype="<f4").reshape(-1, CLASSES)
