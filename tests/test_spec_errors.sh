#!/bin/sh
# test_spec_errors.sh NNC — every bad spec is refused with file:line:col, the
# layer and what was expected. Each case: a spec, then the exact location and a
# piece of the message that nnc must print.
set -u
. "$(dirname "$0")/spec_check.sh"

BASE='input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: adam'
TAIL='  - flatten
  - dense: {units: 10, activation: softmax}'

check unknown_layer 5:5 "layer 1: unknown layer type 'conv2' (did you mean 'conv2d'?)" <<EOF2
$BASE
layers:
  - conv2: {filters: 8, kernel_size: 3}
$TAIL
EOF2
check unknown_key 5:30 "conv2d #1: unknown key 'filter' (did you mean 'filters'?)" <<EOF2
$BASE
layers:
  - conv2d: {kernel_size: 3, filter: 8}
$TAIL
EOF2
check kernel_too_big 6:5 "conv2d #3: kernel_size 9x9 does not fit input 5x5x64 with padding valid" <<EOF2
input: {shape: [14, 14, 1]}
loss: sparse_categorical_crossentropy
layers:
  - conv2d: {filters: 64, kernel_size: 5, strides: 2}
  - conv2d: {filters: 64, kernel_size: 1}
  - conv2d: {filters: 8, kernel_size: 9}
$TAIL
EOF2
check not_an_int 5:23 "conv2d #1: filters: expected an integer, found 'abc'" <<EOF2
$BASE
layers:
  - conv2d: {filters: abc, kernel_size: 3}
$TAIL
EOF2
check out_of_range 5:23 "filters: 0 is out of range, expected 1..65536" <<EOF2
$BASE
layers:
  - conv2d: {filters: 0, kernel_size: 3}
$TAIL
EOF2
check label_mode 6:15 "label_mode categorical does not match loss sparse_categorical_crossentropy" <<EOF2
$BASE
data:
  train: x
  label_mode: categorical
layers:
$TAIL
EOF2
check bad_yaml 2:1 "invalid YAML" <<EOF2
input: {shape: [28, 28, 1]
layers: []
EOF2
check unknown_activation 5:54 "conv2d #1: activation: 'gelus' is not one of: linear, relu, softmax, sigmoid, relu6, leaky_relu, elu, gelu, tanh, swish, silu (did you mean 'gelu'?)" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3, activation: gelus}
$TAIL
EOF2
check activation_param 5:52 "activation #1: negative_slope is a parameter of leaky_relu, not relu" <<EOF2
$BASE
layers:
  - activation: {activation: relu, negative_slope: 0.1}
$TAIL
EOF2
check activation_unnamed 5:5 "activation #1: needs the activation's name (e.g. '- activation: relu')" <<EOF2
$BASE
layers:
  - activation: {}
$TAIL
EOF2
check relu_max_value 5:23 "relu #1: max_value: only 6 (relu6) is supported, found 5" <<EOF2
$BASE
layers:
  - relu: {max_value: 5}
$TAIL
EOF2
check last_not_flat 6:5 "softmax #2: the last layer must give one value per class (a flat output, as dense gives), not (None, 26, 26, 10)" <<EOF2
$BASE
layers:
  - conv2d: {filters: 10, kernel_size: 3}
  - softmax
EOF2
check too_many_positional 6:12 "dense #2: takes at most 2 values without names (units, activation), found 3" <<EOF2
$BASE
layers:
  - flatten
  - dense: [10, softmax, 3]
EOF2
check dense_needs_flat 5:5 "dense #1: expects a flat input but gets (28, 28, 1); add '- flatten'" <<EOF2
$BASE
layers:
  - dense: {units: 10, activation: softmax}
EOF2
check augment 5:5 "augment #1: unknown augmentation 'random_flipp' (did you mean 'random_flip'?)" <<EOF2
$BASE
augment:
  - random_flipp: horizontal
layers:
$TAIL
EOF2
check last_relu 6:5 "dense #2: the last layer needs activation: softmax" <<EOF2
$BASE
layers:
  - flatten
  - dense: {units: 10, activation: relu}
EOF2
check duplicate_key 4:1 "duplicate key 'loss' (first at line 2)" <<EOF2
$BASE
loss: categorical_crossentropy
layers:
$TAIL
EOF2
check class_count 7:5 "dense #2: 10 units but data: class_names lists 3 classes" <<EOF2
$BASE
data: {class_names: [a, b, c]}
layers:
$TAIL
EOF2
check unknown_optimizer 3:12 "unknown optimizer 'adamx' (did you mean 'adam'?)" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: adamx
layers:
$TAIL
EOF2
check color_mode 4:20 "data: color_mode rgb gives 3 channels but input shape has 1" <<EOF2
$BASE
data: {color_mode: rgb}
layers:
$TAIL
EOF2
check unknown_top 4:1 "unknown key 'layer' (did you mean 'layers'?)" <<EOF2
$BASE
layer:
$TAIL
EOF2
check missing_loss '' "missing 'loss:'" <<EOF2
input: {shape: [28, 28, 1]}
layers:
$TAIL
EOF2
check bad_padding 5:51 "padding: 'vaild' is not one of: valid, same (did you mean 'valid'?)" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3, padding: vaild}
$TAIL
EOF2

