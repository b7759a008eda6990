#!/bin/sh
# test_fit_callbacks.sh BUILD_DIR — fit's callbacks and interrupts on a
# Fashion-MNIST subset, each checked from the history CSV:
#  * early_stopping with restore_best_weights stops at the epoch Keras's
#    rule gives for the val_loss column, and the saved weights are the best
#    epoch's (evaluate gives the numbers of model_checkpoint's best file);
#  * model_checkpoint save_best_only writes a file exactly at the epochs
#    whose val_loss improved on every earlier one;
#  * reduce_lr_on_plateau lowers learning_rate at the epochs its rule gives;
#  * SIGINT and SIGTERM in the middle of epoch 2 of 3 exit 130 and 143 with
#    a checkpoint, and fit --resume ends with weights and history bitwise
#    those of a run without the interrupt, for each spec in INTERRUPT_SPECS
#    (plain; flip and translation; dropout and batch_normalization with
#    augmentation), and a kill -INT from outside during epoch 2 of a small CNN;
#  * initial_epoch: --init after epoch 1 with --initial-epoch 1 runs epochs
#    2..3 with their own permutations (plain SGD: weights bitwise a straight
#    3-epoch run's), the history keeps a row of nan for epoch 1, the spec's
#    fit: initial_epoch does the same, an interrupt in it resumes bitwise, and
#    --resume with another --initial-epoch than the file's is refused;
#  * a binary model (binary_crossentropy, one sigmoid unit; T-shirt_top
#    against Shirt from image folders) with auc, precision and recall: the
#    history has auc and val_auc, evaluate --json reports the last epoch's
#    val_auc, and it agrees with the exact ROC AUC of predict's probabilities.
set -u
BUILD=${1:?usage: test_fit_callbacks.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
TRAIN=$FM/train-images-idx3-ubyte.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -12; }
check() { what=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$what"; else bad "$what"; fi; }
cd "$tmp" || exit 1
D="--data $TRAIN --limit 3000"

# spec NAME AUGMENT OPTIMIZER CALLBACKS [LAYERS [FIT]]: softmax regression by
# default, a quarter held out
LINEAR="[{rescaling: {scale: 0.00392156862745098}}, flatten, {dense: {units: 10, activation: softmax}}]"
spec() {
    cat > "$1.yaml" <<EOF
name: $1
input: {shape: [28, 28, 1]}
data: {validation_split: 0.25}
$2
layers: ${5:-$LINEAR}
loss: sparse_categorical_crossentropy
optimizer: $3
metrics: [accuracy, precision, {f1_score: {average: macro}}]
fit:
  batch_size: 64
  epochs: 12
  callbacks: $4
  ${6:-}
EOF
    "$NNC" build "$1.yaml" -o "$1" > out 2>&1 || bad "nnc build $1"
}
# col FILE NAME: the column NAME of a CSV, one value a line
col() { awk -F, -v n="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == n) c = i; next} {print $c}' "$1"; }

# ---- early_stopping and model_checkpoint ------------------------------------
# SGD at a high rate: val_loss goes up and down
spec es "" "{sgd: {learning_rate: 0.1}}" "[{early_stopping: {patience: 1, restore_best_weights: true}},
    {model_checkpoint: {filepath: 'ck-{epoch:02d}.safetensors', save_best_only: true}}]"
check "fit with early_stopping" ./es fit $D --weights es.safetensors
col es.history.csv val_loss > vl
rows=$(wc -l < vl)
# Keras's EarlyStopping (patience 1, min_delta 0): wait counts epochs without improvement
want=$(awk '{w++; if (NR == 1 || $1 < best) {best = $1; w = 0} else if (w >= 1 && NR > 1) {print NR; exit}}' vl)
want=${want:-12}
[ "$rows" -eq "$want" ] && ok "early_stopping stopped after epoch $want (val_loss rule)" ||
    bad "early_stopping stopped after epoch $rows, the rule says $want"
[ "$rows" -lt 12 ] && ok "early_stopping stopped before the last epoch" ||
    bad "no early stop: pick a spec whose val_loss rises"
best=$(awk 'NR == 1 || $1 < b {b = $1; e = NR} END {printf "%02d", e}' vl)
imp=$(awk 'NR == 1 || $1 < b {b = $1; printf "%02d ", NR}' vl)
got=$(ls ck-*.safetensors | sed 's/ck-\([0-9]*\).safetensors/\1/' | tr '\n' ' ')
[ "$got" = "$imp" ] && ok "model_checkpoint save_best_only wrote epochs $got" ||
    bad "model_checkpoint wrote epochs '$got', val_loss improved at '$imp'"
./es evaluate $D --weights es.safetensors --json 2> out | sed 's/"weights":"[^"]*",//' > f.json
./es evaluate $D --weights ck-$best.safetensors --json 2> out | sed 's/"weights":"[^"]*",//' > b.json
check "restore_best_weights: the weights are epoch $best's" cmp f.json b.json
check "--resume after the early stop has nothing to do" ./es fit $D --weights es.safetensors --resume
grep -q "stopped early" out && ok "--resume says it stopped early" || bad "--resume says it stopped early"

# ---- pictures: valid PNGs of the expected size ---------------------------------
# pngsize FILE: "WIDTHxHEIGHT" from the signature and the IHDR chunk
pngsize() {
    [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not a PNG"; return; }
    od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", (($1*256+$2)*256+$3)*256+$4, (($5*256+$6)*256+$7)*256+$8}'
}
check "plot" ./es plot --out hist.png --weights es.safetensors
[ "$(pngsize hist.png)" = 1500x450 ] && ok "plot: a 1500x450 PNG" || bad "plot: hist.png is $(pngsize hist.png)"
check "evaluate --plot" ./es evaluate $D --weights es.safetensors --plot cm.png
[ "$(pngsize cm.png)" = 680x680 ] && ok "evaluate --plot: a 680x680 PNG for 10 classes" ||
    bad "evaluate --plot: cm.png is $(pngsize cm.png)"
./es plot --out x.png --weights missing.safetensors > out 2>&1 &&
    bad "plot of a missing weights file succeeded" || ok "plot of a missing weights file fails"

# ---- reduce_lr_on_plateau ---------------------------------------------------
spec rl "" "{sgd: {learning_rate: 0.8}}" "[{reduce_lr_on_plateau: {factor: 0.5, patience: 1, min_delta: 0.01}}]"
check "fit with reduce_lr_on_plateau" ./rl fit $D --weights rl.safetensors --epochs 8
col rl.history.csv val_loss > vl
col rl.history.csv learning_rate > lr
# Keras's rule (no cooldown, patience 1): after an epoch that does not beat
# the best by min_delta, the next epoch's rate is halved
awk 'BEGIN {best = 1e300; w = 0; r = 0.8} {printf "%.8g\n", r; if ($1 < best - 0.01) {best = $1; w = 0}
     else if (++w >= 1) {r = r * 0.5; w = 0}}' vl > lr_want
# the CSV holds %.8g of the float rate; compare as numbers to 1e-7
if paste lr lr_want | awk '{d = $1 - $2; if (d < 0) d = -d; if (d > 1e-7 * $2) exit 1}'; then
    ok "reduce_lr_on_plateau: learning_rate by epoch as its rule gives ($(tr '\n' ' ' < lr))"
else
    bad "learning_rate $(tr '\n' ' ' < lr), rule $(tr '\n' ' ' < lr_want)"
fi
[ "$(sort -u lr | wc -l)" -gt 1 ] && ok "the rate was lowered at least once" || bad "the rate never changed"

# ---- interrupts ---------------------------------------------------------------
INTERRUPT_SPECS="plain aug drop"
spec plain "" adam "[{reduce_lr_on_plateau: {monitor: loss, factor: 0.5, patience: 0, min_delta: 10}}]"
spec aug "augment: [{random_flip: horizontal}, {random_translation: {height_factor: 0.1, width_factor: 0.1}}]" \
    "{sgd: {learning_rate: 0.1, momentum: 0.9}}" \
    "[{early_stopping: {monitor: val_accuracy, patience: 5, restore_best_weights: true}}]"
spec drop "augment: [{random_flip: horizontal}, {random_zoom: 0.1}]" adamw "[]" \
    "[{rescaling: {scale: 0.00392156862745098}}, flatten, {dense: 32}, batch_normalization,
      {activation: relu}, {dropout: 0.3}, {dense: {units: 10, activation: softmax}}]"
