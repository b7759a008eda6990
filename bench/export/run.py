#!/usr/bin/python3
"""`make bench-export`: FMNIST-CNN exported by `nnc --predict` beside ONNX
Runtime, PyTorch and the trainer's own predict, one table, one thread each.

Single-image latency and batch-256 throughput (the exported classifier is
called 256 times: it takes one image) of: the export's SIMD kernels
(-DCLS_SIMD) and its portable ones, both built -O3 -march=native
(bench/export/driver.c); the trainer's nnc_model.predict at batch 256
(bench/export/trainer_driver.c); ONNX Runtime (bench/export/peer_onnx.py, the
same model and weights built as an ONNX graph); PyTorch eager and
channels_last (bench/export/peer_torch.py). Every peer first reproduces
the export's probabilities on the 256 benchmark images (Fashion-MNIST test
images) within 1e-5, or is not timed. Each work is timed in ROUNDS rounds
alternating all of them (bench/harness.py); a figure is the median of the
rounds, a ratio the median of the rounds' ratios (> 1: nnc faster).

usage: run.py DIR VENV_PYTHON FMNIST_DIR
DIR holds w.safetensors, cls_simd, cls_portable and trainer256 (the Makefile
makes them). Environment: BENCH_ROUNDS (5)."""

import gzip
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
N_IMAGES = 256
WORKS = (("latency", "FMNIST-CNN single image", 1), ("infer", "FMNIST-CNN batch 256", 256))


def write_images(fmnist, path):
    """The first N_IMAGES test images as raw float32 pixels (0..255)."""
    with gzip.open(f"{fmnist}/t10k-images-idx3-ubyte.gz") as f:
        data = f.read(16 + N_IMAGES * 784)[16:]
    import array
    a = array.array("f", (float(b) for b in data))
    if sys.byteorder != "little":
        a.byteswap()
    with open(path, "wb") as f:
        a.tofile(f)


def read_floats(path):
    import array
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return a


def c_entry(label, argv, batch):
    """A C driver, one process per measurement: ARGV MODE IMAGES STEPS."""
    def measure(steps, mode):
        out = subprocess.run(argv[:-2] + [mode, argv[-1], str(steps)], capture_output=True,
                             text=True, env=harness.threads_env(1), timeout=600)
        if out.returncode != 0:
            sys.exit(f"bench-export: {' '.join(argv)} {mode} failed:\n{out.stdout}{out.stderr}")
        value = float(out.stdout.split()[1])
        return (value * 1e-6 if mode == "latency" else batch / value), out.stdout
    return measure


def nnc_entries(d, images, mode, batch):
    rows = (("nnc export, SIMD", [f"{d}/cls_simd"]),
            ("nnc export, portable", [f"{d}/cls_portable"]),
            ("nnc trainer's predict", [f"{d}/trainer256", f"{d}/w.safetensors"]))
    out = []
    for label, argv in rows:
        m = c_entry(label, argv + [mode, images], batch)
        probe, _ = m(2000 if mode == "latency" else 8, mode)
        out.append(harness.Entry(label, lambda steps, m=m: m(steps, mode), probe))
    return out


def check_nnc(d, images):
    """The three nnc builds' probabilities on the images; returns the
    reference file (the SIMD export's) and lines for the report."""
    files = {}
    for name, argv in (("simd", [f"{d}/cls_simd"]), ("portable", [f"{d}/cls_portable"]),
                       ("trainer", [f"{d}/trainer256", f"{d}/w.safetensors"])):
        files[name] = f"{d}/probs_{name}.f32"
        subprocess.run(argv + ["probs", images, str(N_IMAGES), files[name]], check=True,
                       env=harness.threads_env(1))
    p = {k: read_floats(v) for k, v in files.items()}
    worst = lambda a, b: max(abs(x - y) for x, y in zip(p[a], p[b]))
    lines = [f"nnc export portable vs SIMD: worst probability difference {worst('portable', 'simd'):.3g}; "
             f"trainer's predict vs SIMD export: {worst('trainer', 'simd'):.3g} "
             f"({N_IMAGES} Fashion-MNIST test images)"]
    return files["simd"], lines


