#!/usr/bin/python3
"""`make bench`: nnc and PyTorch side by side on this machine, one table.

Runs the drivers that `make bench` built (bench_driver.c around trainers made
with `nnc --profile`), bench/torch_bench.py, and the FMA-peak microbenchmark,
all in this one command, and prints each figure of issue 3's table with nnc,
PyTorch and the ratio, plus GFLOP/s per conv layer against the measured peak,
trainer start-up time, peak memory against the memory plan, and the time of
`nnc build` for CIFAR-CNN. Medians of RUNS runs: the machine is noisy.

usage: run.py BUILD_DIR [THREADS]"""

import os
import re
import statistics
import subprocess
import sys
import time

RUNS = 5
HERE = os.path.dirname(os.path.abspath(__file__))
FMNIST = "/usr/share/datasets/fashion-mnist"


def sh(cmd, env=None, timeout=900):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def threads_env(n):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(n)
    return env


def driver(build, name, mode, runs, steps, threads):
    """Median over RUNS processes, each reporting the median of 3 timed runs:
    a process can land on a slow placement, so one process is not enough."""
    values, layers = [], []
    for _ in range(runs):
        out = sh([f"{build}/bench_{name}", mode, "3", str(steps)], threads_env(threads))
        values.append(float(out.split()[1]))
        times = dict(((n, p), float(t)) for n, p, t in
                     re.findall(r"^time (\S+) (fwd|bwd) ([\d.]+) ms$", out, re.M))
        layers.append([(n, p, float(g), times.get((n, p), 0.0)) for n, p, g in
                       re.findall(r"^layer (\S+) (fwd|bwd) ([\d.]+)$", out, re.M)])
    value = statistics.median(values)
    return value, layers[values.index(min(values, key=lambda v: abs(v - value)))]


def wall_ms(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sh(cmd)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def peak_memory(build):
    """Max RSS of `fit` on 20,000 IDX images against plan + decoded cache.
    os.wait4 gives that one child's usage (RUSAGE_CHILDREN would be the
    largest of all children so far, PyTorch's included)."""
    proc = subprocess.Popen([f"{build}/bench_trainer", "fit", "--data",
                             f"{FMNIST}/train-images-idx3-ubyte.gz", "--limit", "20000",
                             "--epochs", "1", "--weights", f"{build}/bench.safetensors"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit("bench: bench_trainer fit failed")
    summary = sh([f"{build}/bench_trainer", "summary"])
    plan = int(re.search(r"Memory plan: ([\d,]+) bytes", summary).group(1).replace(",", ""))
    return usage.ru_maxrss * 1024, plan, 20000 * 28 * 28


def row(work, nnc, torch, unit, higher_better=True):
    ratio = nnc / torch if higher_better else torch / nnc
    print(f"| {work:<38} | {nnc:>10.1f} {unit:<6} | {torch:>10.1f} {unit:<6} | {ratio:>6.2f}x |")


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    peak = dict(re.findall(r"^fma_peak (\d+) ([\d.]+)$", sh([f"{build}/fma_peak"],
                                                             threads_env(threads)), re.M))
    peak_n = float(peak[str(threads)])
    torch = dict(l.split() for l in sh(["/usr/bin/python3", f"{HERE}/torch_bench.py",
                                        str(threads)]).splitlines())
    fm_train, fm_layers = driver(build, "fmnist", "train", RUNS, 30, threads)
    cf_train, cf_layers = driver(build, "cifar", "train", RUNS, 8, threads)
    fm_infer, _ = driver(build, "fmnist256", "infer", RUNS, 20, threads)
    fm_lat, _ = driver(build, "fmnist", "latency", RUNS, 300, 1)
    print(f"\nnnc vs PyTorch {sys.modules['os'].uname().machine}, {os.cpu_count()} cores, "
          f"{threads} threads; FMA peak {peak_n:.0f} GFLOP/s ({float(peak['1']):.0f} on one core)")
    print(f"| {'work':<38} | {'nnc':>17} | {'PyTorch':>17} | {'ratio':>7} |")
    print(f"|{'-' * 40}|{'-' * 19}|{'-' * 19}|{'-' * 9}|")
    row("FMNIST-CNN training, batch 64", fm_train, float(torch["fmnist_train"]), "img/s")
    row("CIFAR-CNN training, batch 64", cf_train, float(torch["cifar_train"]), "img/s")
    row("FMNIST-CNN inference, batch 256", fm_infer, float(torch["fmnist_infer256"]), "img/s")
    row("FMNIST-CNN single image (1 thread)", fm_lat, float(torch["fmnist_latency"]), "us",
        higher_better=False)
    print(f"\nFMNIST-CNN training at {fm_train:.0f} img/s = "
          f"{fm_train * 15.4e6 / 1e9:.0f} GFLOP/s, {fm_train * 15.4e6 / 1e9 / peak_n:.0%} of peak")
    print("GFLOP/s per layer with weights (fwd, bwd, and both: their flops over their time),"
          " share of the FMA peak:")
    for model, layers in (("fmnist", fm_layers), ("cifar", cf_layers)):
        both = {}
        for name, pas, g, t in layers:
            print(f"  {model:<7} {name:<14} {pas:<7} {g:7.1f}  {g / peak_n:5.0%}")
            f, tt = both.get(name, (0.0, 0.0))
            both[name] = (f + g * t, tt + t)
            if pas == "bwd" and tt > 0 and t > 0:
                g2 = both[name][0] / both[name][1]
                print(f"  {model:<7} {name:<14} {'fwd+bwd':<7} {g2:7.1f}  {g2 / peak_n:5.0%}")
    start = wall_ms([f"{build}/bench_trainer", "summary"], 9)
    print(f"\ntrainer start-up (summary, wall): {start:.1f} ms")
    rss, plan, cache = peak_memory(build)
    print(f"peak RSS during fit on 20,000 images: {rss / 2**20:.1f} MiB = "
          f"{rss / (plan + cache):.2f}x (memory plan {plan / 2**20:.1f} MiB + data cache "
          f"{cache / 2**20:.1f} MiB)")
    t0 = time.perf_counter()
    sh([f"{build}/nnc", "build", f"{HERE}/specs/cifar_cnn.yaml", "-o", f"{build}/bench_cifar_built"])
    print(f"nnc build of CIFAR-CNN (emit + C compiler): {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
