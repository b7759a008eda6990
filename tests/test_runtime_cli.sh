#!/bin/sh
# test_runtime_cli.sh — end-to-end tests of libnncrt through the toy trainer
# (tests/toy_model.c): fit, evaluate, predict, summary, resume, and the
# errors a user sees. Builds nothing itself.
#
# usage: sh tests/test_runtime_cli.sh [BUILD_DIR]
#   env: TOY, TOY_OTHER, IDX2PNG (default BUILD_DIR/toy_trainer, ...),
#        FMNIST (default /usr/share/datasets/fashion-mnist)
# The last line is "N passed, N failed"; the exit status is 1 if any failed.
set -u

abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BUILD=${1:-build}
TOY=$(abspath "${TOY:-$BUILD/toy_trainer}")
TOY_OTHER=$(abspath "${TOY_OTHER:-$BUILD/toy_trainer_other}")
IDX2PNG=$(abspath "${IDX2PNG:-$BUILD/idx2png}")
FMNIST=${FMNIST:-/usr/share/datasets/fashion-mnist}
TRAIN=$FMNIST/train-images-idx3-ubyte.gz
TEST=$FMNIST/t10k-images-idx3-ubyte.gz
NAMES=T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $1"; }

for f in "$TOY" "$TOY_OTHER" "$IDX2PNG" "$TRAIN" "$TEST"; do
    if [ ! -e "$f" ]; then
        echo "missing $f (build with 'make test-runtime')" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done

