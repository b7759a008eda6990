#!/bin/sh
# test_augment_errors.sh NNC — every mistake in augment: (and in the binary
# output it may be used with) is refused at its line and column with what was
# expected; and the valid forms are accepted. Each case: a spec on stdin, the
# exact location, a piece of the message.
set -u
. "$(dirname "$0")/spec_check.sh"

# accept NAME: the spec compiles, and its C mentions every augmentation kernel
accept() {
    cat > "$dir/$1.yaml"
    if out=$("$NNC" "$dir/$1.yaml" -o "$dir/$1.c" 2>&1) && grep -q "nnc_augment(" "$dir/$1.c"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $1: expected the spec to compile with augmentation:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

HEAD='input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy'
TAIL='layers:
  - flatten
  - dense: {units: 10, activation: softmax}'

check not_a_list 3:10 "augment: expected a list" <<EOF
$HEAD
augment: {random_flip: horizontal}
$TAIL
EOF
check keras_only 4:5 "augment #1: 'random_shear' is not supported by nnc" <<EOF
$HEAD
augment:
  - random_shear: {x_factor: 0.2}
$TAIL
EOF
check flip_mode 4:18 "random_flip #1: mode: 'horizontl' is not one of: horizontal, vertical, horizontal_and_vertical (did you mean 'horizontal'?)" <<EOF
$HEAD
augment:
  - random_flip: horizontl
$TAIL
EOF
check flip_key 4:19 "random_flip #1: unknown key 'mod' (did you mean 'mode'?)" <<EOF
$HEAD
augment:
  - random_flip: {mod: vertical}
$TAIL
EOF
check rotation_missing 4:5 "random_rotation #1: missing 'factor'" <<EOF
$HEAD
augment:
  - random_rotation: {fill_mode: wrap}
$TAIL
EOF
check rotation_range 5:31 "random_rotation #2: factor: 1.5 is out of range, expected 0..1" <<EOF
$HEAD
augment:
  - random_flip
  - random_rotation: {factor: 1.5}
$TAIL
EOF
check rotation_negative 4:31 "factor: -0.1 is out of range, expected 0..1" <<EOF
$HEAD
augment:
  - random_rotation: {factor: -0.1}
$TAIL
EOF
check rotation_order 4:31 "factor: lower bound 0.2 is above upper bound -0.1" <<EOF
$HEAD
augment:
  - random_rotation: {factor: [0.2, -0.1]}
$TAIL
EOF
check fill_mode 4:47 "fill_mode: 'reflection' is not one of: reflect, wrap, constant, nearest (did you mean 'reflect'?)" <<EOF
$HEAD
augment:
  - random_rotation: {factor: 0.1, fill_mode: reflection}
$TAIL
EOF
check interpolation 4:51 "interpolation: 'bicubic' is not one of: bilinear, nearest" <<EOF
$HEAD
augment:
  - random_rotation: {factor: 0.1, interpolation: bicubic}
$TAIL
EOF
check fill_value 4:51 "random_zoom #1: fill_value is only used with fill_mode: constant (fill_mode is reflect)" <<EOF
$HEAD
augment:
  - random_zoom: {height_factor: 0.1, fill_value: 3}
$TAIL
EOF
check zoom_lower 4:34 "random_zoom #1: height_factor: the lower bound must be above -1" <<EOF
$HEAD
augment:
  - random_zoom: {height_factor: 1}
$TAIL
EOF
check translation_width 4:5 "random_translation #1: missing 'width_factor'" <<EOF
$HEAD
augment:
  - random_translation: {height_factor: 0.1}
$TAIL
EOF
check seed 4:42 "random_contrast #1: no per-layer seed in nnc" <<EOF
$HEAD
augment:
  - random_contrast: {factor: 0.2, seed: 7}
$TAIL
EOF
check contrast_range 4:37 "random_contrast #1: factor: 1.5 is out of range, expected 0..1" <<EOF
$HEAD
augment:
  - random_contrast: {factor: [0.1, 1.5]}
$TAIL
EOF
check value_range 4:51 "random_brightness #1: value_range: low 1 must be below high 0" <<EOF
$HEAD
augment:
  - random_brightness: {factor: 0.2, value_range: [1, 0]}
$TAIL
EOF
check short_too_many 4:25 "random_translation #1: takes at most 2 values without names (height_factor, width_factor), found 3" <<EOF
$HEAD
augment:
  - random_translation: [0.1, 0.1, 0.2]
$TAIL
EOF
check short_type 4:22 "random_rotation #1: factor: expected a number, found 'left'" <<EOF
$HEAD
augment:
  - random_rotation: left
$TAIL
EOF
check short_factor_list 4:22 "random_rotation #1: factor: expected a number or a list [lower, upper], found 3 items" <<EOF
$HEAD
augment:
  - random_rotation: [0.1, 0.2, 0.3]
$TAIL
EOF
check short_empty 4:22 "random_contrast #1: factor: expected a number or a list [lower, upper], found 0 items" <<EOF
$HEAD
augment:
  - random_contrast: []
$TAIL
EOF
check short_crop_type 4:19 "random_crop #1: height: expected an integer, found '0.5'" <<EOF
$HEAD
augment:
  - random_crop: [0.5, 24]
$TAIL
EOF

# Short forms (Keras's positional arguments, from the augmentation table) give
# the same C as the long forms, but for the spec's name and hash.
cat > "$dir/aug_long.yaml" <<EOF
$HEAD
augment:
  - random_flip: {mode: horizontal}
  - random_rotation: {factor: [-0.1, 0.2]}
  - random_zoom: {height_factor: 0.1}
  - random_zoom: {height_factor: 0.1, width_factor: 0.2}
  - random_translation: {height_factor: 0.1, width_factor: 0.1}
  - random_contrast: {factor: 0.2}
  - random_brightness: {factor: 0.1}
$TAIL
EOF
cat > "$dir/aug_short.yaml" <<EOF
$HEAD
augment:
  - random_flip: horizontal
  - random_rotation: [-0.1, 0.2]
  - random_zoom: 0.1
  - random_zoom: [0.1, 0.2]
  - random_translation: [0.1, 0.1]
  - random_contrast: 0.2
  - random_brightness: 0.1
$TAIL
EOF
strip() { sed -e 1,2d -e "s/$2/M/g" "$1"; }
if "$NNC" "$dir/aug_long.yaml" -o "$dir/aug_long.c" >/dev/null 2>&1 &&
    "$NNC" "$dir/aug_short.yaml" -o "$dir/aug_short.c" >/dev/null 2>&1 &&
    [ "$(strip "$dir/aug_long.c" aug_long)" = "$(strip "$dir/aug_short.c" aug_short)" ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL short forms: not the C of the long forms"
    diff "$dir/aug_long.c" "$dir/aug_short.c" | head -10
fi
check crop_size 4:5 "random_crop #1: the crop 24x24 must equal the input shape 28x28" <<EOF
$HEAD
augment:
  - random_crop: {height: 24, width: 24}
$TAIL
EOF
check crop_image_size 4:5 "random_crop #1: needs data: image_size" <<EOF
$HEAD
augment:
  - random_crop: {height: 28, width: 28}
$TAIL
EOF
check crop_small 5:5 "random_crop #1: the crop 28x28 does not fit the image 26x32" <<EOF
$HEAD
data: {image_size: [26, 32]}
augment:
  - random_crop: {height: 28, width: 28}
$TAIL
EOF
check crop_twice 6:5 "random_crop #2: only one random_crop is supported" <<EOF
$HEAD
data: {image_size: [32, 32]}
augment:
  - random_crop: {height: 28, width: 28}
  - random_crop: {height: 28, width: 28}
$TAIL
EOF
check image_size_no_crop 3:20 "image_size [32, 32] differs from input shape 28x28" <<EOF
$HEAD
data: {image_size: [32, 32]}
augment:
  - random_flip
$TAIL
EOF
check binary_units 5:5 "dense #2: binary_crossentropy needs units: 1" <<EOF
input: {shape: [28, 28, 1]}
loss: binary_crossentropy
layers:
  - flatten
  - dense: {units: 2, activation: softmax}
EOF
check binary_softmax 5:5 "dense #2: the last layer needs activation: sigmoid for binary_crossentropy" <<EOF
input: {shape: [28, 28, 1]}
loss: binary_crossentropy
layers:
  - flatten
  - dense: {units: 1, activation: softmax}
EOF
check binary_logits 2:8 "loss: from_logits: true but dense #2 already applies sigmoid" <<EOF
input: {shape: [28, 28, 1]}
loss: {binary_crossentropy: {from_logits: true}}
layers:
  - flatten
  - dense: {units: 1, activation: sigmoid}
EOF
check binary_names 6:5 "binary_crossentropy has 2 classes but data: class_names lists 3" <<EOF
input: {shape: [28, 28, 1]}
loss: binary_crossentropy
data: {class_names: [a, b, c]}
layers:
  - flatten
  - dense: {units: 1, activation: sigmoid}
EOF
check sigmoid_last_softmax 6:5 "dense #3: the last layer needs activation: sigmoid for binary_crossentropy" <<EOF
input: {shape: [28, 28, 1]}
loss: binary_crossentropy
layers:
  - flatten
  - dense: {units: 4, activation: sigmoid}
  - dense: {units: 1, activation: softmax}
EOF
check sigmoid_categorical 5:5 "sigmoid goes with binary_crossentropy" <<EOF
$HEAD
layers:
  - flatten
  - dense: {units: 10, activation: sigmoid}
EOF
check one_unit_categorical 5:5 "a classifier needs at least 2 units, found 1 (one unit: loss binary_crossentropy)" <<EOF
$HEAD
layers:
  - flatten
  - dense: {units: 1, activation: softmax}
EOF

accept all_forms <<EOF
$HEAD
data: {image_size: [32, 30]}
augment:
  - random_flip
  - random_flip: vertical
  - random_flip: {mode: horizontal_and_vertical}
  - random_rotation: {factor: [-0.1, 0.2], fill_mode: constant, fill_value: 12.5, interpolation: nearest}
  - random_crop: {height: 28, width: 28}
  - random_zoom: {height_factor: [-0.3, 0.2], width_factor: 0.1, fill_mode: wrap}
  - random_translation: {height_factor: [0, 0.1], width_factor: 0.2, fill_mode: nearest}
  - random_contrast: {factor: [0.2, 0.5], value_range: [0, 255]}
  - random_brightness: {factor: [-0.2, 0.1]}
$TAIL
EOF
# nnc check lists the augmentations with the image size each one sees
out=$("$NNC" check "$dir/all_forms.yaml" 2>&1)
if printf '%s' "$out" | grep -qF "random_crop #5 (line 9, on 32x30x1): 28x28" &&
   printf '%s' "$out" | grep -qF "random_zoom #6 (line 10, on 28x28x1): height_factor [-0.3, 0.2], width_factor [-0.1, 0.1], fill_mode wrap, bilinear"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL check's augmentation list:"
    printf '%s\n' "$out" | sed 's/^/    /'
fi

accept binary <<EOF
input: {shape: [28, 28, 3]}
data: {label_mode: binary, class_names: [cat, dog]}
augment: [random_flip: horizontal]
loss: binary_crossentropy
layers:
  - flatten
  - dense: {units: 8, activation: relu}
  - dense: {units: 1, activation: sigmoid}
EOF

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
