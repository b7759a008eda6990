"""PyTorch worker of bench/export/run.py (bench/harness.py's protocol):
FMNIST-CNN as nn.Sequential with the trained weights
(bench/export/fmnist_model.py), eval mode, torch.inference_mode, the
threads harness asks for (one). Variants: eager (NCHW) and channels_last
(model and input in NHWC memory order). The input tensor, NCHW raw pixels,
is made once; the rescaling and the softmax are timed with the model. Before
a variant is timed its probabilities on the benchmark's images must equal
nnc's within 1e-5; the worst difference goes to CHECK_FILE. Runs under
Debian's python3-torch.

usage: peer_torch.py WEIGHTS IMAGES NNC_PROBS CHECK_FILE"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Skip, serve  # noqa: E402

try:
    import numpy as np
    import torch
    import torch.nn as nn

    import fmnist_model as fm
except Exception as e:  # noqa: BLE001: any import failure is a reason to skip
    print(f"skip import failed: {type(e).__name__}: {e}", flush=True)
    sys.exit(0)

BATCH = {"infer": 256, "latency": 1}


def model(w):
    m = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
    with torch.no_grad():
        m[0].weight.copy_(t(w["l02_conv2d.kernel"].transpose(3, 2, 0, 1)))
        m[0].bias.copy_(t(w["l02_conv2d.bias"]))
        m[3].weight.copy_(t(w["l04_conv2d.kernel"].transpose(3, 2, 0, 1)))
        m[3].bias.copy_(t(w["l04_conv2d.bias"]))
        m[7].weight.copy_(t(fm.dense1_rows_nchw(w["l07_dense.kernel"]).T))
        m[7].bias.copy_(t(w["l07_dense.bias"]))
        m[9].weight.copy_(t(w["l08_dense.kernel"].T))
        m[9].bias.copy_(t(w["l08_dense.bias"]))
    return m


def main():
    weights, images, nnc_probs, check_file = sys.argv[1:5]
    w = fm.load_weights(weights)
    x_all = torch.from_numpy(fm.load_images(images).transpose(0, 3, 1, 2).copy())
    ref = fm.load_probs(nnc_probs)

    def prepare(name, work, variant, threads):
        if name != "fmnist" or work not in BATCH or variant not in ("eager", "channels_last"):
            raise Skip(f"no {name} {work} {variant} here")
        torch.set_num_threads(threads)
        m, x = model(w), x_all
        if variant == "channels_last":
            m = m.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)

        def forward(xb):
            return torch.softmax(m(xb * fm.SCALE), 1)
        with torch.inference_mode():
            got = forward(x[:len(ref)]).numpy()
        worst = float(np.abs(got - ref).max())
        with open(check_file, "a") as f:
            f.write(f"PyTorch {variant} {work}: worst probability difference from nnc's "
                    f"{worst:.3g} on {len(ref)} images\n")
        if not worst <= fm.TOLERANCE:
            raise Skip(f"its probabilities differ from nnc's by {worst:.3g} (> {fm.TOLERANCE})")
        xb = x[:BATCH[work]].clone(memory_format=torch.preserve_format)

        def run(steps):
            torch.set_num_threads(threads)
            t0 = time.perf_counter()
            with torch.inference_mode():
                for _ in range(steps):
                    forward(xb)
            return time.perf_counter() - t0
        return run
    serve(f"PyTorch {torch.__version__}", prepare)


if __name__ == "__main__":
    main()
