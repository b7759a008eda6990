#!/bin/sh
# test_optim_e2e.sh BUILD_DIR — optimizers, losses and class weights in the
# trainer: --resume refuses another optimizer's state and continues bitwise
# with Nadam (its u product recomputed) and Adagrad (its accumulator restored);
# global_clipnorm and weight decay give the same weights for any --threads;
# and examples/fashion_mnist_imbalanced.yaml (adamw, cosine_decay with
# warmup, label_smoothing, early_stopping, model_checkpoint), trained on
# Fashion-MNIST with three classes cut to a tenth, recalls those classes
# better with class_weight: balanced than without. NNC_CFLAGS goes on to the trainers.
set -u
BUILD=${1:?usage: test_optim_e2e.sh BUILD_DIR}
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
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }
# refused NAME TEXT CMD...: CMD exits 1 and its output holds TEXT
refused() {
    name=$1 text=$2; shift 2
    if "$@" > "$tmp/out" 2>&1; then bad "$name (it succeeded)"
    elif grep -qF -- "$text" "$tmp/out"; then ok "$name"; else bad "$name"; fi
}

# spec NAME OPTIMIZER: a small softmax regression on 28x28 images
spec() {
    cat > "$tmp/$1.yaml" <<EOF
name: $1
input: {shape: [28, 28, 1]}
layers:
  - rescaling: {scale: 0.00392156862745098}
  - flatten
  - dense: {units: 10, activation: softmax}
loss: sparse_categorical_crossentropy
optimizer: $2
fit: {batch_size: 64}
EOF
    "$NNC" build "$tmp/$1.yaml" -o "$tmp/$1" > "$tmp/out" 2>&1 || bad "nnc build $1"
}
spec adam "{adam: {learning_rate: 0.002}}"
spec amsgrad "{adam: {learning_rate: 0.002, amsgrad: true}}"
spec nadam "{nadam: {weight_decay: 0.01, clipnorm: 1.0}}"
spec adagrad "{adagrad: {learning_rate: 0.05, global_clipnorm: 0.5}}"
spec clipped "{adamw: {global_clipnorm: 0.1, exclude_from_weight_decay: [bias]}}"
cd "$tmp"
FIT="--data $TRAIN --limit 2000"

# 1. --resume with another optimizer's state: refused, naming both and --init
run "fit adam" ./adam fit $FIT --epochs 1 --weights adam.st
refused "resume amsgrad from adam: other slots" \
    "optimizer state has the slots momentum,velocity but this trainer's adam keeps momentum,velocity,velocity_hat; start from these weights with --init" \
    ./amsgrad fit $FIT --epochs 2 --weights adam.st --resume
refused "resume nadam from adam: another optimizer" \
    "optimizer state is for adam but this trainer uses nadam; start from these weights with --init" \
    ./nadam fit $FIT --epochs 2 --weights adam.st --resume
cp adam.st init.st
run "--init from another optimizer's file" ./amsgrad fit $FIT --epochs 1 --init init.st \
    --weights amsgrad.st

# 2. two epochs straight and one plus one resumed are bitwise the same
for o in nadam adagrad; do
    ./$o fit $FIT --epochs 2 --weights $o-2.st > out 2>&1 || bad "fit $o 2 epochs"
    ./$o fit $FIT --epochs 1 --weights $o-r.st > out 2>&1 || bad "fit $o 1 epoch"
    ./$o fit $FIT --epochs 2 --weights $o-r.st --resume > out 2>&1 || bad "resume $o"
    run "$o: resumed weights bitwise equal to a straight run" cmp $o-2.st $o-r.st
done

# 3. clipping by the global norm and weight decay: the same for any --threads
for t in 1 2 3; do
    ./clipped fit $FIT --epochs 1 --threads $t --weights clip$t.st > out 2>&1 || bad "fit --threads $t"
done
run "global_clipnorm: weights identical with 1 and 2 threads" cmp clip1.st clip2.st
run "global_clipnorm: weights identical with 1 and 3 threads" cmp clip1.st clip3.st

# 4. examples/fashion_mnist_imbalanced.yaml (adamw with a warmup and a cosine
# decay, label smoothing, class_weight: balanced, early_stopping with
# restore_best_weights, model_checkpoint) on imbalanced data: T-shirt_top,
# Pullover and Shirt cut to a tenth of 20,000 training images. Their recall
# on the balanced test set, with and without the class weights.
run "idx_subset" "$ROOT/$BUILD/idx_subset" "$TRAIN" "$FM/train-labels-idx1-ubyte.gz" sub 20000 10 0 2 6
EX=$ROOT/examples/fashion_mnist_imbalanced.yaml
for k in "adamw:" "cosine_decay:" "warmup_steps:" "label_smoothing:" "class_weight: balanced" \
    "early_stopping:" "restore_best_weights: true" "model_checkpoint:"; do
    grep -qF "$k" "$EX" || bad "the example has $k"
done
sed '/^  class_weight: balanced$/d' "$EX" > unweighted.yaml
grep -q '^ *class_weight' unweighted.yaml && bad "unweighted spec still has class_weight"
run "nnc build the example" "$NNC" build "$EX" -o weighted
run "nnc build the example without class_weight" "$NNC" build unweighted.yaml -o unweighted
# mean recall of classes 0, 2 and 6 in an evaluate --json
minority() {
    sed 's/},{/}\n{/g' "$1" | sed -n 's/.*"class":"\([^"]*\)".*"recall":\([0-9.e-]*\).*/\1 \2/p' |
        awk '$1 == "T-shirt_top" || $1 == "Pullover" || $1 == "Shirt" {s += $2; n++}
             END {if (n == 3) printf "%.3f", s / 3}'
}
for w in weighted unweighted; do
    mkdir $w.d && cd $w.d || exit 1
    ../$w fit --data ../sub-images-idx3-ubyte --epochs 1 --val "$TEST" --weights ../$w.st > ../out 2>&1 ||
        bad "fit $w"
    cd ..
    [ $w = weighted ] && { grep -q "Class weights (balanced): T-shirt_top 7.5" out ||
        bad "balanced weights printed"; }
    grep -q "learning_rate: 9.9" out || bad "$w: the epoch ends with the cosine's rate (0.00099..)"
    ls $w.d/fmnist-imbalanced-01-*.safetensors > /dev/null 2>&1 && ok "$w: model_checkpoint wrote epoch 1" ||
        bad "$w: model_checkpoint wrote epoch 1"
    ./$w evaluate --data "$TEST" --weights $w.st --json > $w.json 2> out || bad "evaluate $w"
done
rw=$(minority weighted.json) ru=$(minority unweighted.json)
echo "     minority classes' mean recall: ${ru:-none} without class weights, ${rw:-none} with balanced"
if [ -n "$rw" ] && [ -n "$ru" ] && awk "BEGIN {exit !($rw > $ru + 0.05)}"; then
    ok "class_weight: balanced raises the minority classes' recall ($ru -> $rw)"
else
    bad "class_weight: balanced raises the minority classes' recall"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
