"""PyTorch worker of bench/harness.py: the FMNIST-CNN and CIFAR-CNN of
bench/specs and the residual example (examples/fashion_mnist_resnet.yaml)
in PyTorch, the same batch sizes, data made once in memory (synthetic, like
nnc's), Adam. Runs under Debian's python3-torch (1.13, for
`make bench`) and PyPI's 2.x (the venv of `make bench-peers`).

Works: train (optimizer steps at batch 64), infer (forward and softmax at
batch 256), latency (the same at batch 1). Variants:
  eager          NCHW, as a model is written
  channels_last  model and input in NHWC memory order (oneDNN's preferred)
  script         frozen TorchScript (inference only)
  compile        torch.compile (Inductor, PyTorch 2), default mode

usage: peer_torch.py   (speaks the protocol of harness.serve on stdin/out)"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Skip, serve  # noqa: E402

try:
    import time

    import torch
    import torch.nn as nn
except Exception as e:  # noqa: BLE001: any import failure is a reason to skip
    print(f"skip import torch failed: {type(e).__name__}: {e}", flush=True)
    sys.exit(0)

SHAPES = {"fmnist": (1, 28, 28), "cifar": (3, 32, 32), "sepchain": (1, 28, 28),
          "xception": (3, 32, 32), "resnet": (1, 28, 28)}
BATCH = {"train": 64, "infer": 256, "latency": 1}


def fmnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))


def cifar_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4096, 256), nn.ReLU(), nn.Linear(256, 10))


def sepchain_cnn():
    """bench/specs/sepchain_cnn.yaml: separable = depthwise (groups = channels,
    no bias) then pointwise 1x1."""
    def sep(cin, cout):
        return [nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1)]
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(), *sep(16, 32), nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.ReLU(),
        nn.Conv2d(32, 64, 1, groups=2), nn.ReLU(), *sep(64, 64), nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1), nn.Flatten(), nn.Linear(1024, 10))


class XceptionSmall(nn.Module):
    """bench/specs/xception_cnn.yaml (examples/xception_small.yaml): the keras.io
    small Xception; batch normalization with Keras's defaults (momentum 0.99,
    epsilon 1e-3)."""
    def __init__(self):
        super().__init__()
        def bn(c):
            return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

        def sep(cin, cout):
            return [nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
                    nn.Conv2d(cin, cout, 1)]
        self.entry = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), bn(16), nn.ReLU())
        self.blocks, self.shortcuts = nn.ModuleList(), nn.ModuleList()
        prev = 16
        for w in (32, 64, 128):
            self.blocks.append(nn.Sequential(
                nn.ReLU(), *sep(prev, w), bn(w), nn.ReLU(), *sep(w, w), bn(w),
                nn.MaxPool2d(3, 2, padding=1)))
            self.shortcuts.append(nn.Conv2d(prev, w, 1, stride=2))
            prev = w
        self.exit = nn.Sequential(*sep(128, 256), bn(256), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25),
                                  nn.Linear(256, 10))

    def forward(self, x):
        x = self.entry(x)
        for block, shortcut in zip(self.blocks, self.shortcuts):
            x = block(x) + shortcut(x)
        return self.exit(x)


class Residual(nn.Module):
    """examples/fashion_mnist_resnet.yaml: the stem (with a 2x2 max pool), two residual stages (the
    second strided, with a 1x1 projection shortcut), global average pooling,
    dropout 0.3, dense. Keras's BN momentum 0.9 and epsilon 1e-3 are PyTorch's
    momentum 0.1, eps 1e-3."""

    def __init__(self):
        super().__init__()

        def cbn(cin, cout, k=3, stride=1):
            return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
                                 nn.BatchNorm2d(cout, eps=1e-3, momentum=0.1))
        self.stem = nn.Sequential(cbn(1, 32), nn.ReLU(), nn.MaxPool2d(2))
        self.s1 = nn.Sequential(cbn(32, 32), nn.ReLU(), cbn(32, 32))
        self.s2 = nn.Sequential(cbn(32, 64, stride=2), nn.ReLU(), cbn(64, 64))
        self.short = cbn(32, 64, k=1, stride=2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3),
                                  nn.Linear(64, 10))

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.s1(x))
        x = torch.relu(self.s2(x) + self.short(x))
        return self.head(x)


def timer(step, threads):
    def run(steps):
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return time.perf_counter() - t0
    return run


def layout(model, x, variant):
    if variant == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if variant == "compile":
        if not hasattr(torch, "compile"):
            raise Skip(f"torch.compile needs PyTorch 2 (this is {torch.__version__})")
        model = torch.compile(model)
    return model, x


def train(make, shape, variant, threads):
    if variant == "script":
        raise Skip("TorchScript is for inference here")
    model = make()
    x = torch.rand(BATCH["train"], *shape) * 255
    y = torch.randint(0, 10, (BATCH["train"],))
    model, x = layout(model, x, variant)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x * (1 / 255)), y).backward()
        opt.step()
    return timer(step, threads)


def infer(make, shape, batch, variant, threads):
    model = make().eval()
    x = torch.rand(batch, *shape) * 255
    if variant == "script":
        with torch.no_grad():
            model = torch.jit.freeze(torch.jit.script(model))
    model, x = layout(model, x, variant)

    def step():
        with torch.inference_mode():
            torch.softmax(model(x * (1 / 255)), 1)
    return timer(step, threads)


def prepare(model, work, variant, threads):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    make = {"fmnist": fmnist_cnn, "cifar": cifar_cnn, "sepchain": sepchain_cnn,
            "xception": XceptionSmall, "resnet": Residual}[model]
    if work == "train":
        return train(make, SHAPES[model], variant, threads)
    return infer(make, SHAPES[model], BATCH[work], variant, threads)


if __name__ == "__main__":
    serve(f"PyTorch {torch.__version__}", prepare)
