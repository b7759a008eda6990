#!/bin/sh
# test_sep_chain.sh BUILD_DIR — tests/specs/sep_chain.yaml (separable,
# depthwise and grouped convolutions) learns Fashion-MNIST: 2 epochs on 6,000
# training images reach at least 72% on 2,000 test images (76.8% when
# written); and its weights after a short fit are byte-identical for 1, 2 and
# 3 threads and for avx2 and the host's target.
set -u
BUILD=${1:?usage: test_sep_chain.sh BUILD_DIR}
FMNIST=${FMNIST:-/usr/share/datasets/fashion-mnist}
NNC=$BUILD/nnc
TRAIN=$FMNIST/train-images-idx3-ubyte.gz
TEST=$FMNIST/t10k-images-idx3-ubyte.gz
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

for t in host avx2; do
    "$NNC" build tests/specs/sep_chain.yaml --target $t -o "$dir/sep_$t" > "$dir/build_$t.log" 2>&1 ||
        { bad "nnc build sep_chain --target $t"; cat "$dir/build_$t.log"; }
done
T=$dir/sep_host
if "$T" fit --data "$TRAIN" --limit 6000 --epochs 2 --weights "$dir/w.safetensors" \
       > "$dir/fit.out" 2>&1 &&
   "$T" evaluate --data "$TEST" --limit 2000 --weights "$dir/w.safetensors" > "$dir/eval.out" 2>&1; then
    acc=$(sed -n 's/.*samples - loss: [0-9.]* - accuracy: \([0-9.]*\).*/\1/p' "$dir/eval.out")
    if [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a >= 0.72) }'; then
        ok "sep_chain learns: test accuracy $acc >= 0.72"
    else
        bad "sep_chain learns: test accuracy '$acc' < 0.72"; cat "$dir/eval.out"
    fi
else
    bad "sep_chain fit and evaluate"; cat "$dir/fit.out" "$dir/eval.out" 2>/dev/null
fi

ref=
for run in "host 1" "host 2" "host 3" "avx2 2"; do
    set -- $run
    [ -x "$dir/sep_$1" ] || continue
    "$dir/sep_$1" fit --data "$TRAIN" --limit 640 --epochs 1 --threads $2 \
        --weights "$dir/d_$1_$2.safetensors" > /dev/null 2>&1 || { bad "fit $run"; continue; }
    sum=$(cksum < "$dir/d_$1_$2.safetensors")
    if [ -z "$ref" ]; then ref=$sum
    elif [ "$sum" = "$ref" ]; then ok "weights of target $1, $2 threads = target host, 1 thread"
    else bad "weights of target $1, $2 threads differ from target host, 1 thread"; fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
