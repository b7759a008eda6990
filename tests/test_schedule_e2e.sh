#!/bin/sh
# test_schedule_e2e.sh BUILD_DIR — a learning-rate schedule in the trainer:
# the rate after each epoch (schedule(iterations), Keras's
# optimizer.learning_rate) in the epoch line and the history CSV, --resume
# continuing the schedule from the saved step count bitwise, --lr refused.
# NNC_CFLAGS goes on to the trainers.
set -u
BUILD=${1:?usage: test_schedule_e2e.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
TRAIN=$FM/train-images-idx3-ubyte.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -20; }
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }

# 640 samples at batch 64: 10 steps an epoch; after epoch e the rate is
# 0.1 * 0.5^(10e / 10)
cat > "$tmp/s.yaml" <<EOF
name: s
input: {shape: [28, 28, 1]}
layers:
  - rescaling: {scale: 0.00392156862745098}
  - flatten
  - dense: {units: 10, activation: softmax}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {exponential_decay: {initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5}}}}
fit: {batch_size: 64}
EOF
"$NNC" build "$tmp/s.yaml" -o "$tmp/s" > "$tmp/out" 2>&1 || bad "nnc build s"
cd "$tmp"
FIT="--data $TRAIN --limit 640"
run "fit 3 epochs with exponential_decay" ./s fit $FIT --epochs 3 --weights a.safetensors
grep -q "learning_rate: 0.0500" out && grep -q "learning_rate: 0.0125" out &&
    ok "epoch line: learning_rate after epochs 1 and 3" || bad "epoch line: learning_rate"
[ "$(cut -d, -f6 a.history.csv | tr '\n' ' ')" = "learning_rate 0.05 0.025 0.0125 " ] &&
    ok "history: learning_rate column" || { bad "history: learning_rate column"; cat a.history.csv; }
run "fit 1 epoch" ./s fit $FIT --epochs 1 --weights b.safetensors
run "resume to 3 epochs" ./s fit $FIT --epochs 3 --weights b.safetensors --resume
cmp -s a.safetensors b.safetensors && ok "resumed schedule: weights bitwise" || bad "resumed schedule: weights bitwise"
cmp -s a.history.csv b.history.csv && ok "resumed schedule: history" || bad "resumed schedule: history"
./s fit $FIT --lr 0.01 > out 2>&1
[ $? -eq 2 ] && grep -q "exponential_decay schedule" out && ok "--lr refused with a schedule" ||
    bad "--lr refused with a schedule"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
