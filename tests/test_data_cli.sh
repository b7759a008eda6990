#!/bin/sh
# test_data_cli.sh BUILD_DIR — data loading through a trainer built by nnc:
# the spec's data options reach the trainer, `scan` names bad files and finds
# validation copies of training images, fit and evaluate reuse the --cache
# with identical results, --strict stops on a bad file, predict reads JPEG
# and pipes, file and folder names with control characters are escaped, and
# augment-preview infers the classes from the folders.
# NNC_CFLAGS (e.g. sanitizers) is passed on to the trainer by nnc build.
# KEEP=1 keeps the work directory (/tmp/nnc_data_cli_*) to look at the output.
# The last line is "N passed, N failed".
set -u
BUILD=${1:?usage: test_data_cli.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
IDX2PNG=$ROOT/$BUILD/idx2png
FM=${FMNIST:-/usr/share/datasets/fashion-mnist}
FIX=$ROOT/tests/fixtures/data
NAMES=T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot
tmp=$(mktemp -d /tmp/nnc_data_cli_XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
# run NAME STATUS CMD...: CMD exits with STATUS; output in NAME.out, NAME.err
run() {
    name=$1 want=$2
    shift 2
    "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
    got=$?
    if grep -qE 'Sanitizer|runtime error:' "$tmp/$name.err"; then
        bad "$name: sanitizer report"; sed 's/^/     /' "$tmp/$name.err" | head -12
    elif [ $got -eq "$want" ]; then ok "$name: exit status $want"
    else bad "$name: exit status $got, expected $want"; sed 's/^/     /' "$tmp/$name.err" | head -8
    fi
}
# has NAME FILE TEXT: FILE (in $tmp) contains TEXT
has() {
    if grep -qF -- "$3" "$tmp/$2"; then ok "$1"
    else bad "$1: '$3' not in $2"; sed 's/^/     /' "$tmp/$2" | head -12; fi
}
hasnt() {
    if grep -qF -- "$3" "$tmp/$2"; then bad "$1: '$3' in $2"; else ok "$1"; fi
}

cat > "$tmp/m.yaml" <<EOF
name: m
input: {shape: [8, 8, 3]}
data:
  class_names: [$NAMES]
  validation_split: 0.25
  interpolation: area
  pad_to_aspect_ratio: true
layers:
  - flatten
  - dense: {units: 10, activation: softmax}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: 0.00001}}
fit: {epochs: 1, batch_size: 8}
EOF
run build 0 "$NNC" build "$tmp/m.yaml" -o "$tmp/m"
has "data options emitted" m.c ".interpolation = NNCRT_INTERP_AREA,"
cd "$tmp" || exit 1
run help_fit 0 ./m fit --help
has "fit --help: --cache" help_fit.out "--cache FILE"
has "fit --help: --strict" help_fit.out "--strict"
has "fit --help: the spec's data options" help_fit.out "area interpolation, padded with zeros"
run help_scan 0 ./m scan --help

