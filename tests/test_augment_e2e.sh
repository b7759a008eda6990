#!/bin/sh
# test_augment_e2e.sh BUILD_DIR — augmentation and binary classification
# through real trainers on Fashion-MNIST: fit with augment: (random_crop from
# 28x28 images to a 24x24 input, flip, rotation) is deterministic across
# thread counts, evaluate and predict take random_crop's inference window,
# augment-preview writes a grid of the right size; a binary model
# (binary_crossentropy, one sigmoid unit) learns Trouser vs Bag and predict
# reports both classes. NNC_CFLAGS (e.g. sanitizers) reach the trainers.
set -u
BUILD=${1:?usage: test_augment_e2e.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
TRAIN=$FM/train-images-idx3-ubyte.gz
TEST=$FM/t10k-images-idx3-ubyte.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -20; }
# run NAME WANT_RC CMD...: passes when CMD exits WANT_RC; output in $tmp/out
run() {
    name=$1 want=$2; shift 2
    "$@" > "$tmp/out" 2>&1
    rc=$?
    if [ $rc -eq "$want" ]; then ok "$name"; else echo "     exit $rc, expected $want"; bad "$name"; fi
}
# PNG width and height from the IHDR chunk (bytes 16..23, big-endian)
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}'; }

cd "$tmp"
cat > crop.yaml <<'EOF'
name: crop
input: {shape: [24, 24, 1]}
data:
  image_size: [28, 28]
  class_names: [T-shirt_top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle_boot]
augment:
  - random_crop: {height: 24, width: 24}
  - random_flip: horizontal
  - random_rotation: {factor: 0.03, fill_mode: constant}
layers:
  - rescaling: {scale: 0.00392156862745098}
  - conv2d: {filters: 8, kernel_size: 3, activation: relu}
  - max_pooling2d: {pool_size: 2}
  - flatten
  - dense: {units: 10, activation: softmax}
loss: sparse_categorical_crossentropy
optimizer: adam
fit: {batch_size: 16}
EOF
run "nnc build (augment)" 0 "$NNC" build crop.yaml -o crop

# 1. fit is the same with 1 and 2 threads: augmentation draws are per sample
run "fit, 1 thread" 0 ./crop fit --data "$TRAIN" --limit 600 --epochs 2 --threads 1 --weights t1.safetensors
run "fit, 2 threads" 0 ./crop fit --data "$TRAIN" --limit 600 --epochs 2 --threads 2 --weights t2.safetensors
run "same weights for 1 and 2 threads" 0 cmp t1.safetensors t2.safetensors
run "fit, seed 5" 0 ./crop fit --data "$TRAIN" --limit 600 --epochs 2 --seed 5 --weights t3.safetensors
run "another seed, other weights" 1 cmp -s t1.safetensors t3.safetensors

# 2. evaluate and predict load 28x28 images and take the centred window
./crop evaluate --data "$TEST" --limit 500 --weights t1.safetensors --json > eval.json 2> "$tmp/out"
acc=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' eval.json)
echo "     crop model, 600 images, 2 epochs: test accuracy ${acc:-none}"
if [ -n "$acc" ] && awk "BEGIN {exit !($acc >= 0.3)}"; then ok "evaluate >= 0.3 (chance 0.1)"; else bad "evaluate >= 0.3 (chance 0.1)"; fi
run "idx2png" 0 "$ROOT/$BUILD/idx2png" "$TEST" "$FM/t10k-labels-idx1-ubyte.gz" png \
    T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot --limit 40
run "predict (random_crop inference)" 0 ./crop predict --weights t1.safetensors png/Trouser/*.png

# 3. augment-preview: a row per class, 1 + n cells of 24x24 with 2-pixel gaps
run "augment-preview" 0 ./crop augment-preview --data png --n 5 --out grid.png
if [ -f grid.png ] && [ "$(png_size grid.png)" = "154x258" ] && grep -q "row 10: Ankle_boot" "$tmp/out"; then
    ok "preview grid 154x258, rows named"
else
    echo "     grid size: $(png_size grid.png 2>/dev/null)"; bad "preview grid 154x258, rows named"
fi
run "augment-preview needs --out" 2 ./crop augment-preview --data png
run "augment-preview --n 65 refused" 2 ./crop augment-preview --data png --n 65 --out g.png

# 4. binary: Trouser (0) against Bag (1), one sigmoid unit
cat > bin.yaml <<'EOF'
name: bin
input: {shape: [28, 28, 1]}
data: {label_mode: binary, class_names: [Trouser, Bag]}
augment: [random_flip: horizontal]
layers:
  - rescaling: {scale: 0.00392156862745098}
  - flatten
  - dense: {units: 16, activation: relu}
  - dense: {units: 1, activation: sigmoid}
loss: binary_crossentropy
optimizer: adam
fit: {batch_size: 16}
EOF
run "nnc build (binary)" 0 "$NNC" build bin.yaml -o bin
run "idx2png (train)" 0 "$ROOT/$BUILD/idx2png" "$TRAIN" "$FM/train-labels-idx1-ubyte.gz" tr \
    T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot --limit 2000
mkdir -p bintrain bintest
mv tr/Trouser tr/Bag bintrain/ && cp -r png/Trouser png/Bag bintest/
run "fit binary" 0 ./bin fit --data bintrain --epochs 3 --weights b.safetensors
./bin evaluate --data bintest --weights b.safetensors --json > beval.json 2> "$tmp/out"
acc=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' beval.json)
echo "     binary Trouser/Bag: test accuracy ${acc:-none}"
if [ -n "$acc" ] && awk "BEGIN {exit !($acc >= 0.9)}"; then ok "binary accuracy >= 0.9"; else bad "binary accuracy >= 0.9"; fi
# fit applies the augmentation: without it, the same seed trains other weights
grep -v '^augment:' bin.yaml > plain.yaml
run "nnc build (binary, no augment)" 0 "$NNC" build plain.yaml -o plain
run "fit binary without augment" 0 ./plain fit --data bintrain --epochs 3 --weights p.safetensors
./plain evaluate --data bintest --weights p.safetensors --json > peval.json 2> "$tmp/out"
l1=$(sed -n 's/.*"loss":\([0-9.e-]*\).*/\1/p' beval.json)
l2=$(sed -n 's/.*"loss":\([0-9.e-]*\).*/\1/p' peval.json)
echo "     test loss with augmentation $l1, without $l2"
if [ -n "$l1" ] && [ -n "$l2" ] && [ "$l1" != "$l2" ]; then ok "fit applies augment:"; else bad "fit applies augment:"; fi
./bin predict --weights b.safetensors --top 2 bintest/Bag/*.png > bpred.txt 2> "$tmp/out"
first=$(head -n 1 bpred.txt)
echo "     $first"
sum=$(echo "$first" | sed 's/.*(\([0-9.]*\)).*(\([0-9.]*\)).*/\1 \2/' | awk '{printf "%.3f", $1 + $2}')
if grep -q "Bag (" bpred.txt && grep -q "Trouser (" bpred.txt && [ "$sum" = "1.000" ]; then
    ok "binary predict: both classes, p and 1 - p"
else
    bad "binary predict: both classes, p and 1 - p"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
