#!/usr/bin/python3
"""`make bench-peers`: nnc beside current PyTorch 2.x and Keras 3, one table.

FMNIST-CNN and CIFAR-CNN (bench/specs): training images/s at batch 64,
inference images/s at batch 256, single-image latency, every figure at the
same thread count, on data already in memory. nnc runs bench_driver.c
around trainers made with `nnc --profile`; PyTorch (eager, channels_last,
torch.compile) and Keras (jit_compile off and on) run in worker processes of
the benchmark venv (bench/peer_torch.py, bench/peer_keras.py). Each piece of
work is timed in ROUNDS rounds alternating nnc and every peer
(bench/harness.py); a ratio is the median of the rounds' ratios, > 1 where
nnc is faster. A peer that cannot be installed, imported or run is a row
that says why.

usage: peers.py BENCH_DIR VENV_PYTHON [THREADS]
Environment: BENCH_ROUNDS (5)."""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WORKS = (  # model, work, label, nnc driver, batch
    ("fmnist", "train", "FMNIST-CNN training, batch 64", "fmnist", 64),
    ("cifar", "train", "CIFAR-CNN training, batch 64", "cifar", 64),
    ("fmnist", "infer", "FMNIST-CNN inference, batch 256", "fmnist256", 256),
    ("cifar", "infer", "CIFAR-CNN inference, batch 256", "cifar256", 256),
    ("fmnist", "latency", "FMNIST-CNN single image", "fmnist", 1),
    ("cifar", "latency", "CIFAR-CNN single image", "cifar", 1),
)
VARIANTS = (  # worker, variant, label
    ("torch", "eager", "PyTorch eager"),
    ("torch", "channels_last", "PyTorch channels_last"),
    ("torch", "compile", "PyTorch torch.compile"),
    ("keras", "jit_off", "Keras, jit_compile off"),
    ("keras", "jit_on", "Keras, jit_compile on"),
)


def start_peers(venv_python, threads, log):
    env = harness.threads_env(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not os.access(venv_python, os.X_OK):
        why = f"no {venv_python} (see make bench-peers' install step)"
        return {k: harness.Peer(k, None, log, skip=why) for k in ("torch", "keras")}
    return {"torch": harness.Peer("torch", [venv_python, f"{HERE}/peer_torch.py"], log, env),
            "keras": harness.Peer("keras", [venv_python, f"{HERE}/peer_keras.py",
                                            str(threads)], log, env)}


def time_work(bench_dir, peers, threads, model, work, label, driver, batch):
    entries = [harness.nnc_entry("nnc", f"{bench_dir}/{driver}", work, threads, batch)]
    for i, (worker, variant, vlabel) in enumerate(VARIANTS):
        entries.append(harness.peer_entry(peers[worker], vlabel, f"{model}.{work}.{i}",
                                          model, work, variant, threads))
    harness.rounds(entries, ROUNDS)
    return entries


def figure(t, batch):
    return f"{t * 1e6:10.1f} us   " if batch == 1 else f"{batch / t:10.1f} img/s"


def print_table(results):
    print(f"| {'work':<32} | {'peer':<23} | {'nnc':>16} | {'peer':>16} | {'ratio':>7} | "
          f"{'rounds':>12} |")
    print(f"|{'-' * 34}|{'-' * 25}|{'-' * 18}|{'-' * 18}|{'-' * 9}|{'-' * 14}|")
    for (_, _, label, _, batch), entries in results:
        nnc, first = entries[0], True
        for e in entries[1:]:
            work = label if first else ""
            first = False
            mine = figure(statistics.median(nnc.times), batch)
            if not e.times:
                print(f"| {work:<32} | {e.label:<23} | {mine} | skipped: "
                      f"{harness.one_line(e.skip, 100)}")
                continue
            med, lo, hi = harness.ratio(nnc, e)
            print(f"| {work:<32} | {e.label:<23} | {mine} | "
                  f"{figure(statistics.median(e.times), batch)} | {med:6.2f}x | "
                  f"{lo:5.2f}-{hi:5.2f}x |")


def print_notes(results):
    late = [(label, e) for (_, _, label, _, _), entries in results for e in entries[1:]
            if e.times and e.skip]
    for label, e in late:
        print(f"{label}, {e.label}: stopped after {len(e.times)} rounds: "
              f"{harness.one_line(e.skip, 120)}")
    print("\nseconds from a variant's start to the end of its 3 warm-up steps (tracing and "
          "compiling included):")
    print(f"  {'':<32}" + "".join(f" {v[2].split(' ', 1)[1]:>14}" for v in VARIANTS))
    for (_, _, label, _, _), entries in results:
        print(f"  {label:<32}" + "".join(
            f" {e.prepare_s:14.1f}" if e.prepare_s is not None else f" {'-':>14}"
            for e in entries[1:]))


def main():
    bench_dir, venv_python = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    target = harness.nnc_target(f"{bench_dir}/fmnist.c")
    with open(f"{bench_dir}/peers.log", "w") as log:
        peers = start_peers(venv_python, threads, log)
        versions = [p.version or f"{p.name}: not run ({p.skip})" for p in peers.values()]
        print(f"bench-peers: {'; '.join(versions)}; {ROUNDS} rounds; worker logs in "
              f"{bench_dir}/peers.log", flush=True)
        results = []
        for w in WORKS:
            t0 = time.perf_counter()
            results.append((w, time_work(bench_dir, peers, threads, *w)))
            print(f"  {w[2]}: {time.perf_counter() - t0:.0f} s", flush=True)
        for p in peers.values():
            p.close()
    print(f"\nnnc ({target} kernels) vs {', '.join(p.version for p in peers.values() if p.version)}"
          f"\n{harness.machine()}, {threads} threads for every figure; {time.strftime('%Y-%m-%d')}")
    print(f"{ROUNDS} rounds, each timing nnc and every peer in turn; figures: medians of the "
          f"rounds; ratio: median of the rounds' ratios (> 1: nnc faster), and their range")
    print_table(results)
    print_notes(results)


if __name__ == "__main__":
    main()