# 80 Fashion-MNIST PNGs, two fixture JPEGs, and four files that cannot be decoded
run idx2png 0 "$IDX2PNG" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" d "$NAMES" --limit 80
cp "$FIX/rgb420.jpg" d/Bag/photo.JPG
cp "$FIX/gray.jpg" d/Bag/gray.jpeg
echo "not an image" > d/Coat/text.png
: > d/Coat/empty.png
head -c 100 "$FIX/progressive.jpg" > d/Shirt/cut.jpg
cp "$FIX/cmyk.jpg" d/Shirt/anim.gif      # a GIF name: skipped as unsupported, not decoded
echo notes > d/notes.txt
mkdir -p val/Trouser val/Bag
first_trouser=$(ls d/Trouser/*.png | head -n 1)
cp "$first_trouser" val/Trouser/copy.png
cp d/Bag/photo.JPG val/Bag/copy.jpg
cp "$FIX/rgb444.jpg" val/Bag/new.jpg

run scan 0 ./m scan --data d
has "scan: found" scan.out "Found 85 files belonging to 10 classes."
has "scan: bad files counted" scan.out "3 of 85 files could not be decoded"
has "scan: text file named" scan.out "d/Coat/text.png: not a PNG file"
has "scan: empty file named" scan.out "d/Coat/empty.png: empty file"
has "scan: truncated JPEG named" scan.out "d/Shirt/cut.jpg: invalid JPEG"
has "scan: GIF reported once" scan.err "1 GIF/BMP files skipped"
has "scan: histogram" scan.out "Class histogram:"
has "scan: split" scan.out "Using 62 files for training."
run scan_strict 1 ./m scan --data d --strict
has "scan --strict: error" scan_strict.err "3 files could not be decoded (--strict)"
run scan_val 0 ./m scan --data d --val val
has "scan: copies counted" scan_val.out "2 of 3 validation images are exact copies of training images"
has "scan: copy pair named" scan_val.out "val/Trouser/copy.png == $first_trouser"
has "scan: JPEG copy pair named" scan_val.out "val/Bag/copy.jpg == d/Bag/photo.JPG"

# fit: --cache gives the same weights as decoding; the copies are flagged
run fit_strict 1 ./m fit --data d --strict --weights s.safetensors
has "fit --strict names the file" fit_strict.err "error: d/Coat/text.png: not a PNG file"
run fit_a 0 ./m fit --data d --val val --weights a.safetensors --cache c.bin
has "fit: bad file warned" fit_a.err "warning: d/Coat/empty.png: empty file, skipped"
has "fit: copies warned" fit_a.err "2 of 3 validation images are exact copies of training images"
has "fit: cache written" fit_a.out "Decoded images cached in c.bin."
[ -f c.bin.val ] && ok "fit: validation cache written" || bad "fit: validation cache written"
run fit_b 0 ./m fit --data d --val val --weights b.safetensors --cache c.bin
has "fit: cache used" fit_b.out "Loaded 82 decoded images from the cache c.bin."
has "fit: validation cache used" fit_b.out "Loaded 3 decoded images from the cache c.bin.val."
has "fit: bad files still named from the cache" fit_b.err "warning: d/Coat/text.png: not a PNG file, skipped"
cmp -s a.safetensors b.safetensors && ok "fit: same weights with the cache" || bad "fit: same weights with the cache"
touch -d '2001-01-01' "$first_trouser"
run fit_stale 0 ./m fit --data d --val val --weights b.safetensors --cache c.bin
has "fit: stale cache noticed" fit_stale.err "c.bin: made for other files or decode options; decoding again"

# evaluate: the same report with and without its cache
run eval_a 0 ./m evaluate --data d --weights a.safetensors --json
run eval_b 0 ./m evaluate --data d --weights a.safetensors --json --cache e.bin
run eval_c 0 ./m evaluate --data d --weights a.safetensors --json --cache e.bin
has "evaluate: cache used" eval_c.err "Loaded 82 decoded images from the cache e.bin."
cmp -s eval_a.out eval_c.out && ok "evaluate: same report from the cache" || bad "evaluate: same report from the cache"

# predict reads JPEG (by content) through the same resize
run predict 0 ./m predict --weights a.safetensors d/Bag/photo.JPG "$first_trouser"
has "predict: JPEG" predict.out "d/Bag/photo.JPG: "

# predict reads a pipe ("-", /dev/stdin) into memory; a FIFO with no writer
# and a device are refused at once, never waited on or read without end
run predict_pipe 0 sh -c "cat '$first_trouser' | ./m predict --weights a.safetensors -"
has "predict -: piped PNG" predict_pipe.out "-: "
run predict_stdin 0 sh -c "cat d/Bag/photo.JPG | ./m predict --weights a.safetensors /dev/stdin"
has "predict /dev/stdin: piped JPEG" predict_stdin.out "/dev/stdin: "
run predict_redirect 0 sh -c "./m predict --weights a.safetensors - < '$first_trouser'"
mkfifo lonely.png
run predict_fifo 1 timeout 20 ./m predict --weights a.safetensors lonely.png
has "predict: a FIFO without a writer is empty" predict_fifo.err "lonely.png: empty file"
run predict_device 1 timeout 20 ./m predict --weights a.safetensors /dev/zero
has "predict: a device is refused" predict_device.err "/dev/zero: a device, not an image file"
run predict_empty_pipe 1 sh -c ": | ./m predict --weights a.safetensors -"
has "predict: an empty pipe" predict_empty_pipe.err "-: empty file"

# control characters in file and folder names are escaped (\xNN) in every
# listing and message: a name must not clear the screen or forge a line
esc=$(printf '\033')
evil=$(printf 'evil\033[2J\nerror: forged')
printf 'not an image' > "d/Coat/$evil.png"
cp "$first_trouser" "d/Trouser/$evil.png"
run scan_evil 0 ./m scan --data d
has "scan: control characters escaped" scan_evil.out 'd/Coat/evil\x1b[2J\x0aerror: forged.png: not a PNG file'
hasnt "scan: no raw escape byte" scan_evil.out "$esc"
grep -q '^error: forged' "$tmp/scan_evil.out" && bad "scan: a forged line" || ok "scan: no forged line"
run fit_evil 0 ./m fit --data d --weights e.safetensors
has "fit: warning escaped" fit_evil.err 'evil\x1b[2J\x0aerror: forged.png: not a PNG file, skipped'
hasnt "fit: no raw escape byte" fit_evil.err "$esc"
run predict_evil 0 ./m predict --weights a.safetensors "d/Trouser/$evil.png"
has "predict: file column escaped" predict_evil.out 'd/Trouser/evil\x1b[2J\x0aerror: forged.png: '
hasnt "predict: no raw escape byte" predict_evil.out "$esc"
rm -f "d/Coat/$evil.png" "d/Trouser/$evil.png"

# augment-preview without class_names: the classes are the folders, as in fit
cat > aug.yaml <<EOF
name: aug
input: {shape: [8, 8, 3]}
augment: [random_flip: horizontal]
layers: [flatten, {dense: {units: 2, activation: softmax}}]
loss: sparse_categorical_crossentropy
fit: {epochs: 1, batch_size: 4}
EOF
run build_aug 0 "$NNC" build aug.yaml -o aug
mkdir -p two/alpha "two/be${esc}ta"
cp d/Bag/photo.JPG two/alpha/a.jpg
cp "$first_trouser" "two/be${esc}ta/b.png"
run preview 0 ./aug augment-preview --data two --n 2 --out grid.png
has "augment-preview: classes from the folders" preview.out "row 1: alpha (sample 0: two/alpha/a.jpg)"
has "augment-preview: folder name escaped" preview.out 'row 2: be\x1bta (sample 1: two/be\x1bta/b.png)'
hasnt "augment-preview: no raw escape byte" preview.out "$esc"
run scan_two 0 ./aug scan --data two
has "scan: class name escaped in the histogram" scan_two.out '  be\x1bta'
hasnt "scan: histogram has no raw escape byte" scan_two.out "$esc"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