# optimizers: Keras 3's options, and the rules Keras has for them
OPT='input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy'
check two_clips 3:52 "optimizer: adam: global_clipnorm: only one of clipnorm, clipvalue and global_clipnorm may be set (as Keras)" <<EOF2
$OPT
optimizer: {adam: {clipnorm: 1.0, global_clipnorm: 2.0}}
layers:
$TAIL
EOF2
check clip_zero 3:30 "optimizer: sgd: clipvalue: 0 is out of range" <<EOF2
$OPT
optimizer: {sgd: {clipvalue: 0}}
layers:
$TAIL
EOF2
check exclude_no_decay 3:47 "optimizer: adam: exclude_from_weight_decay has no effect without weight_decay" <<EOF2
$OPT
optimizer: {adam: {exclude_from_weight_decay: [bias]}}
layers:
$TAIL
EOF2
check exclude_role 3:49 "optimizer: adamw: exclude_from_weight_decay: 'biases' is not a tensor role (such as kernel, bias, gamma, beta) (did you mean 'bias'?)" <<EOF2
$OPT
optimizer: {adamw: {exclude_from_weight_decay: [biases]}}
layers:
$TAIL
EOF2
check use_ema 3:21 "optimizer: adamw: use_ema is not supported by nnc" <<EOF2
$OPT
optimizer: {adamw: {use_ema: true}}
layers:
$TAIL
EOF2
check amsgrad_sgd 3:19 "optimizer: sgd: unknown key 'amsgrad'" <<EOF2
$OPT
optimizer: {sgd: {amsgrad: true}}
layers:
$TAIL
EOF2
check centred 3:23 "optimizer: rmsprop: unknown key 'centred' (did you mean 'centered'?)" <<EOF2
$OPT
optimizer: {rmsprop: {centred: true}}
layers:
$TAIL
EOF2
check weight_decay_range 3:35 "optimizer: nadam: weight_decay: 2 is out of range" <<EOF2
$OPT
optimizer: {nadam: {weight_decay: 2}}
layers:
$TAIL
EOF2
check label_smoothing_range 2:52 "loss: label_smoothing: 1.5 is out of range" <<EOF2
input: {shape: [28, 28, 1]}
loss: {categorical_crossentropy: {label_smoothing: 1.5}}
layers:
$TAIL
EOF2
check class_weight_index 4:22 "fit: class_weight: class 10 is out of range; the model has 10 classes (0..9)" <<EOF2
$BASE
fit: {class_weight: {10: 2.0}}
layers:
$TAIL
EOF2
check class_weight_no_names 4:22 "fit: class_weight: 'Coat' is not a class index, and the spec has no data: class_names to look a name up in" <<EOF2
$BASE
fit: {class_weight: {Coat: 2.0}}
layers:
$TAIL
EOF2
check class_weight_name 5:22 "fit: class_weight: 'cats' is not one of data: class_names (did you mean 'cat'?)" <<EOF2
input: {shape: [28, 28, 1]}
loss: binary_crossentropy
optimizer: adam
data: {label_mode: binary, class_names: [cat, dog]}
fit: {class_weight: {cats: 2.0}}
layers:
  - flatten
  - dense: {units: 1, activation: sigmoid}
EOF2
check class_weight_twice 4:32 "fit: class_weight: class 1 is given twice (first as 'dog')" <<EOF2
input: {shape: [28, 28, 1]}
loss: binary_crossentropy
data: {class_names: [cat, dog]}
fit: {class_weight: {dog: 2.0, 1: 3.0}}
layers:
  - flatten
  - dense: {units: 1, activation: sigmoid}
EOF2
check class_weight_negative 4:25 "fit: class_weight: 3: -1 is out of range" <<EOF2
$BASE
fit: {class_weight: {3: -1}}
layers:
$TAIL
EOF2
check class_weight_kind 4:21 "fit: class_weight: expected balanced, or a mapping of class names or indices to weights" <<EOF2
$BASE
fit: {class_weight: balance}
layers:
$TAIL
EOF2

check metric_unknown 4:21 "metrics: 'recal' is not supported; use accuracy, sparse_top_k_categorical_accuracy, precision, recall, f1_score or auc (did you mean 'recall'?)" <<EOF2
$BASE
metrics: [accuracy, recal]
layers:
$TAIL
EOF2
check metric_auc_multiclass 4:11 "metrics: auc is for binary models" <<EOF2
$BASE
metrics: [auc]
layers:
$TAIL
EOF2
check f1_average 4:32 "f1_score: average: 'mean' is not one of: null, micro, macro, weighted" <<EOF2
$BASE
metrics: [{f1_score: {average: mean}}]
layers:
$TAIL
EOF2
check callback_monitor 4:46 "fit: callbacks: early_stopping: monitor: 'val_auc' is not a history column" <<EOF2
$BASE
fit: {callbacks: [{early_stopping: {monitor: val_auc}}]}
layers:
$TAIL
EOF2
check callback_unknown 4:19 "fit: callbacks: 'early_stop' is not supported" <<EOF2
$BASE
fit: {callbacks: [early_stop]}
layers:
$TAIL
EOF2
check checkpoint_field 4:49 "model_checkpoint: filepath: {val_los} is not epoch or a history column" <<EOF2
$BASE
fit: {callbacks: [{model_checkpoint: {filepath: "w-{val_los:.2f}.safetensors"}}]}
layers:
$TAIL
EOF2
check checkpoint_format 4:49 "model_checkpoint: filepath: {epoch:s}: the format must be like 02d" <<EOF2
$BASE
fit: {callbacks: [{model_checkpoint: {filepath: "w-{epoch:s}.safetensors"}}]}
layers:
$TAIL
EOF2

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
