#!/bin/sh
# test_bn_e2e.sh BUILD_DIR — batch_normalization end to end on Fashion-MNIST
# (tests/specs/bn_e2e.yaml: after conv2d with and without bias, and after
# dense): nnc check -v lists the inference folds; the same seed gives bitwise
# the same weights with 1, 2 and 3 threads, and for targets avx2 and avx512; the summary splits trainable and
# non-trainable parameters as Keras does; evaluate with the saved weights
# gives fit's last validation loss (the moving statistics are saved and
# loaded); the --predict export folds the normalizations into constant
# kernels and matches the trainer's predict within 1e-5 on 1,000 images.
set -u
BUILD=${1:?usage: test_bn_e2e.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
SPEC=$ROOT/tests/specs/bn_e2e.yaml
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -15; }
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }
C99="-std=c99 -pedantic -Wall -Wextra -Werror -O2"
RT="$ROOT/$BUILD/libnncrt.a -lpng -ljpeg -ljansson -lz -lm -fopenmp ${NNC_CFLAGS:-}"   # the sanitizers libnncrt.a was built with

"$NNC" check -v "$SPEC" > "$tmp/check" 2>&1
n=$(grep -c "is folded into .*kernel and bias at inference" "$tmp/check")
if [ "$n" -eq 3 ]; then ok "nnc check -v lists 3 inference folds"; else bad "nnc check -v lists 3 inference folds ($n)"; fi

cd "$tmp"
run "nnc build" "$NNC" build "$SPEC" -o bn
for t in 1 2 3; do
    ./bn fit --data "$FM/train-images-idx3-ubyte.gz" --limit 2000 --threads $t \
        --val "$FM/t10k-images-idx3-ubyte.gz" --weights "threads$t.safetensors" \
        > "fit$t.out" 2>&1 || { cp "fit$t.out" out; bad "fit --threads $t"; }
done
run "weights identical with 1 and 2 threads" cmp threads1.safetensors threads2.safetensors
run "weights identical with 1 and 3 threads" cmp threads1.safetensors threads3.safetensors
if grep -qw avx512f /proc/cpuinfo; then # every kernel SIMD on both: byte-identical training
    for t in avx2 avx512; do
        "$NNC" build "$SPEC" --target $t -o bn_$t > out 2>&1 &&
        ./bn_$t fit --data "$FM/train-images-idx3-ubyte.gz" --limit 500 --weights $t.safetensors \
            > out 2>&1 || bad "fit, target $t"
    done
    run "weights identical for targets avx2 and avx512" cmp avx2.safetensors avx512.safetensors
fi
val=$(sed -n 's/.*val_loss: \([0-9.]*\).*/\1/p' fit1.out | tail -1)
vacc=$(sed -n 's/.*val_accuracy: \([0-9.]*\).*/\1/p' fit1.out | tail -1)
echo "     fit 2,000 images, 1 epoch: val_loss ${val:-none}, val_accuracy ${vacc:-none}"
if [ -n "$vacc" ] && awk "BEGIN {exit !($vacc >= 0.70)}"; then ok "val_accuracy >= 0.70"; else bad "val_accuracy >= 0.70"; fi

./bn summary > out 2>&1
if grep -q "Trainable params: 33,722" out && grep -q "Non-trainable params: 96" out; then
    ok "summary: 33,722 trainable, 96 non-trainable (Keras's split)"; else bad "summary: trainable / non-trainable"; fi

# the moving statistics travel in the weights file: evaluate gives fit's validation
n=0
for t in moving_mean moving_variance; do
    for l in l03 l07 l11; do grep -a -q "\"${l}_batch_normalization.$t\"" threads1.safetensors && n=$((n + 1)); done
done
if [ $n -eq 6 ]; then ok "weights file holds moving_mean and moving_variance of all 3 layers"
else bad "weights file holds moving_mean and moving_variance ($n of 6)"; fi
./bn evaluate --data "$FM/t10k-images-idx3-ubyte.gz" --weights threads1.safetensors \
    --json > eval.json 2> out
loss=$(sed -n 's/.*"loss":\([0-9.]*\).*/\1/p' eval.json)
loss4=$(awk "BEGIN {printf \"%.4f\", ${loss:-0}}")
echo "     evaluate with the saved weights: loss ${loss:-none} (fit's val_loss ${val:-none})"
if [ -n "$val" ] && [ "$loss4" = "$val" ]; then ok "evaluate after fit uses the saved moving statistics"
else bad "evaluate after fit uses the saved moving statistics"; fi

# the export: normalizations folded into constants, the trainer's predict within 1e-5
run "nnc --predict" "$NNC" "$SPEC" --predict --weights threads1.safetensors --prefix exp -o classifier.c
calls=$(grep -c "^ *l[0-9]*_[a-z0-9]*_fwd_folded(" classifier.c)
if grep -q "_fk\[" classifier.c && ! grep -q "^ *l[0-9]*_batch_normalization_fold(" classifier.c &&
   [ "$calls" -eq 6 ]; then
    ok "export: folded kernels are constants, no fold at run time"; else bad "export: folded kernels are constants"; fi
run "gcc $C99: portable kernels" gcc $C99 -c classifier.c -o cls.o
run "gcc $C99: SIMD kernels (EXP_SIMD)" gcc $C99 -march=native -DEXP_SIMD -c classifier.c -o simd.o
"$NNC" "$SPEC" -o trainer_src.c > out 2>&1
cc -std=c11 -D_GNU_SOURCE -O2 -march=native -fopenmp -fno-math-errno -I"$ROOT/runtime" \
    -DNNC_NO_MAIN -c trainer_src.c -o trainer.o
for obj in cls simd; do
    cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$ROOT/runtime" -I. \
        "$ROOT/tests/test_export.c" $obj.o trainer.o $RT -lpthread -o test_$obj > out 2>&1 ||
        bad "build test_export ($obj)"
    run "$obj against the trainer's predict, 1,000 images, tolerance 1e-5" \
        ./test_$obj threads1.safetensors "$FM/t10k-images-idx3-ubyte.gz" 1000 1e-5
    sed 's/^/     /' out
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
