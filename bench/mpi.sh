#!/bin/sh
# bench/mpi.sh [BUILD_DIR] [IMAGES] [ROUNDS] — a distributed fit's speed (not
# part of make test): the Fashion-MNIST example trained for one epoch on
# IMAGES images (default 4000) by one process with one thread, 1 and 2 ranks
# of one thread each, one process with two threads, and two one-thread
# processes at once without MPI (what this machine allows any two processes:
# the ceiling of 2 ranks' speed-up). Per variant: milliseconds per training
# step (the mean, and the median step, which a busy machine's stalls move
# less), images per second from them, the part of a step spent in MPI
# exchanges and the whole fit's seconds (loading and mpirun's start
# included), each its best of ROUNDS rounds (default 15). The variants run in
# turn, round after round, and the ratios (2 ranks against 1 rank, against 2
# threads, the ceiling) are taken within each round and printed as their
# median over the rounds with their range: a shared VM's speed drifts by up
# to 1.5x over seconds, so the best rounds of two variants may come from
# different spells. Needs Open MPI (mpirun, mpicc).
set -eu
BUILD=${1:-build}
N=${2:-4000}
ROUNDS=${3:-15}
ROOT=$(pwd)
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
make -s BUILD="$BUILD" "$BUILD/nnc" "$BUILD/libnncrt_mpi.a" "$BUILD/idx_subset"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$ROOT/$BUILD/nnc" build "$ROOT/examples/fashion_mnist.yaml" -o fm 2>/dev/null
"$ROOT/$BUILD/nnc" build --mpi "$ROOT/examples/fashion_mnist.yaml" -o fm_mpi 2>/dev/null
"$ROOT/$BUILD/idx_subset" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" \
    val 32 1 0 >/dev/null
DATA="--data $FM/train-images-idx3-ubyte.gz --limit $N --val val-images-idx3-ubyte --epochs 1"

# one NAME CMD...: appends "mean median mpi seconds" of one run (the
# trainer's NNCRT_STEP_TIMES line; the whole fit's wall-clock seconds) to
# rounds.NAME
export NNCRT_STEP_TIMES=1
steps() {   # "mean median mpi" from each FILE's NNCRT_STEP_TIMES line
    sed -n 's/.*: \([0-9.]*\) ms per training step (median \([0-9.]*\)), \([0-9.]*\) of it.*/\1 \2 \3/p' "$@"
}
one() {
    name=$1; shift
    t0=$(date +%s.%N); "$@" > "out.$name" 2>&1; t1=$(date +%s.%N)
    steps "out.$name" | awk -v t0="$t0" -v t1="$t1" '{ print $1, $2, $3, t1 - t0 }' >> "rounds.$name"
}
# pair: two one-thread fits at once; their mean of means and mean of medians
pair() {
    t0=$(date +%s.%N)
    ./fm fit $DATA --threads 1 --weights e.safetensors > out.pair1 2>&1 &
    ./fm fit $DATA --threads 1 --weights f.safetensors > out.pair2 2>&1
    wait
    t1=$(date +%s.%N)
    steps out.pair1 out.pair2 | awk -v t0="$t0" -v t1="$t1" \
        '{ a += $1; b += $2 } END { print a / 2, b / 2, 0, t1 - t0 }' >> rounds.pair
}
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    one one ./fm fit $DATA --threads 1 --weights a.safetensors
    one r1 mpirun --bind-to none -np 1 ./fm_mpi fit $DATA --threads 1 --weights b.safetensors
    one r2 mpirun --bind-to none --oversubscribe -np 2 ./fm_mpi fit $DATA --threads 1 \
        --weights c.safetensors
    one two ./fm fit $DATA --threads 2 --weights d.safetensors
    pair
    r=$((r + 1))
done
# best: the round with the lowest mean, and the lowest median of any round
best() { sort -n "rounds.$1" | head -1 | tr '\n' ' '; sort -n -k2 "rounds.$1" | head -1 | cut -d' ' -f2; }
cmp -s a.safetensors c.safetensors && same=yes || same=NO
echo "$(best one) $(best r1) $(best r2) $(best two) $(best pair)" | awk -v n="$N" \
    -v cores="$(nproc)" -v bs=32 -v rounds="$ROUNDS" '{
    split("1 process, 1 thread|1 rank (mpirun -np 1), 1 thread|2 ranks, 1 thread each|1 process, 2 threads|2 processes at once, 1 thread each", name, "|")
    printf "Fashion-MNIST example, %d images, 1 epoch, batch %d, %d cores (best of %d rounds)\n", n, bs, cores, rounds
    printf "%-36s %8s %9s %8s %9s %8s %8s\n", "", "ms/step", "images/s", "median", "images/s", "MPI ms", "fit s"
    for (i = 0; i < 5; i++) {
        f = 5 * i; k = i == 4 ? 2 : 1   # the pair: images/s of both processes
        printf "%-36s %8.3f %9.0f %8.3f %9.0f %8s %8.2f\n", name[i + 1], $(f + 1), k * 1000 * bs / $(f + 1),
            $(f + 5), k * 1000 * bs / $(f + 5), i == 4 ? "-" : sprintf("%.3f", $(f + 3)), $(f + 4)
    }
}'
# The ratios, round by round: the variants of one round ran minutes apart at
# most, while the best rounds of two variants may come from a fast and a slow
# spell of the machine. Each ratio's median over the rounds, and its range.
paste -d' ' rounds.one rounds.r1 rounds.r2 rounds.two rounds.pair | awk -v same="$same" '
function med(a, n,   i, j, t) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--)
            { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function show(label, a, n) {
    printf "%-58s %.2fx (%.2f-%.2f)\n", label, med(a, n), a[1], a[n]
}
{   # a round: mean, median, MPI ms, seconds of 1 process, 1 rank, 2 ranks, 2 threads, the pair
    r++
    sp[r] = $5 / $9; sm[r] = $6 / $10   # 2 ranks vs 1 rank: means, medians
    th[r] = $13 / $9                    # 2 ranks vs 2 threads
    ce[r] = 2 * $1 / $17                # 2 processes at once vs 1 alone
    of[r] = sp[r] / ce[r]               # 2 ranks against that
}
END {
    printf "ratios, the median of the %d rounds (range):\n", r
    show("2 ranks vs 1 rank, per step", sp, r)
    show("2 ranks vs 1 rank, median steps", sm, r)
    show("2 ranks vs 1 process with 2 threads", th, r)
    show("2 processes at once vs 1 (the ceiling for 2 ranks)", ce, r)
    show("2 ranks speed-up / that ceiling", of, r)
    printf "2 ranks weights == 1 process weights: %s\n", same
}'