for s in $INTERRUPT_SPECS; do
    ./$s fit $D --epochs 3 --weights $s-a.safetensors > out 2>&1 || bad "$s: fit"
    for sig in 2:130:SIGINT 15:143:SIGTERM; do
        n=${sig%%:*} rest=${sig#*:}
        rc=${rest%%:*} name=${rest#*:}
        NNCRT_RAISE_AT=2:17:$n ./$s fit $D --epochs 3 --weights $s-$n.safetensors > out 2>&1
        got=$?
        if [ $got -eq "$rc" ] && grep -q "Checkpoint written after epoch 2, batch 17" out &&
            grep -q "$name: training stopped" out; then
            ok "$s: $name: exit $rc, checkpoint after epoch 2 batch 17"
        else
            bad "$s: $name: exit $got"
        fi
        ./$s fit $D --epochs 3 --weights $s-$n.safetensors --resume > out 2>&1 || bad "$s: --resume after $name"
        grep -q "in epoch 2 after batch 17" out || bad "$s: resumed in epoch 2 after batch 17"
        check "$s: $name then --resume: weights bitwise a straight run's" cmp $s-a.safetensors $s-$n.safetensors
        check "$s: $name then --resume: history bitwise a straight run's" cmp $s-a.history.csv $s-$n.history.csv
    done
done

# a real signal from outside (kill -INT) while epoch 2 of 3 runs, on a small CNN
cat > cnn.yaml <<EOF
name: cnn
input: {shape: [28, 28, 1]}
data: {validation_split: 0.1}
layers:
  - rescaling: {scale: 0.00392156862745098}
  - conv2d: {filters: 8, kernel_size: 3, activation: relu}
  - max_pooling2d: {pool_size: 2}
  - flatten
  - dense: {units: 10, activation: softmax}
loss: sparse_categorical_crossentropy
optimizer: adam
fit: {batch_size: 32, epochs: 3}
EOF
"$NNC" build cnn.yaml -o cnn > out 2>&1 || bad "nnc build cnn"
C="--data $TRAIN --limit 12000 --threads 1"
./cnn fit $C --weights cnn-a.safetensors > out 2>&1 || bad "cnn: fit"
./cnn fit $C --weights cnn-k.safetensors > kill.out 2>&1 &
pid=$!
i=0
while ! grep -q "Epoch 2/3" kill.out 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
kill -INT $pid
wait $pid
got=$?
cp kill.out out
if [ $got -eq 130 ] && grep -q "SIGINT: training stopped" kill.out; then
    ok "cnn: kill -INT during epoch 2: exit 130 ($(grep Checkpoint kill.out))"
else
    bad "cnn: kill -INT during epoch 2: exit $got"
fi
./cnn fit $C --weights cnn-k.safetensors --resume > out 2>&1 || bad "cnn: --resume after kill -INT"
check "cnn: kill -INT then --resume: weights bitwise a straight run's" cmp cnn-a.safetensors cnn-k.safetensors
check "cnn: kill -INT then --resume: history bitwise a straight run's" cmp cnn-a.history.csv cnn-k.history.csv

# ---- initial_epoch ---------------------------------------------------------------
# tensors FILE OUT: the tensor bytes of a safetensors file (after its header)
tensors() { n=$(od -An -tu8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1" > "$2"; }
# plain SGD keeps no optimizer state, so epochs 2..3 from epoch 1's weights are
# the straight run's when they use the real epoch's permutation
spec sgd "" "{sgd: {learning_rate: 0.05}}" "[]"
./sgd fit $D --epochs 3 --weights s3.safetensors > out 2>&1 || bad "sgd: fit 3 epochs"
./sgd fit $D --epochs 1 --weights s1.safetensors > out 2>&1 || bad "sgd: fit 1 epoch"
check "sgd: --init, --initial-epoch 1, --epochs 3" \
    ./sgd fit $D --epochs 3 --init s1.safetensors --initial-epoch 1 --weights si.safetensors
grep -q "Starting at epoch 2 (initial_epoch 1)" out && ! grep -q "Epoch 1/3" out && grep -q "Epoch 3/3" out &&
    ok "initial_epoch 1: epochs 2/3 and 3/3 run" || bad "initial_epoch 1: the epochs run"
tensors s3.safetensors t3; tensors si.safetensors ti
check "initial_epoch: weights bitwise the straight run's (the real epochs' permutations)" cmp t3 ti
[ "$(sed -n 2p si.history.csv | cut -d, -f1-3)" = "1,nan,nan" ] && ok "initial_epoch: epoch 1's row is nan" ||
    bad "initial_epoch: history row 1 is '$(sed -n 2p si.history.csv)'"
tail -n 2 s3.history.csv > h3; tail -n 2 si.history.csv > hi
check "initial_epoch: rows of epochs 2 and 3 are the straight run's" cmp h3 hi
check "--resume after it: nothing to do" ./sgd fit $D --epochs 3 --weights si.safetensors --resume
grep -q "already has 3 epochs" out && ok "the weights file records epoch 3" || bad "the weights file records epoch 3"
# the spec's fit: initial_epoch, an interrupt in epoch 3 of it, --resume
spec sgdi "" "{sgd: {learning_rate: 0.05}}" "[]" "" "initial_epoch: 1"
check "fit: initial_epoch: 1 in the spec" ./sgdi fit $D --epochs 3 --init s1.safetensors --weights sa.safetensors
tensors sa.safetensors ta
check "spec initial_epoch: weights bitwise --initial-epoch's" cmp ti ta
NNCRT_RAISE_AT=3:9:2 ./sgdi fit $D --epochs 3 --init s1.safetensors --weights sk.safetensors > out 2>&1
[ $? -eq 130 ] && grep -q "Checkpoint written after epoch 3, batch 9" out &&
    ok "spec initial_epoch: SIGINT in epoch 3" || bad "spec initial_epoch: SIGINT in epoch 3"
check "spec initial_epoch: --resume" ./sgdi fit $D --epochs 3 --weights sk.safetensors --resume
grep -q "in epoch 3 after batch 9" out || bad "resumed in epoch 3 after batch 9"
check "spec initial_epoch: interrupted then resumed weights bitwise" cmp sa.safetensors sk.safetensors
check "spec initial_epoch: interrupted then resumed history bitwise" cmp sa.history.csv sk.history.csv
./sgd fit $D --epochs 4 --weights si.safetensors --resume --initial-epoch 2 > out 2>&1 &&
    bad "--resume with --initial-epoch 2 of a file at epoch 3 succeeded" ||
    { grep -q "initial-epoch 2, but the weights file records epoch 3" out &&
        ok "--resume with another --initial-epoch is refused" || bad "--resume --initial-epoch message"; }
check "--initial-epoch 3 --epochs 3: nothing to run" ./sgd fit $D --epochs 3 --initial-epoch 3 --weights n.safetensors
grep -q "no epoch to run" out && [ ! -f n.safetensors ] && ok "initial_epoch >= epochs writes nothing" ||
    bad "initial_epoch >= epochs"

# ---- a binary model's metrics end to end ------------------------------------------
"$ROOT/$BUILD/idx2png" "$TRAIN" "$FM/train-labels-idx1-ubyte.gz" tr --limit 3000 > out 2>&1 ||
    bad "idx2png train"
"$ROOT/$BUILD/idx2png" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" te --limit 2000 \
    > out 2>&1 || bad "idx2png test"
mkdir btr bte && mv tr/0 tr/6 btr/ && mv te/0 te/6 bte/ && rm -rf tr te
cat > bin.yaml <<EOF
name: bin
input: {shape: [28, 28, 1]}
data: {label_mode: binary}
layers: [{rescaling: {scale: 0.00392156862745098}}, flatten, {dense: {units: 16, activation: relu}},
         {dense: {units: 1, activation: sigmoid}}]
loss: binary_crossentropy
optimizer: adam
metrics: [accuracy, auc, precision, recall]
fit: {batch_size: 16, epochs: 3}
EOF
"$NNC" build bin.yaml -o bin > out 2>&1 || bad "nnc build bin"
check "binary: fit with auc" ./bin fit --data btr --val bte --weights bin.safetensors
head -n 1 bin.history.csv | grep -q ",auc,.*,val_auc," && ok "binary: history has auc and val_auc" ||
    bad "binary: history columns $(head -n 1 bin.history.csv)"
va=$(col bin.history.csv val_auc | tail -n 1)
./bin evaluate --data bte --weights bin.safetensors --json > bin.json 2> out || bad "binary: evaluate"
ea=$(sed -n 's/.*"metrics":{[^}]*"auc":\([0-9.e-]*\).*/\1/p' bin.json)
awk "BEGIN {d = ${ea:-9} - ${va:-0}; exit !(d < 1e-6 && d > -1e-6)}" &&
    ok "binary: evaluate --json auc $ea = the last val_auc" || bad "binary: evaluate auc '$ea', val_auc '$va'"
# the exact ROC AUC (Mann-Whitney, ties half) of P(class 6) from predict
./bin predict --weights bin.safetensors bte/0/*.png bte/6/*.png 2> out |
    sed -n 's|.*/\([06]\)/[^:]*: \([06]\) (\([0-9.]*\))|\1 \2 \3|p' |
    awk '{p = $2 == 6 ? $3 : 1 - $3; if ($1 == 6) pos[++np] = p; else neg[++nn] = p}
         END {for (i = 1; i <= np; i++) for (j = 1; j <= nn; j++)
                  s += pos[i] > neg[j] ? 1 : pos[i] == neg[j] ? 0.5 : 0
              if (np && nn) printf "%.4f", s / (np * nn)}' > roc
ra=$(cat roc)
echo "     binary T-shirt_top/Shirt: evaluate auc ${ea:-none}, exact ROC AUC of predict ${ra:-none}"
if [ -n "$ra" ] && [ -n "$ea" ] && awk "BEGIN {d = $ea - $ra; exit !(d < 0.01 && d > -0.01 && $ea > 0.85)}"; then
    ok "binary: auc within 0.01 of the exact ROC AUC, above 0.85"
else
    bad "binary: auc $ea, exact $ra"
fi

# ---- a compile-time refusal -----------------------------------------------------
cat > lrs.yaml <<EOF
input: {shape: [28, 28, 1]}
layers: [flatten, {dense: {units: 10, activation: softmax}}]
loss: sparse_categorical_crossentropy
optimizer: {adam: {learning_rate: {cosine_decay: {initial_learning_rate: 0.1, decay_steps: 10}}}}
fit: {callbacks: [reduce_lr_on_plateau]}
EOF
"$NNC" build lrs.yaml -o lrs > out 2>&1
grep -q -e "is a schedule" -e "expected a number, found a mapping" out &&
    ok "reduce_lr_on_plateau with a learning_rate schedule is refused" || bad "LR callback with a schedule"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
