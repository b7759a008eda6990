#!/bin/sh
# test_hostile.sh BUILD_DIR — user text never becomes code or a compiler
# option. A spec whose folder, file name, class names and data paths hold
# comment ends, quotes, backslashes, newlines, trigraphs, leading dashes and
# control characters must give generated C whose tokens outside comments and
# strings are exactly those of the same spec with harmless strings; that C
# compiles with gcc (-std=c11: trigraphs on) and clang; `nnc build` of it
# succeeds; a model name that would be read as an option is refused clearly.
set -u
BUILD=${1:?usage: test_hostile.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | head -20; }
${CC:-cc} -std=c11 -O1 -Wall -Wextra -Werror -o "$tmp/ctokens" tests/ctokens.c || exit 1

esc=$(printf '\033')
nl='
'
hostile_dir="$tmp/-d*/ \"q\\b??/$nl-x$esc[2J ??=define"
mkdir -p "$hostile_dir" "$tmp/plain"
# spec TEMPLATE: one model, two sets of strings (the YAML escapes "\n", "\e")
spec() { # $1 class-name list, $2 train path
    cat <<EOF2
input: {shape: [8, 8, 1]}
data:
  train: $2
  validation_split: 0.25
  class_names: $1
layers:
  - rescaling: {scale: 0.5}
  - conv2d: {filters: 4, kernel_size: 3, activation: relu}
  - max_pooling2d: {pool_size: 2}
  - flatten
  - dense: {units: 8, activation: softmax}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: 0.01}}
EOF2
}
spec '["a*", "\"q", "b\\", "c\nd", "??=", "??)", "-x", "\e[2Jz"]' '"*/ \" \\ ??/ \n -o \e[2J /*"' > "$hostile_dir/-m*.yaml"
spec '[a, b, c, d, e, f, g, h]' 'data/x' > "$tmp/plain/m.yaml"

cd "$tmp"
if "$NNC" "$hostile_dir/-m*.yaml" -o hostile.c > out 2>&1; then ok "nnc compiles the hostile spec"; else bad "nnc compiles the hostile spec"; fi
"$NNC" plain/m.yaml -o plain.c > out 2>&1 || bad "nnc compiles the plain spec"
./ctokens hostile.c > hostile.tok
./ctokens plain.c > plain.tok
if [ -s plain.tok ] && diff plain.tok hostile.tok > out; then ok "same C tokens outside comments and strings"
else bad "same C tokens outside comments and strings"; fi
for cc in gcc clang; do
    if $cc -std=c11 -O0 -Wall -Wextra -Werror -fopenmp -I"$ROOT/runtime" -c hostile.c -o hostile.$cc.o > out 2>&1
    then ok "$cc -std=c11 -Werror compiles it"; else bad "$cc -std=c11 -Werror compiles it"; fi
done
# the default trainer name is the spec's stem, here "-m*": it must not reach the compiler as an option
cd "$hostile_dir"
if "$NNC" build "./-m*.yaml" > "$tmp/out" 2>&1 && [ -x ./_m_ ] && ./_m_ summary > "$tmp/summary" 2>&1
then ok "nnc build names the trainer _m_ and it runs"; else bad "nnc build names the trainer _m_ and it runs"; fi
if [ -s "$tmp/summary" ] && ! grep -q "$esc" "$tmp/summary" "$tmp/out"; then ok "no control byte in nnc build or summary output"
else : > "$tmp/out"; bad "no control byte in nnc build or summary output"; fi
if "$NNC" build "./-m*.yaml" -o -Bx > "$tmp/out" 2>&1 && [ -x ./-Bx ]; then ok "-o -Bx builds a file named -Bx"
else bad "-o -Bx builds a file named -Bx"; fi
cd "$tmp"
sed 's/^input:/name: -Bx.c\ninput:/' plain/m.yaml > dash.yaml
if "$NNC" build dash.yaml > out 2>&1; then bad "name -Bx.c refused"
elif grep -q "name: '-Bx.c' must be" out; then ok "name -Bx.c refused"; else bad "name -Bx.c refused"; fi
for n in . ..; do
    sed "s/^input:/name: '$n'\ninput:/" plain/m.yaml > dot.yaml
    if "$NNC" check dot.yaml > out 2>&1; then bad "name '$n' refused"; else ok "name '$n' refused"; fi
done
if "$NNC" build plain/m.yaml -o plain/ > out 2>&1; then bad "-o a folder refused"
elif grep -q "expected a file name" out; then ok "-o a folder refused"; else bad "-o a folder refused"; fi

# the export: class names from a weights file trained on folders with those
# names, the spec's and the weights file's paths in comments
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
"$ROOT/$BUILD/idx2png" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" "$hostile_dir/data" \
    c0,c1,c2,c3,c4,c5,c6,c7,c8,c9 --limit 60 > out 2>&1
rm -rf "$hostile_dir/data/c8" "$hostile_dir/data/c9"
i=0
for name in 'a*' '"q' 'b\' "c${nl}d" '??=' '??)' '-x' "${esc}[2Jz"; do
    mv "$hostile_dir/data/c$i" "$hostile_dir/data/$name"
    i=$((i + 1))
done
weights="$hostile_dir/w \\\"${nl}??=${esc}.safetensors"
(cd "$hostile_dir" && ./_m_ fit --data data --epochs 1 --weights "$weights") > out 2>&1 || { cat out; }
if "$NNC" "$hostile_dir/-m*.yaml" --predict --weights "$weights" -o export_h.c > out 2>&1 &&
   cp "$weights" plain/w.safetensors && "$NNC" plain/m.yaml --predict --weights plain/w.safetensors \
       --prefix _m_ -o export_p.c > out 2>&1 &&
   ./ctokens export_h.c > export_h.tok && ./ctokens export_p.c > export_p.tok &&
   diff export_p.tok export_h.tok > out
then ok "the export of hostile names has the same C tokens outside comments and strings"
else bad "the export of hostile names has the same C tokens outside comments and strings"; fi
if gcc -std=c99 -pedantic -Wall -Wextra -Werror -c export_h.c -o export_h.o > out 2>&1
then ok "gcc -std=c99 -pedantic compiles the hostile export"; else bad "gcc -std=c99 -pedantic compiles the hostile export"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
