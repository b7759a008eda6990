#!/usr/bin/python3
"""`make bench`: nnc and PyTorch side by side on this machine, one table.

Runs the drivers that `make bench` built (bench_driver.c around trainers made
with `nnc --profile`) and Debian's PyTorch (bench/peer_torch.py under
/usr/bin/python3) in rounds that alternate the two (bench/harness.py), and
the FMA-peak microbenchmark of the trainers' --target, all in this one
command; prints each figure of issue 3's table with nnc, PyTorch (the best of
its variants in each round) and the ratio (the median of the rounds'), plus
GFLOP/s per conv layer against the measured peak, trainer start-up time,
peak memory against the memory plan, and the time of `nnc build` for
CIFAR-CNN. RUNS rounds: the machine is noisy.

usage: run.py BUILD_DIR BENCH_DIR [THREADS]"""

import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RUNS = 5
HERE = os.path.dirname(os.path.abspath(__file__))
FMNIST = "/usr/share/datasets/fashion-mnist"
WORKS = (  # label, nnc driver, mode, batch, threads (0: the command's), PyTorch variants
    ("FMNIST-CNN training, batch 64", "fmnist", "train", 64, 0, ("eager", "channels_last")),
    ("CIFAR-CNN training, batch 64", "cifar", "train", 64, 0, ("eager", "channels_last")),
    ("FMNIST-CNN inference, batch 256", "fmnist256", "infer", 256, 0,
     ("eager", "channels_last", "script")),
    ("FMNIST-CNN single image (1 thread)", "fmnist", "latency", 1, 1,
     ("eager", "channels_last", "script")),
    ("Separable chain training, batch 64", "sepchain", "train", 64, 0,
     ("eager", "channels_last")),
    ("Xception-small training, batch 64", "xception", "train", 64, 0,
     ("eager", "channels_last")),
    ("ResNet example training, batch 64", "resnet", "train", 64, 0, ("eager", "channels_last")),
)
# training FLOPs per image of examples/fashion_mnist_resnet.yaml: 2 per MAC of its
# convs and dense (6,648,960 MACs), three passes, less the stem's input gradient
# (BN, add, pooling not counted)
RESNET_TRAIN_FLOP = 3 * 2 * 6648960 - 2 * 225792


def sh(cmd, env=None, timeout=900):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def layers_of(out):
    """(name, pass, GFLOP/s, ms per step) of each layer in a driver's output."""
    times = dict(((n, p), float(t)) for n, p, t in
                 re.findall(r"^time (\S+) (fwd|bwd) ([\d.]+) ms$", out, re.M))
    return [(n, p, float(g), times.get((n, p), 0.0)) for n, p, g in
            re.findall(r"^layer (\S+) (fwd|bwd) ([\d.]+)$", out, re.M)]


