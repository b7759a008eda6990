#!/bin/sh
# test_spec_hostile.sh NNC — hostile spec files cost bounded work and memory
# and get a clear error at the place that is wrong: aliases that expand
# without end, nesting far past the limit, huge mappings and lists, a broken
# second document, bytes that are not text, paths that are not spec files,
# a memory plan no machine holds. Every nnc run here is limited to 10 s and
# (but under AddressSanitizer, whose shadow memory needs the address space)
# 1 GiB of address space, so a regression fails instead of hanging.
set -u
. "$(dirname "$0")/spec_check.sh"
case "${NNC_CFLAGS:-}" in *sanitize=address*) ;; *) ulimit -v 1048576 ;; esac
NNC_REAL=$NNC
bounded() { timeout 10 "$NNC_REAL" "$@"; }
NNC=bounded

HEAD='input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
layers:
  - flatten
  - dense: {units: 10, activation: softmax}'

laughs() {
    echo "$HEAD"
    echo 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
    i=1
    while [ $i -lt 20 ]; do
        p=$((i - 1))
        echo "a$i: &a$i [*a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p]"
        i=$((i + 1))
    done
}
laughs > "$dir/in"; check billion_laughs 10:45 "more than 100000 YAML nodes" < "$dir/in"
awk 'BEGIN { printf "input: "; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' > "$dir/in"
check deep_flow 1:72 "YAML nested more than 64 levels deep" < "$dir/in"
awk 'BEGIN { for (i = 0; i < 1000; i++) { for (j = 0; j < i; j++) printf " "; print "a:" } }' > "$dir/in"
check deep_block 66:66 "YAML nested more than 64 levels deep" < "$dir/in"
awk 'BEGIN { printf "a: {"; for (i = 0; i < 5000; i++) printf "k%d: 1, ", i; print "z: 1}" }' > "$dir/in"
check wide_mapping 1:9135 "a mapping with more than 1024 keys" < "$dir/in"
{ cat examples/fashion_mnist.yaml; printf -- '---\n[: broken {\n'; } > "$dir/in"
check broken_second_document 28:1 "a second YAML document" < "$dir/in"
{ cat examples/fashion_mnist.yaml; printf -- '---\nname: x\n'; } > "$dir/in"
check second_document 28:1 "a second YAML document" < "$dir/in"
printf 'name: ok\ninput: {shape: [28, 28, 1]}\nlayers:\n  - dense: {units: 10, act\351: x}\n' > "$dir/in"
check invalid_utf8 4:27 "invalid text: invalid trailing UTF-8 octet (byte 0xe9)" < "$dir/in"
printf 'name: ok\ninput: {shape: [28, 28, 1]}\nlayers:\n  - dense: \033[2J{units: 10}\n' > "$dir/in"
check control_character 4:12 'control characters are not allowed (byte 0x1b)' < "$dir/in"
printf 'name: *nope\n' > "$dir/in"; check undefined_alias 1:7 "YAML alias '*nope' names no complete anchor" < "$dir/in"
printf 'a: &x [1, *x]\n' > "$dir/in"; check alias_cycle 1:11 "YAML alias '*x' names no complete anchor" < "$dir/in"
printf 'name: !!python/object:os.system x\n' > "$dir/in"; check yaml_tag 1:7 "YAML tag" < "$dir/in"
check plan_too_large 4:5 "conv2d #2's buffers are the largest" <<EOF2
input: {shape: [512, 512, 3]}
layers:
  - conv2d: {filters: 64, kernel_size: 3, padding: same}
  - conv2d: {filters: 64, kernel_size: 3, padding: same}
  - flatten
  - dense: {units: 10, activation: softmax}
fit: {batch_size: 64}
loss: sparse_categorical_crossentropy
EOF2

# anchors and aliases within the limits work: the same model as written out
sed 's/conv2d: {filters: 32, kernel_size: 3, activation: relu}/conv2d: \&c {filters: 32, kernel_size: 3, activation: relu}/; s/  - conv2d: {filters: 64, kernel_size: 3, activation: relu}/  - conv2d: *c/' \
    examples/fashion_mnist.yaml > "$dir/alias.yaml"
sed 's/filters: 64/filters: 32/' examples/fashion_mnist.yaml > "$dir/expanded.yaml"
"$NNC_REAL" check "$dir/alias.yaml" > "$dir/a.out" 2>&1
"$NNC_REAL" check "$dir/expanded.yaml" > "$dir/e.out" 2>&1
if sed 1d "$dir/a.out" > "$dir/a1" && sed 1d "$dir/e.out" > "$dir/e1" && [ -s "$dir/a1" ] && cmp -s "$dir/a1" "$dir/e1"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL an alias gives the model it stands for"; cat "$dir/a.out"
fi

# paths that are not spec files: refused by name, without reading or blocking
not_spec() { # NAME PATH TEXT
    out=$(bounded check "$2" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && printf '%s' "$out" | grep -qF "$2: error: not a spec: $3"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL $1: exit $rc: $out"
    fi
}
not_spec device /dev/zero "it is a device"
not_spec directory "$dir" "it is a directory"
mkfifo "$dir/fifo.yaml" && not_spec fifo "$dir/fifo.yaml" "it is a FIFO"
head -c 1048577 /dev/zero | tr '\0' ' ' > "$dir/big.yaml" && not_spec big_file "$dir/big.yaml" "it is larger than the limit"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