def figure(t, batch):
    return f"{t * 1e6:9.1f} us   " if batch == 1 else f"{batch / t:9.0f} img/s"


def print_table(results):
    print(f"| {'work':<24} | {'':<23} | {'figure':>15} | {'vs SIMD export':>14} | "
          f"{'rounds':>13} | {'vs portable':>11} |")
    print(f"|{'-' * 26}|{'-' * 25}|{'-' * 17}|{'-' * 16}|{'-' * 15}|{'-' * 13}|")
    for (_, label, batch), entries in results:
        simd, portable = entries[0], entries[1]
        for i, e in enumerate(entries):
            work = label if i == 0 else ""
            if not e.times:
                print(f"| {work:<24} | {e.label:<23} | skipped: {harness.one_line(e.skip, 110)}")
                continue
            mine = figure(statistics.median(e.times), batch)
            if i == 0:
                print(f"| {work:<24} | {e.label:<23} | {mine} | {'1':>13}x | {'':>13} | "
                      f"{harness.ratio(portable, e)[0]:10.2f}x |")
                continue
            med, lo, hi = harness.ratio(simd, e)
            vsp = harness.ratio(portable, e)[0] if portable.times else float("nan")
            print(f"| {work:<24} | {e.label:<23} | {mine} | {med:13.2f}x | "
                  f"{f'{lo:5.2f}-{hi:5.2f}x':>13} | {vsp:10.2f}x |")


def main():
    d, venv_python, fmnist = sys.argv[1:4]
    images = f"{d}/images.f32"
    write_images(fmnist, images)
    ref, check_lines = check_nnc(d, images)
    check_file = f"{d}/peer_checks.txt"
    if os.path.exists(check_file):
        os.remove(check_file)
    load0 = os.getloadavg()[0]
    with open(f"{d}/peers.log", "w") as log:
        args = [f"{d}/w.safetensors", images, ref, check_file]
        env = harness.threads_env(1)
        if os.access(venv_python, os.X_OK):
            onnx = harness.Peer("onnxruntime", [venv_python, f"{HERE}/peer_onnx.py"] + args, log, env)
        else:
            onnx = harness.Peer("onnxruntime", None, log, skip=f"no {venv_python} (pip could not "
                                "install onnx and onnxruntime; see make bench-export's output)")
        torch = harness.Peer("torch", ["/usr/bin/python3", f"{HERE}/peer_torch.py"] + args, log, env)
        peers = [onnx, torch]
        versions = [p.version or f"{p.name}: not run ({p.skip})" for p in peers]
        print(f"bench-export: {'; '.join(versions)}; {ROUNDS} rounds; worker logs in "
              f"{d}/peers.log", flush=True)
        results = []
        for i, (mode, label, batch) in enumerate(WORKS):
            t0 = time.perf_counter()
            entries = nnc_entries(d, images, mode, batch)
            entries.append(harness.peer_entry(onnx, "ONNX Runtime", f"o{i}", "fmnist", mode,
                                              "default", 1))
            for v in ("eager", "channels_last"):
                entries.append(harness.peer_entry(torch, f"PyTorch {v}", f"t{v}{i}", "fmnist",
                                                  mode, v, 1))
            harness.rounds(entries, ROUNDS)
            results.append(((mode, label, batch), entries))
            print(f"  {label}: {time.perf_counter() - t0:.0f} s", flush=True)
        for p in peers:
            p.close()
    print(f"\nnnc --predict (FMNIST-CNN, examples/fashion_mnist.yaml) vs "
          f"{', '.join(p.version for p in peers if p.version)}")
    print(f"{harness.machine()}; one thread for every figure; {time.strftime('%Y-%m-%d %H:%M')}; "
          f"load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{ROUNDS} rounds, each timing every row in turn (alternating order); figures: medians "
          f"of the rounds; ratios: medians of the rounds' ratios (> 1: nnc faster), range over "
          f"the rounds")
    print_table(results)
    for line in check_lines:
        print(line)
    if os.path.exists(check_file):
        with open(check_file) as f:
            for line in f:
                print(line.rstrip())


if __name__ == "__main__":
    main()
