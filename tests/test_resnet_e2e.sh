#!/bin/sh
# test_resnet_e2e.sh BUILD_DIR — examples/fashion_mnist_resnet.yaml (batch
# normalization, residual add, global average pooling, dropout) as a user runs
# it: fit on the first 10,000 Fashion-MNIST training images reaches accuracy
# >= 0.84 on the first 2,000 test images; the exported classifier (nnc
# --predict: batch normalization folded, dropout gone) matches the trainer's
# predict on 1,000 test images within 1e-5; a short fit gives identical
# weights with 1 and 2 threads.
set -u
BUILD=${1:?usage: test_resnet_e2e.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
SPEC=$ROOT/examples/fashion_mnist_resnet.yaml
EPOCHS=${RESNET_EPOCHS:-5}
# libgomp's spinning barriers cost 5x on a loaded machine; sleeping costs nothing here
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}; export OMP_WAIT_POLICY
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -15; }
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }
RT="$ROOT/$BUILD/libnncrt.a -lpng -ljpeg -ljansson -lz -lm -fopenmp ${NNC_CFLAGS:-}"   # the sanitizers libnncrt.a was built with
cd "$tmp"

# 1. fit on 10,000 images, evaluate on 2,000 test images. The example's cosine
# decay spans its full run (12 epochs of 60,000 images); here it spans the
# EPOCHS epochs of 157 batches, ending at 0 as the full run does (the spec is
# otherwise the example's)
sed "s/decay_steps: 11256}/decay_steps: $((EPOCHS * 157))}/" "$SPEC" > resnet.yaml
if cmp -s "$SPEC" resnet.yaml; then bad "the example's cosine decay (decay_steps: 11256) not found"; fi
SPEC=$tmp/resnet.yaml
"$NNC" build "$SPEC" -o res > out 2>&1 || bad "nnc build"
run "fit 10,000 images, $EPOCHS epochs" ./res fit --data "$FM/train-images-idx3-ubyte.gz" \
    --limit 10000 --epochs "$EPOCHS" --validation-freq 1000 --verbose 2 \
    --val "$FM/t10k-images-idx3-ubyte.gz" --weights w.safetensors
grep 'step - loss' "$tmp/out" | tail -1 | sed 's/^/     /'
./res evaluate --data "$FM/t10k-images-idx3-ubyte.gz" --limit 2000 --weights w.safetensors \
    --json > eval.json 2> "$tmp/out"
acc=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' eval.json | head -n 1)
echo "     test accuracy on 2,000 images: ${acc:-none}"
if [ -n "$acc" ] && awk "BEGIN {exit !($acc >= 0.84)}"; then ok "accuracy >= 0.84"; else bad "accuracy >= 0.84"; fi

# 2. the export against the trainer's predict (tests/test_export.c includes ./classifier.h)
run "nnc --predict" "$NNC" "$SPEC" --predict --weights w.safetensors --prefix exp -o classifier.c
run "classifier.c: gcc -std=c99 -pedantic -Werror" gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 \
    -c classifier.c -o cls.o
# dropout is named only in comments (the spec line and "identity outside fit")
if grep -v '^ *\(/\*\|\*\)' classifier.c | grep -q dropout; then bad "no dropout code in the export"
else ok "no dropout code in the export"; fi
folded=$(grep -c "conv2d's kernel and bias with l[0-9]*_batch_normalization folded in" classifier.c)
if [ "$folded" -eq 6 ]; then ok "the 6 batch normalizations folded into their convs"
else bad "the 6 batch normalizations folded into their convs ($folded)"; fi
"$NNC" "$SPEC" -o trainer_src.c > out 2>&1
cc -std=c11 -D_GNU_SOURCE -O2 -march=native -fopenmp -fno-math-errno -I"$ROOT/runtime" \
    -DNNC_NO_MAIN -c trainer_src.c -o trainer.o > out 2>&1 || bad "compile the trainer"
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$ROOT/runtime" -I. \
    "$ROOT/tests/test_export.c" cls.o trainer.o $RT -lpthread -o test_cls > out 2>&1 ||
    bad "build test_export"
run "export against the trainer's predict, 1,000 images, tolerance 1e-5" \
    ./test_cls w.safetensors "$FM/t10k-images-idx3-ubyte.gz" 1000 1e-5
sed 's/^/     /' "$tmp/out"

# 3. the same seed, bitwise the same weights with 1 and 2 threads (batch
# statistics, dropout masks and augmentation all keyed per sample)
for t in 1 2; do
    ./res fit --data "$FM/train-images-idx3-ubyte.gz" --limit 640 --epochs 1 --threads $t \
        --validation-freq 1000 --val "$FM/t10k-images-idx3-ubyte.gz" \
        --weights "threads$t.safetensors" > "$tmp/out" 2>&1 || bad "fit --threads $t"
done
run "weights identical with 1 and 2 threads" cmp threads1.safetensors threads2.safetensors

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
