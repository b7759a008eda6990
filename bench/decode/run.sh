#!/bin/sh
# run.sh BUILD_DIR — make bench-decode: decode + resize the 60,000 Fashion-MNIST
# training PNGs to 32x32 RGB (bilinear; so every image is decoded, converted
# from gray and resized) with libnncrt (1 and 2 OpenMP threads) and with
# Pillow (1 process, and a pool of 2), and print images/second side by side.
# The four configurations take turns, RUNS rounds (default 5), so that a
# busy machine slows them alike; each reports the median of its rounds.
# Uses data/fashion-mnist/train from `make demo` when it is there, else
# writes the PNGs once under BUILD_DIR/bench-decode.
set -eu
BUILD=${1:?usage: run.sh BUILD_DIR}
RUNS=${RUNS:-5}
FM=${FMNIST:-/usr/share/datasets/fashion-mnist}
NAMES=T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot
DATA=data/fashion-mnist/train
if [ ! -f data/fashion-mnist/.done ]; then
    DATA=$BUILD/bench-decode/train
    if [ ! -f "$BUILD/bench-decode/.done" ]; then
        echo "writing 60,000 PNGs to $DATA ..."
        rm -rf "$DATA"
        "$BUILD/idx2png" "$FM/train-images-idx3-ubyte.gz" "$FM/train-labels-idx1-ubyte.gz" "$DATA" "$NAMES"
        touch "$BUILD/bench-decode/.done"
    fi
fi
nnc() { "$BUILD/bench_decode" "$DATA" 32 32 3 "$1" 1; }
pil() { /usr/bin/python3 bench/decode/pil_decode.py "$DATA" 32 32 RGB "$1" 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
nnc 1 > /dev/null && pil 1 > /dev/null   # warm the page cache for everyone
export WARMUP=0
r=1
while [ $r -le "$RUNS" ]; do
    for k in 1 2; do nnc $k | tee -a "$out"; pil $k | tee -a "$out"; done
    r=$((r + 1))
done
echo
echo "decode + resize of the Fashion-MNIST PNGs (28x28 gray -> 32x32 rgb, bilinear), median of $RUNS rounds"
awk '
    function median(list,   v, n, i, j, t) {
        n = split(list, v, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return v[int((n + 1) / 2)]
    }
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      w = ($1 == "nnc") ? f["threads"] : f["workers"]
      s[$1, w] = s[$1, w] " " f["median"]; n = f["images"] }
    END {
      for (k in s) rate[k] = n / median(s[k])
      printf "%-22s %14s %14s\n", "images/second", "1 worker", "2 workers"
      printf "%-22s %14.0f %14.0f\n", "nnc (libnncrt, C)", rate["nnc", 1], rate["nnc", 2]
      printf "%-22s %14.0f %14.0f\n", "PIL (Pillow, Python)", rate["pil", 1], rate["pil", 2]
      printf "%-22s %14.2f %14.2f\n", "nnc / PIL", rate["nnc", 1] / rate["pil", 1], rate["nnc", 2] / rate["pil", 2]
      printf "(%d images per run)\n", n
    }' "$out"
