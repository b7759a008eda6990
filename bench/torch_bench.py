#!/usr/bin/python3
"""PyTorch side of `make bench`: the same FMNIST-CNN and CIFAR-CNN, same batch
sizes and thread counts, data preloaded in memory, synthetic like nnc's.
Prints one line per figure: `<work> <value>` (img/s or us), the best variant
(eager NCHW, channels_last, or frozen TorchScript for inference), each the
median of RUNS timed runs. Run with Debian's python3-torch: /usr/bin/python3."""

import statistics
import sys
import time

import torch
import torch.nn as nn

RUNS = 5


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


def timed(fn, steps):
    for _ in range(5):  # warm up; TorchScript's profiling executor optimizes after a few calls
        fn()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times)


def train_ips(make, shape, batch, steps, channels_last):
    model = make()
    x = torch.rand(batch, *shape) * 255
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x * (1 / 255)), y).backward()
        opt.step()
    return batch / timed(step, steps)


def infer_fn(make, shape, batch, variant):
    model = make().eval()
    x = torch.rand(batch, *shape) * 255
    if variant == "script":
        with torch.no_grad():
            model = torch.jit.freeze(torch.jit.script(model))
    if variant == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def fwd():
        with torch.no_grad():
            torch.softmax(model(x * (1 / 255)), 1)
    return fwd


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    for name, make, shape, steps in (("fmnist", fmnist_cnn, (1, 28, 28), 20),
                                     ("cifar", cifar_cnn, (3, 32, 32), 5)):
        best = max(train_ips(make, shape, 64, steps, cl) for cl in (False, True))
        print(f"{name}_train {best:.0f}", flush=True)
    variants = ("eager", "channels_last", "script")
    best = max(256 / timed(infer_fn(fmnist_cnn, (1, 28, 28), 256, v), 10) for v in variants)
    print(f"fmnist_infer256 {best:.0f}", flush=True)
    torch.set_num_threads(1)
    best = min(timed(infer_fn(fmnist_cnn, (1, 28, 28), 1, v), 200) for v in variants)
    print(f"fmnist_latency {best * 1e6:.1f}", flush=True)


if __name__ == "__main__":
    main()
