#!/usr/bin/python3
"""`make test-fuzz` (not part of `make test`): random small specs, each compiled
for the scalar target and for TARGET (default host), both C files built with
gcc and clang -Wall -Wextra -Werror, and the two twins compared by
tests/test_simd.c (probabilities, loss, every gradient). Random shapes, channel
counts, kernels, strides, padding, pools (tiled, same-padded, 2x1), linear and
ReLU activations, biases, dense heads and batch sizes; the seed makes a run
repeatable.

usage: fuzz_twins.py BUILD_DIR [SEED [CASES [TARGET]]]"""

import os
import random
import subprocess
import sys
import tempfile
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
N = int(sys.argv[3]) if len(sys.argv) > 3 else 40
TARGET = sys.argv[4] if len(sys.argv) > 4 else "host"
TMP = tempfile.mkdtemp(prefix="nnc-fuzz-")
CFLAGS = "-std=c11 -D_GNU_SOURCE -O1 -march=native -fopenmp -fno-math-errno -Wall -Wextra -Werror -Iruntime".split()
fails = runs = 0
for case in range(N):
    H, W = random.randint(6, 18), random.randint(6, 18)
    C = random.choice([1, 3, 4])
    layers = []
    h, w = H, W
    ok = True
    for li in range(random.choice([1, 2, 3])):
        f = random.choice([8, 16, 24, 32, 40, 7])
        k = random.choice([1, 2, 3, 5])
        s = random.choice([1, 1, 2])
        pad = random.choice(["valid", "same"])
        act = random.choice(["relu", "relu", "linear"])
        bias = random.choice(["true", "true", "false"])
        if pad == "valid":
            nh, nw = (h - k) // s + 1, (w - k) // s + 1
        else:
            nh, nw = (h + s - 1) // s, (w + s - 1) // s
        if nh < 1 or nw < 1:
            break
        layers.append(f"  - conv2d: {{filters: {f}, kernel_size: {k}, strides: {s}, padding: {pad}, activation: {act}, use_bias: {bias}}}")
        h, w = nh, nw
        p = random.choice([None, 2, 2, 3, "[2, 1]", "pad"])
        if p is None:
            continue
        if p == "pad":
            layers.append("  - max_pooling2d: {pool_size: 2, padding: same}")
            h, w = (h + 1) // 2, (w + 1) // 2
            continue
        ph, pw = (2, 1) if p == "[2, 1]" else (p, p)
        if h // ph < 1 or w // pw < 1:
            continue
        layers.append(f"  - max_pooling2d: {{pool_size: {p}}}")
        h, w = h // ph, w // pw
    if not layers:
        continue
    runs += 1
    layers.append("  - flatten")
    if random.random() < 0.6:
        layers.append(f"  - dense: {{units: {random.choice([8, 10, 16, 5])}, activation: relu}}")
    layers.append(f"  - dense: {{units: {random.choice([3, 10, 8])}, activation: softmax}}")
    B = random.choice([1, 2, 5, 9, 17])
    spec = f"input: {{shape: [{H}, {W}, {C}]}}\nlayers:\n" + "\n".join(layers) + f"\nloss: sparse_categorical_crossentropy\nfit: {{batch_size: {B}}}\n"
    d = f"{TMP}/c{case}"
    os.makedirs(d, exist_ok=True)
    open(f"{d}/m.yaml", "w").write(spec)
    good = True
    for t, tw in (("scalar", "scalar"), (TARGET, "simd")):
        r = subprocess.run([f"{BUILD}/nnc", f"{d}/m.yaml", "--target", t, "-o", f"{d}/{tw}.c"], capture_output=True, text=True)
        if r.returncode:
            print("NNC FAIL", d, r.stderr[:300]); good = False; break
        for cc in ("gcc", "clang"):
            r = subprocess.run([cc] + CFLAGS + [f'-DNNC_TRAINER="{d}/{tw}.c"', f"-DTWIN={tw}", "-c", "tests/simd_twin.c", "-o", f"{d}/{tw}.{cc}.o"], capture_output=True, text=True)
            if r.returncode:
                print("CC FAIL", cc, d, r.stderr[:600]); good = False
    if good:
        r = subprocess.run(["gcc"] + CFLAGS + ["tests/test_simd.c", f"{d}/scalar.gcc.o", f"{d}/simd.gcc.o", "-o", f"{d}/t", "-lm"], capture_output=True, text=True)
        r2 = subprocess.run([f"{d}/t", f"c{case}"], capture_output=True, text=True) if not r.returncode else r
        if r.returncode or r2.returncode:
            print("MISMATCH", d, (r.stderr + r2.stdout + r2.stderr)[-800:]); good = False
    fails += not good
if not fails:
    subprocess.run(["rm", "-rf", TMP])
else:
    print(f"failing specs and builds kept in {TMP}")
print(f"{runs - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