WORK=$(mktemp -d /tmp/nncrt_cli_XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

# run NAME EXPECTED_STATUS CMD...: output in NAME.out / NAME.err
run() {
    name=$1 want=$2
    shift 2
    "$@" >"$name.out" 2>"$name.err"
    got=$?
    # a sanitizer report must fail the test even where exit status 1 is expected
    if grep -qE 'Sanitizer|runtime error:' "$name.err"; then
        not_ok "$name: sanitizer report"
        grep -E -A5 'Sanitizer|runtime error:' "$name.err" | sed 's/^/    /' | head -12
    elif [ "$got" -eq "$want" ]; then
        ok "$name: exit status $want"
    else
        not_ok "$name: exit status $got, expected $want"
        sed 's/^/    /' "$name.err" | head -5
    fi
}

# has NAME FILE TEXT: FILE contains TEXT (fixed string)
has() {
    if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1: '$3' not in $2"; sed 's/^/    /' "$2" | head -5; fi
}

# json_num KEY FILE: the first number after "KEY": in FILE
json_num() { sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p" "$2" | head -1; }

valid_json_lines() {
    command -v python3 >/dev/null || { ok "$1 (python3 absent, not checked)"; return; }
    if python3 -c 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$2"; then ok "$1"; else not_ok "$1"; fi
}

# ---- fit ---------------------------------------------------------------------
run fit 0 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 2 --weights a.safetensors
has "fit: found the data" fit.out "Found 2000 images belonging to 10 classes."
has "fit: class map" fit.out "Class indices: T-shirt_top=0, Trouser=1,"
has "fit: split" fit.out "Using 1600 files for training."
has "fit: epochs" fit.out "Epoch 2/2"
has "fit: metrics line" fit.out "- val_accuracy: "
has "fit: history" a.history.csv "2,"
[ "$(wc -l <a.history.csv)" -eq 3 ] && ok "history has 2 epochs" || not_ok "history has 2 epochs"

# ---- evaluate ----------------------------------------------------------------
run eval_idx 0 "$TOY" evaluate --json --data "$TEST" --limit 1000 --weights a.safetensors
acc=$(json_num accuracy eval_idx.out)
if awk -v a="$acc" 'BEGIN { exit !(a >= 0.70) }'; then ok "accuracy $acc >= 0.70"; else not_ok "accuracy '$acc' >= 0.70"; fi
has "evaluate: samples" eval_idx.out '"samples":1000'
has "evaluate: per class" eval_idx.out '"per_class":[{"class":"T-shirt_top","precision":'
has "evaluate: confusion" eval_idx.out '"confusion":[['
valid_json_lines "evaluate --json is one JSON object" eval_idx.out
[ "$(wc -l <eval_idx.out)" -eq 1 ] && ok "evaluate --json prints one line" || not_ok "evaluate --json prints one line"
run eval_plain 0 "$TOY" evaluate --data "$TEST" --limit 1000 --weights a.safetensors
has "evaluate: report" eval_plain.out "macro avg"
has "evaluate: confusion matrix" eval_plain.out "Confusion matrix"

# ---- class folders made by idx2png --------------------------------------------
run idx2png 0 "$IDX2PNG" "$TEST" "$FMNIST/t10k-labels-idx1-ubyte.gz" pngs "$NAMES" --limit 1000
run eval_folder 0 "$TOY" evaluate --json --data pngs --weights a.safetensors
facc=$(json_num accuracy eval_folder.out)
[ "$facc" = "$acc" ] && ok "folder and IDX accuracy agree ($facc)" || not_ok "folder accuracy $facc != IDX $acc"
rm -r pngs/Bag    # a test set lacking a class still maps names through the weights
run eval_subset 0 "$TOY" evaluate --json --data pngs --weights a.safetensors
has "evaluate: subset keeps class order" eval_subset.out '{"class":"Bag","precision":'

echo "broken" >pngs/Coat/zz_broken.png
mkdir -p pngs/.cache && cp pngs/Coat/00006.png pngs/.cache/
run fit_folder 0 "$TOY" fit --data pngs --val pngs --epochs 1 --weights f.safetensors
has "fit on folders: classes from the spec" fit_folder.out "belonging to 10 classes."
has "fit on folders: broken file skipped" fit_folder.err "warning: pngs/Coat/zz_broken.png: not a PNG file, skipped"
has "fit on folders: validation" fit_folder.out "Using 905 files for validation."
rm pngs/Coat/zz_broken.png

# ---- predict -----------------------------------------------------------------
set -- pngs/Trouser/*.png
img1=$1 img2=$2
cp "$img1" 'we"ird name.png'
run predict_json 0 "$TOY" predict --json --top 3 --weights a.safetensors "$img1" "$img2" 'we"ird name.png'
[ "$(wc -l <predict_json.out)" -eq 3 ] && ok "predict --json: one line per image" || not_ok "predict --json: one line per image"
has "predict --json fields" predict_json.out "{\"file\":\"$img1\",\"class\":\"Trouser\",\"probability\":"
has "predict --json escapes" predict_json.out '"file":"we\"ird name.png"'
valid_json_lines "predict --json lines are JSON" predict_json.out
run predict_plain 0 "$TOY" predict --top 2 --weights a.safetensors "$img1"
has "predict: class and probability" predict_plain.out "$img1: Trouser (0."

# ---- resume and determinism ----------------------------------------------------
run fit_again 0 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 2 --weights b.safetensors --threads 1
cmp -s a.safetensors b.safetensors && ok "same seed, same weights" || not_ok "same seed, same weights"
run fit_one 0 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 1 --weights c.safetensors
run fit_resume 0 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 2 --weights c.safetensors --resume
has "resume: message" fit_resume.out "after epoch 1"
cmp -s a.safetensors c.safetensors && ok "1 epoch + resume == 2 epochs" || not_ok "1 epoch + resume == 2 epochs"
cmp -s a.history.csv c.history.csv && ok "resumed history matches" || not_ok "resumed history matches"
run fit_init 0 "$TOY" fit --data "$TRAIN" --limit 500 --epochs 1 --init a.safetensors --weights d.safetensors
run fit_seed 0 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 2 --weights e.safetensors --seed 7 --lr 0.01 --batch-size 32
cmp -s a.safetensors e.safetensors && not_ok "another seed, other weights" || ok "another seed, other weights"

# ---- errors --------------------------------------------------------------------
run missing_data 1 "$TOY" fit --data nowhere/train-images-idx3-ubyte --weights x.safetensors
has "missing data names the file" missing_data.err "error: nowhere/train-images-idx3-ubyte"
run no_data 1 "$TOY" fit
has "no data: hint" no_data.err "pass --data PATH"
run other_fit 0 "$TOY_OTHER" fit --data "$TRAIN" --limit 100 --epochs 1 --weights other.safetensors
run wrong_model 1 "$TOY" evaluate --data "$TEST" --limit 10 --weights other.safetensors
has "wrong model names the file" wrong_model.err "error: other.safetensors: weights were made for model toy_other"
run wrong_model_predict 1 "$TOY" predict --weights other.safetensors "$img1"
has "predict refuses wrong model" wrong_model_predict.err "other.safetensors: weights were made"
run missing_weights 1 "$TOY" evaluate --data "$TEST" --limit 10
has "missing weights names the default file" missing_weights.err "toy_logreg.safetensors"
echo "not a png" >bad.png
run predict_bad 1 "$TOY" predict --weights a.safetensors bad.png "$img1"
has "bad image named" predict_bad.err "error: bad.png: not a PNG file"
has "other images still predicted" predict_bad.out "$img1: "
run epochs_abc 2 "$TOY" fit --epochs abc
has "bad number message" epochs_abc.err "--epochs: expected an integer"
run epochs_neg 2 "$TOY" fit --epochs -3
run epochs_big 2 "$TOY" fit --epochs 99999999999999999999
run lr_bad 2 "$TOY" fit --lr -1
run seed_neg 2 "$TOY" fit --seed -5
run top_big 2 "$TOY" predict --top 11 x.png
run unknown_opt 2 "$TOY" fit --bogus
has "unknown option named" unknown_opt.err "unknown option '--bogus'"
run missing_value 2 "$TOY" fit --data
has "missing value named" missing_value.err "'--data' needs a value"
run batch_size 2 "$TOY" fit --batch-size 64
has "batch size fixed" batch_size.err "batch size is fixed at compile time (32)"
run resume_init 2 "$TOY" fit --resume --init a.safetensors
run predict_none 2 "$TOY" predict --weights a.safetensors
run bad_command 2 "$TOY" train
run no_command 2 "$TOY"
run stray_arg 2 "$TOY" evaluate extra

# ---- weights files that are refused, with the file's name and the reason -----------
mkfifo fifo.safetensors
run weights_fifo 1 timeout 20 "$TOY" evaluate --data "$TEST" --limit 10 --weights fifo.safetensors
has "a FIFO is refused without blocking" weights_fifo.err "error: fifo.safetensors: not a regular file (a FIFO)"
mkdir dir.safetensors
run weights_dir 1 "$TOY" predict --weights dir.safetensors "$img1"
has "a directory is refused" weights_dir.err "error: dir.safetensors: not a regular file (a directory)"
run weights_dev 1 "$TOY" predict --weights /dev/zero "$img1"
has "a device is refused" weights_dev.err "error: /dev/zero: not a regular file (a character device)"
cp a.safetensors huge.safetensors
truncate -s 1T huge.safetensors    # sparse: a terabyte that must never be read
run weights_huge 1 timeout 20 "$TOY" evaluate --data "$TEST" --limit 10 --weights huge.safetensors
has "a huge file is refused by its size" weights_huge.err "error: huge.safetensors: the file has 1099511627776 bytes, model toy_logreg needs"
rm -f huge.safetensors
cp a.safetensors tail.safetensors && printf 'tail' >>tail.safetensors
run weights_tail 1 "$TOY" predict --weights tail.safetensors "$img1"
has "a file with bytes after the tensors is refused" weights_tail.err "error: tail.safetensors: the file has"

# ---- a diverging fit stops and keeps the last finite weights -------------------------
# TOY_NAN_AT_STEP=N: step N's loss is NaN and so is a weight (tests/toy_model.c).
# 1600 training samples in batches of 32: 50 steps an epoch.
fitn() { "$TOY" fit --data "$TRAIN" --limit 2000 "$@"; }
run nan_first 1 env TOY_NAN_AT_STEP=20 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 2 --weights nan1.safetensors
has "nan: epoch and batch named" nan_first.err "error: epoch 1, batch 20/50: the loss is NaN"
[ ! -e nan1.safetensors ] && ok "nan in epoch 1: no weights file" || not_ok "nan in epoch 1: no weights file"
run nan_e1 0 fitn --epochs 1 --weights nan2.safetensors
cp nan2.safetensors nan2_epoch1.safetensors
run nan_resume 1 env TOY_NAN_AT_STEP=70 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 3 --weights nan2.safetensors --resume
has "nan after resume: epoch 2, batch 20" nan_resume.err "epoch 2, batch 20/50"
has "nan: says what is on disk" nan_resume.err "nan2.safetensors keeps the weights of epoch 1"
cmp -s nan2.safetensors nan2_epoch1.safetensors && ok "nan: weights of epoch 1 untouched" || not_ok "nan: weights of epoch 1 untouched"
run nan_fresh 1 env TOY_NAN_AT_STEP=70 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 3 --weights nan3.safetensors
cmp -s nan3.safetensors nan2_epoch1.safetensors && ok "nan in epoch 2: epoch 1 kept" || not_ok "nan in epoch 2: epoch 1 kept"
[ "$(wc -l <nan3.history.csv)" -eq 2 ] && ok "nan: history of the saved epoch only" || not_ok "nan: history of the saved epoch only"
run nan_continue 1 env TOY_NAN_AT_STEP=70 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 3 --weights nan4.safetensors --no-stop-on-nan
has "--no-stop-on-nan: the epoch runs to its end" nan_continue.out "Epoch 2/3"
has "--no-stop-on-nan: non-finite weights are not saved" nan_continue.err "nan4.safetensors: not saved: tensor 'l01_dense.kernel' holds NaN at index 0"
cmp -s nan4.safetensors nan2_epoch1.safetensors && ok "--no-stop-on-nan: epoch 1 kept" || not_ok "--no-stop-on-nan: epoch 1 kept"
run nan_loss_only 0 env TOY_NAN_AT_STEP=70 TOY_NAN_LOSS_ONLY=1 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 2 --weights nan5.safetensors --no-stop-on-nan
has "--no-stop-on-nan: warns" nan_loss_only.err "epoch 2: the loss is not finite"
has "--no-stop-on-nan: finite weights saved" nan5.history.csv "2,nan,"
run nan_loss_only_eval 0 "$TOY" predict --weights nan5.safetensors "$img1"

# ---- an unwritable --weights path is found before the data is loaded ---------------
run unwritable 1 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 1 --weights nodir/w.safetensors
has "unwritable: the path named" unwritable.err "error: nodir/w.safetensors: cannot be written:"
grep -qE "Found|Epoch" unwritable.out && not_ok "unwritable: refused before loading data" || ok "unwritable: refused before loading data"
mkdir wdir.safetensors
run weights_is_dir 1 "$TOY" fit --data "$TRAIN" --limit 2000 --epochs 1 --weights wdir.safetensors
has "weights path is a directory" weights_is_dir.err "error: wdir.safetensors: cannot be written: it is a directory"
grep -qE "Found|Epoch" weights_is_dir.out && not_ok "directory: refused before loading data" || ok "directory: refused before loading data"
[ -z "$(ls wdir.safetensors)" ] && ok "the writability check leaves nothing behind" || not_ok "the writability check leaves nothing behind"

# ---- temporary files of interrupted saves ------------------------------------------
dead=99999999   # above any pid_max (at most 2^22): never a live process
touch s.safetensors.tmp.$dead.0 s.history.csv.tmp.$dead.3 s.safetensors.tmp.$$.0 \
      s.safetensors.tmp.x.0 s.safetensors.tmp.$dead.0.bak t.safetensors.tmp.$dead.0
foreign=""
if touch s.safetensors.tmp.$dead.9 && chown 65534 s.safetensors.tmp.$dead.9 2>/dev/null; then
    foreign=s.safetensors.tmp.$dead.9
fi
run stale 0 fitn --epochs 1 --weights s.safetensors
[ ! -e s.safetensors.tmp.$dead.0 ] && [ ! -e s.history.csv.tmp.$dead.3 ] \
    && ok "stale temporary files of a dead process removed" || not_ok "stale temporary files of a dead process removed"
has "stale: removal reported" stale.out "Removed s.safetensors.tmp.$dead.0, left by an interrupted save"
kept=yes
for f in s.safetensors.tmp.$$.0 s.safetensors.tmp.x.0 s.safetensors.tmp.$dead.0.bak t.safetensors.tmp.$dead.0 $foreign; do
    [ -e "$f" ] || { kept=no; echo "    removed $f"; }
done
[ $kept = yes ] && ok "temporary files of live processes, other names and users kept" \
    || not_ok "temporary files of live processes, other names and users kept"
[ -z "$(ls s.safetensors.tmp.* s.history.csv.tmp.* 2>/dev/null | grep -v -e "\.$$\.0\$" -e "\.x\.0\$" -e "\.bak\$" -e "\.9\$")" ] \
    && ok "no temporary file of this run left" || not_ok "no temporary file of this run left"

# ---- weights and history stay consistent -------------------------------------------
run hist_full 0 fitn --epochs 3 --weights h3.safetensors
run hist_1 0 fitn --epochs 1 --weights h.safetensors
cp h.history.csv h_epoch1.csv
run hist_2 0 fitn --epochs 2 --weights h.safetensors --resume
cp h_epoch1.csv h.history.csv   # killed after the weights of epoch 2, before its CSV
run hist_3 0 fitn --epochs 3 --weights h.safetensors --resume
cmp -s h.history.csv h3.history.csv && ok "history rebuilt from the checkpoint after a lost CSV write" \
    || not_ok "history rebuilt from the checkpoint after a lost CSV write"
rm h.history.csv
run hist_nothing 0 fitn --epochs 3 --weights h.safetensors --resume
cmp -s h.history.csv h3.history.csv && ok "resume with nothing to do restores the CSV" \
    || not_ok "resume with nothing to do restores the CSV"

# ---- control characters in class names and paths are escaped -----------------------
ESC=$(printf '\033')
# same-length edits of the class_names metadata: ESC[31m for T-shirt_top, a newline in Trouser
LC_ALL=C sed 's/T-shirt_top/\\\\u001b[31m/; s/Trouser/Tr\\\\nse/' a.safetensors >esc.safetensors
run esc_predict 0 "$TOY" predict --weights esc.safetensors --top 10 "$img1"
grep -q "$ESC" esc_predict.out && not_ok "predict: no raw ESC in class names" || ok "predict: no raw ESC in class names"
has "predict: class names escaped" esc_predict.out '\x1b[31m'
has "predict: newline escaped" esc_predict.out 'Tr\x0ase'
[ "$(wc -l <esc_predict.out)" -eq 1 ] && ok "predict: one line per image" || not_ok "predict: one line per image"
run esc_predict_json 0 "$TOY" predict --json --top 10 --weights esc.safetensors "$img1"
has "predict --json: JSON escapes" esc_predict_json.out '"class":"\u001b[31m"'
valid_json_lines "predict --json with control characters is JSON" esc_predict_json.out
run esc_eval 0 "$TOY" evaluate --data "$TEST" --limit 100 --weights esc.safetensors
# the report, from the loss line on (the "Class indices" line is the data loader's)
sed -n '/samples - loss/,$p' esc_eval.out >esc_eval_report.out
grep -q "$ESC" esc_eval_report.out && not_ok "evaluate: no raw ESC in the report" || ok "evaluate: no raw ESC in the report"
has "evaluate: table escaped" esc_eval_report.out 'Tr\x0ase'
run esc_eval_json 0 "$TOY" evaluate --json --data "$TEST" --limit 100 --weights esc.safetensors
valid_json_lines "evaluate --json with control characters is JSON" esc_eval_json.out
run esc_fit 0 fitn --epochs 1 --weights "e${ESC}x.safetensors"
grep -q "$ESC" esc_fit.out && not_ok "fit: no raw ESC in messages" || ok "fit: no raw ESC in messages"
has "fit: weights path escaped" esc_fit.out 'Weights saved to e\x1bx.safetensors'

# ---- summary and help ------------------------------------------------------------
run summary 0 "$TOY" summary
has "summary: layer row" summary.out "l01_dense (dense)"
has "summary: total params" summary.out "Total params: 7,850 (30.66 KB)"
has "summary: memory plan" summary.out "Memory plan:"
for cmd in fit evaluate predict summary; do
    run "help_$cmd" 0 "$TOY" "$cmd" --help
done
has "fit --help lists --resume" help_fit.out "--resume"
has "fit --help lists --no-stop-on-nan" help_fit.out "--no-stop-on-nan"
run help 0 "$TOY" --help

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