def time_work(bench, torch, threads, label, driver, mode, batch, work_threads, variants):
    """nnc's seconds per step and layers (its median round), PyTorch's best
    variant's per round, and the median and range of the rounds' ratios."""
    n = work_threads or threads
    model, work = driver.rstrip("0123456789"), mode
    nnc = harness.nnc_entry("nnc", f"{bench}/{driver}", mode, n, batch)
    peers = [harness.peer_entry(torch, v, f"{driver}.{mode}.{v}", model, work, v, n)
             for v in variants]
    harness.rounds([nnc] + peers, RUNS)
    ran = [p for p in peers if len(p.times) == len(nnc.times)]
    if not ran:
        sys.exit(f"bench: PyTorch could not run {label}: "
                 + "; ".join(f"{p.label}: {p.skip}" for p in peers))
    best = [min(p.times[r] for p in ran) for r in range(len(nnc.times))]
    ratios = sorted(b / c for b, c in zip(best, nnc.times))
    mid = nnc.times.index(sorted(nnc.times)[len(nnc.times) // 2])
    return (statistics.median(nnc.times), layers_of(nnc.outputs[mid]), statistics.median(best),
            (statistics.median(ratios), ratios[0], ratios[-1]), nnc.outputs[mid])


def wall_ms(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sh(cmd)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def peak_memory(bench):
    """Max RSS of `fit` on 20,000 IDX images against plan + decoded cache.
    os.wait4 gives that one child's usage (RUSAGE_CHILDREN would be the
    largest of all children so far, PyTorch's included)."""
    proc = subprocess.Popen([f"{bench}/trainer", "fit", "--data",
                             f"{FMNIST}/train-images-idx3-ubyte.gz", "--limit", "20000",
                             "--epochs", "1", "--weights", f"{bench}/bench.safetensors"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit("bench: trainer fit failed")
    summary = sh([f"{bench}/trainer", "summary"])
    plan = int(re.search(r"Memory plan: ([\d,]+) bytes", summary).group(1).replace(",", ""))
    return usage.ru_maxrss * 1024, plan, 20000 * 28 * 28


def depthwise_sizes(build, spec="sepchain_cnn", ops=("depthwise_conv2d",)):
    """{layer: (input floats, output floats) per sample} of the layers of
    bench/specs/SPEC.yaml whose op is one of OPS, from its `nnc check` table
    (a layer's input: the row before it)."""
    out = sh([f"{build}/nnc", "check", f"{HERE}/specs/{spec}.yaml"])
    rows = re.findall(r"^(\S+) \((\S+)\)\s+\(None, ([\d, ]+)\)", out, re.M)
    sizes, prev = {}, None
    for name, op, shape in rows:
        n = 1
        for d in shape.split(","):
            n *= int(d)
        if op in ops and prev:
            sizes[name] = (prev, n, op)
        prev = n
    return sizes


def depthwise_gbs(build, layers, batch, triad, model="sepchain", ops=("depthwise_conv2d",),
                  what="depthwise layers"):
    """GB/s of each depthwise layer: forward reads x and writes y; backward
    reads dy and x (kernel gradient), reads dy and writes dx (input
    gradient): the least traffic of each pass, over its time. Batch
    normalization's backward reads dy and x and writes dx; max pooling's
    reads dy and writes dx."""
    sizes = depthwise_sizes(build, f"{model}_cnn", ops)
    print(f"{what} (memory-bound): GB/s against the triad's {triad:.1f} GB/s:")
    for name, pas, _, t in layers:
        if name not in sizes or t <= 0:
            continue
        i, o, op = sizes[name]
        bwd = {"depthwise_conv2d": 2 * o + i + i,  # dy, x; dy, dx
               "batch_normalization": o + i + i,  # dy, x, dx
               "max_pooling2d": o + i}.get(op)  # dy, dx
        floats = (i + o) if pas == "fwd" else bwd
        gbs = 4.0 * floats * batch / (t / 1e3) / 1e9
        print(f"  {model:<8} {name:<24} {pas:<4} {gbs:7.1f} GB/s  {gbs / triad:5.0%}")


def row(work, nnc, torch, ratio, batch):
    unit = "us" if batch == 1 else "img/s"
    value = (lambda t: t * 1e6) if batch == 1 else (lambda t: batch / t)
    print(f"| {work:<38} | {value(nnc):>10.1f} {unit:<6} | {value(torch):>10.1f} {unit:<6} | "
          f"{ratio[0]:>6.2f}x | {ratio[1]:5.2f}-{ratio[2]:5.2f}x |")


def main():
    build, bench = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    target = harness.nnc_target(f"{bench}/fmnist.c")
    out = sh([f"{build}/fma_peak", target], harness.threads_env(threads))
    peak = dict(re.findall(r"^fma_peak (\d+) ([\d.]+)$", out, re.M))
    isa = re.search(r"^fma_isa \S+ (.*)$", out, re.M).group(1)
    peak_n = float(peak[str(threads)])
    triad = float(re.search(r"^triad \d+ ([\d.]+)$",
                            sh([f"{build}/triad"], harness.threads_env(threads)), re.M).group(1))
    with open(f"{bench}/torch.log", "w") as log:
        torch = harness.Peer("torch", ["/usr/bin/python3", f"{HERE}/peer_torch.py"], log)
        if torch.skip:
            sys.exit(f"bench: Debian's PyTorch (python3-torch) did not start: {torch.skip}")
        results = [time_work(bench, torch, threads, *w) for w in WORKS]
        torch.close()
    print(f"\nnnc vs {torch.version} {os.uname().machine}, {os.cpu_count()} cores, "
          f"{threads} threads; FMA peak {peak_n:.0f} GFLOP/s ({target}: {isa}, {threads} "
          f"threads; {float(peak['1']):.0f} on one)")
    print(f"{RUNS} rounds alternating nnc and PyTorch (the best of its variants in each round);"
          f" figures: medians; ratio: median of the rounds' ratios, and their range")
    print(f"| {'work':<38} | {'nnc':>17} | {'PyTorch':>17} | {'ratio':>7} | {'rounds':>12} |")
    print(f"|{'-' * 40}|{'-' * 19}|{'-' * 19}|{'-' * 9}|{'-' * 14}|")
    for (label, _, _, batch, _, _), (nnc, _, best, ratio, _) in zip(WORKS, results):
        row(label, nnc, best, ratio, batch)
    rn, torch_rn = 64 / results[6][0], 64 / results[6][2]
    print(f"\nResNet example training at {rn:.0f} img/s = {rn * RESNET_TRAIN_FLOP / 1e9:.1f} "
          f"GFLOP/s, {rn * RESNET_TRAIN_FLOP / 1e9 / peak_n:.1%} of peak (PyTorch "
          f"{torch_rn:.0f} img/s, {torch_rn * RESNET_TRAIN_FLOP / 1e9 / peak_n:.1%})")
    fm_train, fm_layers, cf_layers = 64 / results[0][0], results[0][1], results[1][1]
    print(f"\nFMNIST-CNN training at {fm_train:.0f} img/s = "
          f"{fm_train * 15.4e6 / 1e9:.0f} GFLOP/s, {fm_train * 15.4e6 / 1e9 / peak_n:.0%} of peak")
    print(f"GFLOP/s per layer with weights (fwd, bwd, and both: their flops over their time),"
          f" share of the {target} FMA peak:")
    for model, layers in (("fmnist", fm_layers), ("cifar", cf_layers),
                          ("sepchain", results[4][1]), ("xception", results[5][1])):
        both = {}
        for name, pas, g, t in layers:
            print(f"  {model:<8} {name:<22} {pas:<7} {g:7.1f}  {g / peak_n:5.0%}")
            f, tt = both.get(name, (0.0, 0.0))
            both[name] = (f + g * t, tt + t)
            if pas == "bwd" and tt > 0 and t > 0:
                g2 = both[name][0] / both[name][1]
                print(f"  {model:<8} {name:<22} {'fwd+bwd':<7} {g2:7.1f}  {g2 / peak_n:5.0%}")
    depthwise_gbs(build, results[4][1], 64, triad)
    xc_out = results[5][4]
    xc_times = [(n, p, 0.0, float(t)) for n, p, t in
                re.findall(r"^time (\S+) (fwd|bwd) ([\d.]+) ms$", xc_out, re.M)]
    depthwise_gbs(build, xc_times, 64, triad, "xception",
                  ("batch_normalization", "max_pooling2d"),
                  "xception's batch normalization and max pooling")
    print("xception milliseconds per step, every layer (fwd, bwd):")
    for name, pas, _, t in xc_times:
        print(f"  xception {name:<30} {pas} {t:7.3f} ms")
    start = wall_ms([f"{bench}/trainer", "summary"], 9)
    print(f"\ntrainer start-up (summary, wall): {start:.1f} ms")
    rss, plan, cache = peak_memory(bench)
    print(f"peak RSS during fit on 20,000 images: {rss / 2**20:.1f} MiB = "
          f"{rss / (plan + cache):.2f}x (memory plan {plan / 2**20:.1f} MiB + data cache "
          f"{cache / 2**20:.1f} MiB)")
    t0 = time.perf_counter()
    sh([f"{build}/nnc", "build", f"{HERE}/specs/cifar_cnn.yaml", "--target", target, "-o",
        f"{bench}/cifar_built"])
    print(f"nnc build of CIFAR-CNN (emit + C compiler): {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
