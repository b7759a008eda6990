#!/bin/sh
# bench/mpi.sh [BUILD_DIR] [IMAGES] — a distributed fit's speed (not part of
# make test): the Fashion-MNIST example trained for one epoch on IMAGES
# images (default 20000) by one process with one thread, 1 and 2 ranks of
# one thread each, and one process with two threads: milliseconds per
# training step and images per second from them, the part of a step spent in
# MPI exchanges, the whole fit's seconds (loading and mpirun's start
# included), and the 2 ranks' scaling efficiency against one rank. Each
# variant runs 3 times, the best is kept. Needs Open MPI (mpirun, mpicc).
set -eu
BUILD=${1:-build}
N=${2:-20000}
ROOT=$(pwd)
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
make -s "$BUILD/nnc" "$BUILD/libnncrt_mpi.a" "$BUILD/idx_subset"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$ROOT/$BUILD/nnc" build "$ROOT/examples/fashion_mnist.yaml" -o fm 2>/dev/null
"$ROOT/$BUILD/nnc" build --mpi "$ROOT/examples/fashion_mnist.yaml" -o fm_mpi 2>/dev/null
"$ROOT/$BUILD/idx_subset" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" \
    val 32 1 0 >/dev/null
DATA="--data $FM/train-images-idx3-ubyte.gz --limit $N --val val-images-idx3-ubyte --epochs 1"

# best NAME CMD...: the best of 3 runs' milliseconds per training step (the
# trainer's NNCRT_STEP_TIMES line), then the MPI part of that run; the whole
# fit's wall-clock seconds (loading and mpirun's start included) as a third field
export NNCRT_STEP_TIMES=1
best() {
    name=$1; shift; b=
    for i in 1 2 3; do
        t0=$(date +%s.%N); "$@" > "out.$name" 2>&1; t1=$(date +%s.%N)
        line=$(sed -n 's/.*: \([0-9.]*\) ms per training step, \([0-9.]*\) of it.*/\1 \2/p' "out.$name")
        b=$(echo "$line $t0 $t1 ${b:-1e9 0 0}" | awk '{ if ($1 < $5) print $1, $2, $4 - $3; else print $5, $6, $7 }')
    done
    echo "$b"
}
t1=$(best one ./fm fit $DATA --threads 1 --weights a.safetensors)
r1=$(best r1 mpirun --bind-to none -np 1 ./fm_mpi fit $DATA --threads 1 --weights b.safetensors)
r2=$(best r2 mpirun --bind-to none --oversubscribe -np 2 ./fm_mpi fit $DATA --threads 1 \
    --weights c.safetensors)
t2=$(best two ./fm fit $DATA --threads 2 --weights d.safetensors)
cmp -s a.safetensors c.safetensors && same=yes || same=NO
echo "$t1 $r1 $r2 $t2" | awk -v n="$N" -v same="$same" -v cores="$(nproc)" -v bs=32 '{
    split("1 process, 1 thread|1 rank (mpirun -np 1), 1 thread|2 ranks, 1 thread each|1 process, 2 threads", name, "|")
    printf "Fashion-MNIST example, %d images, 1 epoch, batch %d, %d cores (best of 3)\n", n, bs, cores
    printf "%-34s %9s %10s %9s %11s\n", "", "ms/step", "images/s", "MPI ms", "fit seconds"
    for (i = 0; i < 4; i++)
        printf "%-34s %9.3f %10.0f %9.3f %11.2f\n", name[i + 1], $(3 * i + 1), 1000 * bs / $(3 * i + 1), $(3 * i + 2), $(3 * i + 3)
    printf "2 ranks vs 1 rank: %.2fx per step (scaling efficiency %.0f%%)\n", $4 / $7, 50 * $4 / $7
    printf "2 ranks vs 1 process with 2 threads: %.2fx per step\n", $10 / $7
    printf "2 ranks weights == 1 process weights: %s\n", same
}'
