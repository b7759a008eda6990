#!/bin/sh
# test_data_spec.sh NNC — the data: keys of image_dataset_from_directory
# (interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, follow_links,
# label_mode) are checked at compile time with file:line:col, and reach the
# generated model description. The last line is "N passed, N failed".
set -u
. "$(dirname "$0")/spec_check.sh"

# emits NAME TEXT: the spec on stdin compiles, and the C contains TEXT
emits() {
    cat > "$dir/$1.yaml"
    if "$NNC" "$dir/$1.yaml" -o "$dir/$1.c" > "$dir/out" 2>&1 && grep -qF -- "$2" "$dir/$1.c"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $1: expected '$2' in the generated C"
        sed 's/^/    /' "$dir/out"
    fi
}

HEAD='input: {shape: [8, 8, 1]}
loss: sparse_categorical_crossentropy
layers: [flatten, {dense: {units: 2, activation: softmax}}]
data:'

check interp_typo 5:18 "data: interpolation: 'bilinaer' is not one of: bilinear, nearest, area (did you mean 'bilinear'?)" <<EOF
$HEAD
  interpolation: bilinaer
EOF
check interp_keras_only 5:18 "data: interpolation: 'lanczos3' is not supported by nnc; use bilinear, nearest or area" <<EOF
$HEAD
  interpolation: lanczos3
EOF
check crop_and_pad 6:24 "data: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be true" <<EOF
$HEAD
  crop_to_aspect_ratio: true
  pad_to_aspect_ratio: true
EOF
check crop_not_bool 5:25 "data: crop_to_aspect_ratio: expected true or false, found 'yes'" <<EOF
$HEAD
  crop_to_aspect_ratio: yes
EOF
check follow_links_not_bool 5:17 "data: follow_links: expected true or false, found '1'" <<EOF
$HEAD
  follow_links: 1
EOF
check shuffle_in_data 5:12 "data: shuffle belongs to fit: (fit: {shuffle: ...})" <<EOF
$HEAD
  shuffle: false
EOF
check binary_needs_bce 5:15 "data: label_mode binary needs loss binary_crossentropy, not sparse_categorical_crossentropy; with sparse_categorical_crossentropy use label_mode int" <<EOF
$HEAD
  label_mode: binary
EOF
check label_mode_typo 5:15 "data: label_mode: 'categorcal' is not one of: int, categorical, binary" <<EOF
$HEAD
  label_mode: categorcal
EOF
check label_mode_mismatch 5:15 "data: label_mode categorical does not match loss sparse_categorical_crossentropy" <<EOF
$HEAD
  label_mode: categorical
EOF
check unknown_data_key 5:3 "data: unknown key 'folow_links' (did you mean 'follow_links'?)" <<EOF
$HEAD
  folow_links: true
EOF

emits defaults ".interpolation = NNCRT_INTERP_BILINEAR," <<EOF
$HEAD
  label_mode: int
EOF
emits all_keys ".interpolation = NNCRT_INTERP_AREA," <<EOF
$HEAD
  interpolation: area
  pad_to_aspect_ratio: true
  follow_links: true
EOF
emits all_keys_flags ".crop_to_aspect_ratio = 0, .pad_to_aspect_ratio = 1, .follow_links = 1," <<EOF
$HEAD
  interpolation: nearest
  pad_to_aspect_ratio: true
  follow_links: true
EOF

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
