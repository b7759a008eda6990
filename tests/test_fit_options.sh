#!/bin/sh
# test_fit_options.sh BUILD_DIR — fit's validation_freq, steps_per_epoch and
# verbose (spec fit: and --validation-freq, --steps-per-epoch, --verbose), as
# Keras's model.fit() takes them: which epochs validate (the history's
# val_ columns), how many batches an epoch runs (the optimizer's rate through
# a schedule shows the step count), and what each verbose level prints.
set -u
BUILD=${1:?usage: test_fit_options.sh BUILD_DIR}
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

# 640 samples, validation_split 0.25: 480 for training, 8 batches of 64 an
# epoch; after n updates the rate is 0.1 * 0.5^(n / 4)
cat > "$tmp/f.yaml" <<EOF
name: f
input: {shape: [28, 28, 1]}
data: {validation_split: 0.25}
layers:
  - rescaling: 0.00392156862745098
  - flatten
  - dense: [10, softmax]
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {exponential_decay: {initial_learning_rate: 0.1, decay_steps: 4, decay_rate: 0.5}}}}
fit: {batch_size: 64, validation_freq: 2, steps_per_epoch: 2, verbose: 2}
EOF
"$NNC" build "$tmp/f.yaml" -o "$tmp/f" > "$tmp/out" 2>&1 || bad "nnc build f"
cd "$tmp"
FIT="--data $TRAIN --limit 640"
run "fit with validation_freq 2, steps_per_epoch 2, verbose 2" ./f fit $FIT --epochs 4 --weights a.safetensors
[ "$(cut -d, -f4 a.history.csv | tr '\n' ' ')" = "val_loss  $(sed -n 3p a.history.csv | cut -d, -f4)  $(sed -n 5p a.history.csv | cut -d, -f4) " ] &&
    [ -n "$(sed -n 3p a.history.csv | cut -d, -f4)" ] && [ -z "$(sed -n 2p a.history.csv | cut -d, -f4)" ] &&
    ok "validation_freq 2: validation after epochs 2 and 4 only" || { bad "validation_freq 2"; cat a.history.csv; }
[ "$(cut -d, -f6 a.history.csv | tr '\n' ' ')" = "learning_rate 0.070710678 0.05 0.035355339 0.025 " ] &&
    ok "steps_per_epoch 2: 2 updates an epoch" || { bad "steps_per_epoch 2"; cat a.history.csv; }
grep -q "^2/2 - " out && ok "verbose 2: one line per epoch of 2 steps" || bad "verbose 2"
run "--steps-per-epoch 4 --validation-freq 1" ./f fit $FIT --epochs 1 --steps-per-epoch 4 --validation-freq 1 --weights b.safetensors
[ "$(sed -n 2p b.history.csv | cut -d, -f6)" = 0.05 ] && [ -n "$(sed -n 2p b.history.csv | cut -d, -f4)" ] &&
    ok "options override the spec's" || { bad "options override the spec's"; cat b.history.csv; }
run "--steps-per-epoch above the epoch's batches" ./f fit $FIT --epochs 1 --steps-per-epoch 100 --weights c.safetensors
[ "$(sed -n 2p c.history.csv | cut -d, -f6)" = 0.025 ] && ok "steps_per_epoch above the data: every batch once" ||
    { bad "steps_per_epoch above the data"; cat c.history.csv; }
run "--verbose 0" ./f fit $FIT --epochs 1 --verbose 0 --weights d.safetensors
grep -q "Epoch\|loss:" out && bad "verbose 0: no epoch output" || ok "verbose 0: no epoch output"
./f fit $FIT --verbose 3 > out 2>&1
[ $? -eq 2 ] && grep -q -- "--verbose: expected an integer from 0 to 2" out && ok "--verbose 3 refused" || bad "--verbose 3 refused"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
