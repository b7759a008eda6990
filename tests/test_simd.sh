#!/bin/sh
# test_simd.sh BUILD_DIR [TARGET] — SIMD kernels against their scalar twins.
# Writes small specs that sweep output channels (multiples of the vector width
# and not), input channels, output widths around the register blocks, kernel
# sizes, strides and padding; compiles each for TARGET (default host) and for
# scalar, and runs tests/test_simd.c on the pair.
set -u
BUILD=${1:?usage: test_simd.sh BUILD_DIR [TARGET]}
TARGET=${2:-host}
NNC=$BUILD/nnc
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -march=native -fopenmp -fno-math-errno -Wall -Wextra -Werror ${NNC_CFLAGS:-} -Iruntime"
pass=0 fail=0 cases=0

# check NAME: compile $dir/NAME.yaml for scalar and TARGET, compare the twins
check() {
    name=$1
    cases=$((cases + 1))
    ok=1
    for t in scalar $TARGET; do
        tw=simd; [ $t = scalar ] && tw=scalar
        "$NNC" "$dir/$name.yaml" --target $t -o "$dir/$name.$tw.c" &&
        ${CC:-cc} $CFLAGS -DNNC_TRAINER="\"$dir/$name.$tw.c\"" -DTWIN=$tw -c tests/simd_twin.c \
            -o "$dir/$name.$tw.o" || ok=0
    done
    if [ $ok = 1 ] && ${CC:-cc} $CFLAGS tests/test_simd.c "$dir/$name.scalar.o" "$dir/$name.simd.o" \
           -o "$dir/$name" -lm && "$dir/$name" "$name"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL $name"
    fi
}

# case NAME H W C CONV1 CONV2 [UNITS [BATCH]]: two conv layers (YAML flow maps),
# a hidden dense layer of UNITS (default 5), a dense head; BATCH default 3
case_() {
    cat > "$dir/$1.yaml" <<EOF2
input: {shape: [$2, $3, $4]}
layers:
  - conv2d: $5
  - conv2d: $6
  - flatten
  - dense: {units: ${7:-5}, activation: relu}
  - dense: {units: 3, activation: softmax}
loss: sparse_categorical_crossentropy
fit: {batch_size: ${8:-3}}
EOF2
    check "$1"
}

# pool NAME H W C CONV1 POOL1 CONV2 POOL2: conv, max pool, conv, max pool, a
# dense head (a SIMD target computes a tiled pool in the conv before it)
pool() {
    cat > "$dir/$1.yaml" <<EOF2
input: {shape: [$2, $3, $4]}
layers:
  - conv2d: $5
  - max_pooling2d: $6
  - conv2d: $7
  - max_pooling2d: $8
  - flatten
  - dense: {units: 3, activation: softmax}
loss: sparse_categorical_crossentropy
fit: {batch_size: 4}
EOF2
    check "$1"
}

R='activation: relu'
case_ oc8_ow1    5 3 3  "{filters: 8, kernel_size: 3, $R}" "{filters: 8, kernel_size: 1}" 8
case_ oc16_ow2   6 4 1  "{filters: 16, kernel_size: 3, $R}" "{filters: 16, kernel_size: 1, $R}" 16
case_ oc24_ow3   7 5 3  "{filters: 24, kernel_size: 3, $R}" "{filters: 8, kernel_size: 1}" 24
case_ oc32_ow5   9 7 4  "{filters: 32, kernel_size: 3, $R}" "{filters: 32, kernel_size: 1, $R}" 40
case_ oc40_ow7   9 9 3  "{filters: 40, kernel_size: 3, $R}" "{filters: 16, kernel_size: 2}" 64
case_ oc64_ow9   11 11 1 "{filters: 32, kernel_size: 3, $R}" "{filters: 64, kernel_size: 3, $R}" 128
case_ oc96_same  8 10 3 "{filters: 96, kernel_size: 3, padding: same, $R}" "{filters: 32, kernel_size: 5, padding: same}"
case_ even_same  8 7 3  "{filters: 16, kernel_size: 4, padding: same, $R}" "{filters: 24, kernel_size: 2, padding: same, $R}"
case_ strides    11 9 3 "{filters: 16, kernel_size: 3, strides: 2, $R}" "{filters: 32, kernel_size: 3, strides: 2, padding: same}"
case_ strides_21 10 9 3 "{filters: 16, kernel_size: 3, $R}" "{filters: 16, kernel_size: 3, strides: [2, 1], padding: same}"
case_ strides_3  13 11 1 "{filters: 8, kernel_size: 3, padding: same, $R}" "{filters: 24, kernel_size: 2, strides: 3, $R}"
case_ strides_k5 12 12 3 "{filters: 16, kernel_size: 3, $R}" "{filters: 32, kernel_size: 5, strides: 2, padding: same}" 8 5
case_ odd_oc     7 7 3  "{filters: 7, kernel_size: 3, $R}" "{filters: 16, kernel_size: 3}"
case_ ic5_oc12   8 8 3  "{filters: 5, kernel_size: 3, $R}" "{filters: 12, kernel_size: 3, $R}"
# few input channels: dw blocks of whole kh rows (2x1x4: two kh rows; 4x4x2
# after a scalar layer, same padding: one kh row of 8 taps)
case_ few_ic_k2  9 8 4  "{filters: 16, kernel_size: [2, 1], $R}" "{filters: 8, kernel_size: 3}"
case_ few_ic_k4  9 10 3 "{filters: 2, kernel_size: 1, $R}" "{filters: 8, kernel_size: 4, padding: same, $R}"
# batches past several vectors of samples (the dense input-gradient blocks)
case_ batch21    6 6 4  "{filters: 8, kernel_size: 3, $R}" "{filters: 16, kernel_size: 1, $R}" 16 21
case_ batch40    5 5 3  "{filters: 8, kernel_size: 2, $R}" "{filters: 24, kernel_size: 2}" 40 40
case_ wide_k     12 12 1 "{filters: 8, kernel_size: [5, 3], $R}" "{filters: 8, kernel_size: [1, 5], padding: same}"
# pools over odd sizes (uncovered rows and columns), 3x3 and 2x3 windows,
# linear convs, same padding, and pools that are not tiled (not fused), among
# them same-padded 2x2 pools on odd sizes
pool pool_odd    11 9 3 "{filters: 16, kernel_size: 3, $R}" "{pool_size: 2}" "{filters: 24, kernel_size: 2, $R}" "{pool_size: 2}"
pool pool_3x3    14 13 1 "{filters: 8, kernel_size: 3, padding: same, $R}" "{pool_size: 3}" "{filters: 32, kernel_size: 1}" "{pool_size: [1, 2]}"
pool pool_2x3    12 15 3 "{filters: 32, kernel_size: 3}" "{pool_size: [2, 3]}" "{filters: 16, kernel_size: 3, padding: same, $R}" "{pool_size: 2}"
pool pool_same   15 13 3 "{filters: 16, kernel_size: 3, $R}" "{pool_size: 2, padding: same}" "{filters: 8, kernel_size: 2, padding: same, $R}" "{pool_size: 2, padding: same}"
pool pool_over   10 10 3 "{filters: 8, kernel_size: 3, $R}" "{pool_size: 3, strides: 2}" "{filters: 8, kernel_size: 2, $R}" "{pool_size: 2, padding: same}"

