#!/bin/sh
# test_e2e.sh BUILD_DIR — the user's workflow on real Fashion-MNIST data:
# generated C compiles warning-free with gcc and clang, `nnc build` makes a
# trainer, fit on the first 10,000 training images for one epoch reaches
# accuracy >= 0.80 on the first 2,000 test images, the same weights for any
# thread count and for targets avx2 and avx512, predict names classes from
# PNG files, foreign weights are refused, and an installed nnc works from
# anywhere. NNC_CFLAGS (e.g. sanitizers) is passed on to the trainers.
set -u
BUILD=${1:?usage: test_e2e.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -20; }
# run NAME CMD...: passes when CMD exits 0; its output is kept in $tmp/out
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }

# 1. every spec we ship compiles to C that both compilers accept with -Werror
for spec in examples/*.yaml tests/specs/*.yaml; do
    base=$(basename "$spec" .yaml)
    "$NNC" "$spec" -o "$tmp/$base.c" 2> "$tmp/out" || { bad "nnc $spec"; continue; }
    for cc in gcc clang; do
        run "$cc -Wall -Wextra -Werror: $spec" $cc -std=c11 -O2 -Wall -Wextra -Werror -fopenmp \
            -I"$ROOT/runtime" -c "$tmp/$base.c" -o "$tmp/$base.$cc.o"
    done
done

# 1b. --profile (per-layer timers, clock_gettime) too: plain -std=c11 declares no POSIX
# clock unless the generated file asks for it
"$NNC" examples/fashion_mnist.yaml --profile -o "$tmp/prof.c" 2> "$tmp/out" || bad "nnc --profile"
for cc in gcc clang; do
    run "$cc -std=c11 -Wall -Wextra -Werror: --profile" $cc -std=c11 -O2 -Wall -Wextra -Werror \
        -fopenmp -I"$ROOT/runtime" -c "$tmp/prof.c" -o "$tmp/prof.$cc.o"
done
run "nnc build --profile --cc clang" env NNC_CFLAGS="${NNC_CFLAGS:-} -Werror" "$NNC" build \
    examples/fashion_mnist.yaml --profile --cc clang -o "$tmp/prof"

# 2. the emitted file is byte-identical for the same input
"$NNC" examples/fashion_mnist.yaml -o "$tmp/again.c"
run "deterministic output" cmp "$tmp/fashion_mnist.c" "$tmp/again.c"

# 3. check prints the layer table with the parameter count
run "nnc check" sh -c "'$NNC' check examples/fashion_mnist.yaml | grep -q 'Total params: 225,034'"

# 4. build, fit, evaluate
run "nnc build" "$NNC" build examples/fashion_mnist.yaml -o "$tmp/fmnist"
cd "$tmp"
run "fit 10,000 images, 1 epoch" ./fmnist fit --data "$FM/train-images-idx3-ubyte.gz" \
    --limit 10000 --epochs 1 --val "$FM/t10k-images-idx3-ubyte.gz" --weights w.safetensors
./fmnist evaluate --data "$FM/t10k-images-idx3-ubyte.gz" --limit 2000 --weights w.safetensors \
    --json > eval.json 2> "$tmp/out"
acc=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' eval.json)
echo "     test accuracy on 2,000 images: ${acc:-none}"
if [ -n "$acc" ] && awk "BEGIN {exit !($acc >= 0.80)}"; then ok "accuracy >= 0.80"; else bad "accuracy >= 0.80"; fi

# 5. the same seed gives bitwise the same weights for any thread count (3 threads
# on 2 cores: uneven shares of the kernel gradients' sample groups)
for t in 1 2 3; do
    ./fmnist fit --data "$FM/train-images-idx3-ubyte.gz" --limit 1000 --epochs 1 --threads $t \
        --val "$FM/t10k-images-idx3-ubyte.gz" --weights "threads$t.safetensors" > "$tmp/out" 2>&1 ||
        bad "fit --threads $t"
done
run "weights identical with 1 and 2 threads" cmp threads1.safetensors threads2.safetensors
run "weights identical with 1 and 3 threads" cmp threads1.safetensors threads3.safetensors

# 5b. avx2 and avx512 builds train to the same bytes, also where 8 divides a layer's
# channels or units and 16 does not (tests/specs/simd_widths.yaml: conv, dense,
# batch_normalization, add, pooling, dropout at 8 and 24 wide); the AVX-512
# kernels only run natively, so this CPU needs avx512f
if grep -qw avx512f /proc/cpuinfo; then
    for t in avx2 avx512; do
        "$NNC" build "$ROOT/tests/specs/simd_widths.yaml" --target $t -o widths_$t > "$tmp/out" 2>&1 &&
        ./widths_$t fit --data "$FM/train-images-idx3-ubyte.gz" --limit 512 --weights widths_$t.st \
            > "$tmp/out" 2>&1 || bad "simd_widths: build and fit, target $t"
    done
    run "simd_widths: weights identical for targets avx2 and avx512" cmp widths_avx2.st widths_avx512.st
fi

# 6. predict from PNG files: class names and probabilities
run "idx2png" "$ROOT/$BUILD/idx2png" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" \
    png T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot --limit 20
pngs=$(ls png/*/*.png | head -n 8)
./fmnist predict --weights w.safetensors --json $pngs > pred.json 2> "$tmp/out"
lines=$(grep -c '"class":' pred.json)
right=0
for f in $pngs; do
    want=$(basename "$(dirname "$f")")
    grep -F "\"file\":\"$f\"" pred.json | grep -qF "\"class\":\"$want\"" && right=$((right + 1))
