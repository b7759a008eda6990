#!/usr/bin/python3
"""The work bench_decode.c times, done with Pillow: list the class folders'
PNG/JPEG files in sorted order, then for each file Image.open + convert(MODE)
+ resize((W, H), BILINEAR) into one uint8 array [N, H, W, C], as a Python
data pipeline would. WORKERS > 1 uses a multiprocessing.Pool (created before
the clock starts, fed in chunks); 1 runs in-process with no pickling.

    pil_decode.py DIR H W MODE WORKERS RUNS

One untimed run warms the page cache (not with WARMUP=0 in the environment);
prints one line:
"pil workers=K images=N seconds=s1,... median=S".
"""
import multiprocessing as mp
import os
import statistics
import sys
import time

import numpy as np
from PIL import Image

EXTS = (".png", ".jpg", ".jpeg")


def list_files(root):
    files = []
    for cls in sorted(d for d in os.listdir(root) if not d.startswith(".")):
        for dirpath, _, names in sorted(os.walk(os.path.join(root, cls)), key=lambda x: x[0]):
            files += [os.path.join(dirpath, f) for f in sorted(names) if f.lower().endswith(EXTS)]
    return files


def load(args):
    path, h, w, mode = args
    with Image.open(path) as im:
        return im.convert(mode).resize((w, h), Image.BILINEAR).tobytes()


def run_once(root, h, w, mode, pool):
    files = list_files(root)
    c = len(mode)
    out = np.empty((len(files), h, w, c), np.uint8)
    jobs = [(f, h, w, mode) for f in files]
    results = pool.imap(load, jobs, chunksize=256) if pool else map(load, jobs)
    for i, b in enumerate(results):
        out[i] = np.frombuffer(b, np.uint8).reshape(h, w, c)
    return len(files)


def main():
    root, h, w, mode, workers, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    pool = mp.Pool(workers) if workers > 1 else None
    times, n = [], 0
    warm = os.environ.get("WARMUP", "1") != "0"
    for r in range(runs + warm):       # with warm-up, run 0 is not timed
        t0 = time.perf_counter()
        n = run_once(root, h, w, mode, pool)
        if r or not warm:
            times.append(time.perf_counter() - t0)
    if pool:
        pool.close()
    print(f"pil workers={workers} images={n} seconds={','.join(f'{t:.3f}' for t in times)} "
          f"median={statistics.median(times):.4f}")


if __name__ == "__main__":
    main()
