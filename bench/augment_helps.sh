#!/bin/sh
# augment_helps.sh [BUILD_DIR] — does augmentation help? Trains
# examples/fashion_mnist.yaml (plain) and examples/fashion_mnist_augment.yaml
# (the same model with random_flip and random_translation) on the first N
# Fashion-MNIST training images for EPOCHS epochs, with each of several seeds
# (each seed sets the initial weights, the shuffles and the draws), and
# evaluates both on the 10,000 test images. Not part of make test: it takes
# about 6 minutes on 2 cores. Environment: N (2000), EPOCHS (20),
# SEEDS ("1 2 3 4 5"), FASHION_MNIST (/usr/share/datasets/fashion-mnist).
set -eu
BUILD=${1:-build}
N=${N:-2000}
EPOCHS=${EPOCHS:-20}
SEEDS=${SEEDS:-"1 2 3 4 5"}
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
ROOT=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The examples as they are, less data.validation: validating on 10,000 images
# after every epoch would cost more than the training; the test set is
# evaluated once, at the end.
for spec in fashion_mnist fashion_mnist_augment; do
    grep -v '^  validation:' "examples/$spec.yaml" > "$tmp/$spec.yaml"
    "$ROOT/$BUILD/nnc" build "$tmp/$spec.yaml" -o "$tmp/$spec" 2> "$tmp/build.log" ||
        { cat "$tmp/build.log"; exit 1; }
done
cd "$tmp"
echo "training on the first $N images for $EPOCHS epochs, testing on 10,000; seeds: $SEEDS"
printf '%-24s %6s %10s %10s\n' model seed accuracy loss
for spec in fashion_mnist fashion_mnist_augment; do
    for seed in $SEEDS; do
        ./$spec fit --data "$FM/train-images-idx3-ubyte.gz" --limit "$N" --epochs "$EPOCHS" \
            --seed "$seed" --weights w.safetensors > fit.log 2>&1 || { cat fit.log; exit 1; }
        ./$spec evaluate --data "$FM/t10k-images-idx3-ubyte.gz" --weights w.safetensors \
            --json > eval.json 2> eval.log || { cat eval.log; exit 1; }
        acc=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' eval.json)
        loss=$(sed -n 's/.*"loss":\([0-9.]*\).*/\1/p' eval.json)
        printf '%-24s %6s %10s %10s\n' "$spec" "$seed" "$acc" "$loss" | tee -a results.txt
    done
    awk -v m="$spec" '$1 == m {a += $3; l += $4; n++}
        END {printf "%-24s %6s %10.4f %10.4f\n", m, "mean", a / n, l / n}' results.txt | tee -a means.txt
done
awk 'NR == 1 {a = $3; l = $4} NR == 2 {printf "augmentation: %+.4f test accuracy, %+.4f test loss (%s)\n",
     $3 - a, $4 - l, ($3 > a) ? "helps" : "does not help"}' means.txt