# chain NAME H W C BATCH LAYER...: a 1x1 conv2d from 3 to C channels, the
# layers (YAML flow items), a dense head
chain() {
    name=$1 h=$2 w=$3 c=$4 b=$5
    shift 5
    { echo "input: {shape: [$h, $w, 3]}"; echo "layers:"
      echo "  - conv2d: {filters: $c, kernel_size: 1}"
      for l in "$@"; do echo "  - $l"; done
      echo "  - flatten"; echo "  - dense: {units: 3, activation: softmax}"
      echo "loss: sparse_categorical_crossentropy"; echo "fit: {batch_size: $b}"; } > "$dir/$name.yaml"
    check "$name"
}

# depthwise_conv2d: channels around the vector widths (7, 8, 9, 15-17, 31-33:
# the scalar tail of the SIMD kernels), output widths around the 4-pixel
# block, tap blocks of the kernel gradient (3x3: one of 9; 4x4: two of 8;
# 5x5: 9, 9, 7), strides 2, dilation 2, depth_multiplier 2 (scalar kernels)
D=depthwise_conv2d
chain dw_c7_ow1    3 3 7 3  "$D: {kernel_size: 3, $R}" "$D: {kernel_size: 1}"
chain dw_c8_ow5    7 7 8 4  "$D: {kernel_size: 3, $R}" "$D: {kernel_size: 3, padding: same}"
chain dw_c9_ow6    8 8 9 3  "$D: {kernel_size: 3, padding: same, $R}" "$D: {kernel_size: 2, strides: 2}"
chain dw_c16_ow7   9 7 16 5 "$D: {kernel_size: 3, padding: same}" "$D: {kernel_size: 4, padding: same, $R}"
chain dw_c17_ow3   5 5 17 3 "$D: {kernel_size: 3, $R}" "$D: {kernel_size: [1, 3], padding: same}"
chain dw_c15_k5    11 9 15 2 "$D: {kernel_size: 5, padding: same, $R}" "$D: {kernel_size: 5, strides: 2}"
chain dw_c32_dil   12 10 32 3 "$D: {kernel_size: 3, dilation_rate: 2, padding: same, $R}" "$D: {kernel_size: 3, dilation_rate: [2, 1], use_bias: false}"
chain dw_c33_s2    10 11 33 2 "$D: {kernel_size: 3, strides: 2, padding: same, $R}" "$D: {kernel_size: 2, strides: [1, 2]}"
chain dw_c31_dm2   6 7 31 3 "$D: {kernel_size: 3, depth_multiplier: 2, $R}" "$D: {kernel_size: 3, padding: same}"
# separable_conv2d: the depthwise kernels, then the pointwise convolution as
# the dense kernels over every pixel (outputs in whole vectors or not)
S=separable_conv2d
chain sep_c8_f16   9 9 8 4  "$S: {filters: 16, kernel_size: 3, padding: same, $R}" "$S: {filters: 24, kernel_size: 3, strides: 2}"
chain sep_c3_f7    7 8 3 3  "$S: {filters: 7, kernel_size: 3, $R}" "$S: {filters: 32, kernel_size: 3, padding: same, depth_multiplier: 2}"
chain sep_c17_dil  10 9 17 2 "$S: {filters: 33, kernel_size: 3, dilation_rate: 2, padding: same, $R}" "$S: {filters: 8, kernel_size: 2, use_bias: false}"
# conv2d with groups or dilation (scalar kernels on every target)
chain conv_groups  8 9 8 3  "conv2d: {filters: 16, kernel_size: 3, groups: 4, $R}" "conv2d: {filters: 8, kernel_size: 3, dilation_rate: 2, groups: 2, padding: same}"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $((pass + fail)) -eq $cases ]