done
echo "     predict: $lines of 8 images answered, $right named their folder's class"
if [ "$lines" -eq 8 ] && [ "$right" -ge 5 ]; then ok "predict --json"; else bad "predict --json"; fi

# 7. weights of another model are refused, naming the file
"$NNC" build "$ROOT/tests/specs/gc_logits.yaml" -o other > "$tmp/out" 2>&1
if ./other predict --weights w.safetensors png/Trouser/*.png > "$tmp/out" 2>&1; then
    bad "foreign weights refused"
elif grep -q "w.safetensors" "$tmp/out"; then ok "foreign weights refused"; else bad "foreign weights refused"; fi

# 7b. a trainer compiled for an instruction set this CPU lacks says so instead of dying of SIGILL
if grep -qw avx512f /proc/cpuinfo; then
    echo "     (this CPU has AVX-512: the refusal of a trainer compiled for it is not testable here)"
else
    "$NNC" "$ROOT/examples/fashion_mnist.yaml" -o isa.c > "$tmp/out" 2>&1
    clang -std=c11 -D_GNU_SOURCE -O2 -mavx512f -mavx2 -mfma -fopenmp -I"$ROOT/runtime" isa.c \
        "$ROOT/$BUILD/libnncrt.a" -lpng -ljpeg -ljansson -lcairo -lfontconfig -lz -lm ${NNC_CFLAGS:-} -o isa \
        > "$tmp/out" 2>&1
    if ./isa summary > "$tmp/out" 2>&1; then bad "an AVX-512 trainer is refused on this CPU"
    elif grep -q "compiled for a CPU with avx512f" "$tmp/out"; then ok "an AVX-512 trainer is refused on this CPU, by name"
    else bad "an AVX-512 trainer is refused on this CPU, by name"; fi
fi

# 8. an installed nnc builds from another directory, without the source tree
cd "$ROOT"
run "make install" make -s install BUILD="$BUILD" PREFIX="$tmp/prefix"
mkdir -p "$tmp/elsewhere" && cp examples/fashion_mnist.yaml "$tmp/elsewhere/m.yaml"
cd "$tmp/elsewhere"
run "installed nnc build" "$tmp/prefix/bin/nnc" build m.yaml -o trainer
run "installed trainer runs" ./trainer summary
cd "$ROOT"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
