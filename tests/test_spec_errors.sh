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
# dropout, spatial_dropout2d, initializers
check dropout_rate_one 5:14 "dropout #1: rate must be in [0, 1) (the fraction dropped), found 1" <<EOF2
$BASE
layers:
  - dropout: 1.0
$TAIL
EOF2
check dropout_rate_negative 5:21 "dropout #1: rate must be in [0, 1) (the fraction dropped), found -0.25" <<EOF2
$BASE
layers:
  - dropout: {rate: -0.25}
$TAIL
EOF2
check dropout_no_rate 5:5 "dropout #1: missing 'rate', the fraction of inputs to drop (e.g. '- dropout: 0.5')" <<EOF2
$BASE
layers:
  - dropout
$TAIL
EOF2
check dropout_noise_shape 5:39 "dropout #1: noise_shape is not supported (only null, one draw per value); for one draw per channel use spatial_dropout2d" <<EOF2
$BASE
layers:
  - dropout: {rate: 0.5, noise_shape: [1, 1, 32]}
$TAIL
EOF2
check dropout_unknown_key 5:26 "dropout #1: unknown key 'seeed' (did you mean 'seed'?)" <<EOF2
$BASE
layers:
  - dropout: {rate: 0.5, seeed: 3}
$TAIL
EOF2
check spatial_dropout_channels_first 5:49 "spatial_dropout2d #1: data_format: only channels_last (nnc's layout) is supported" <<EOF2
$BASE
layers:
  - spatial_dropout2d: {rate: 0.2, data_format: channels_first}
$TAIL
EOF2
check spatial_dropout_flat 6:5 "spatial_dropout2d #2: expects an image (height, width, channels) but gets a flat vector of 784 values" <<EOF2
$BASE
layers:
  - flatten
  - spatial_dropout2d: 0.2
  - dense: {units: 10, activation: softmax}
EOF2
check initializer_unknown 5:62 "conv2d #1: kernel_initializer: 'he_normall' is not one of: zeros, glorot_uniform, ones, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform (did you mean 'he_normal'?)" <<EOF2
$BASE
layers:
  - conv2d: {filters: 4, kernel_size: 3, kernel_initializer: he_normall}
$TAIL
EOF2
check initializer_unsupported 6:42 "dense #2: bias_initializer: 'orthogonal' is not one of" <<EOF2
$BASE
layers:
  - flatten
  - dense: {units: 10, bias_initializer: orthogonal, activation: softmax}
EOF2

# batch_normalization: the last axis only, Keras's ranges and initializers
check bn_axis 5:33 "batch_normalization #1: axis 1: only the last axis (-1, or 3 for input (h, w, 1)) is supported" <<EOF2
$BASE
layers:
  - batch_normalization: {axis: 1}
$TAIL
EOF2
check bn_axis_flat 6:33 "batch_normalization #2: axis 2: only the last axis (-1, or 1 for input (784)) is supported" <<EOF2
$BASE
layers:
  - flatten
  - batch_normalization: {axis: 2}
  - dense: {units: 10, activation: softmax}
EOF2
check bn_momentum 5:37 "batch_normalization #1: momentum: 1.5 is out of range, expected 0..1" <<EOF2
$BASE
layers:
  - batch_normalization: {momentum: 1.5}
$TAIL
EOF2
check bn_epsilon 5:36 "batch_normalization #1: epsilon: 0 is out of range" <<EOF2
$BASE
layers:
  - batch_normalization: {epsilon: 0}
$TAIL
EOF2
check bn_initializer 5:46 "batch_normalization #1: gamma_initializer: 'glorot_uniform' is not one of: zeros, ones" <<EOF2
$BASE
layers:
  - batch_normalization: {gamma_initializer: glorot_uniform}
$TAIL
EOF2
check bn_unknown_key 5:27 "batch_normalization #1: unknown key 'axes' (did you mean 'axis'?)" <<EOF2
$BASE
layers:
  - batch_normalization: {axes: -1}
$TAIL
EOF2

# --- the graph: names, inputs, shapes of merged values ---
check input_unknown 8:22 "layer 2: inputs: no layer before this one is named 'conv_b' (did you mean 'conv_a'?)" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: conv_a
  - add:
    inputs: [conv_a, conv_b]
$TAIL
EOF2
check add_shapes 9:5 "add #3: inputs (26, 26, 32) and (26, 26, 64) differ" <<EOF2
$BASE
layers:
  - conv2d: {filters: 32, kernel_size: 3}
    name: a
  - conv2d: {filters: 64, kernel_size: 1}
    name: b
  - add:
    inputs: [a, b]
$TAIL
EOF2
check multiply_shapes 9:5 "multiply #3: inputs (26, 26, 8) and (24, 24, 8) differ" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: a
  - conv2d: {filters: 8, kernel_size: 3}
    name: b
  - multiply:
    inputs: [a, b]
$TAIL
EOF2
check concatenate_hw 9:5 "concatenate #3: inputs (26, 26, 8) and (24, 24, 4) differ in height and width" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: a
  - conv2d: {filters: 4, kernel_size: 3}
    name: b
  - concatenate:
    inputs: [a, b]
$TAIL
EOF2
check concatenate_axis 9:25 "concatenate #3: axis 1: only the channel axis (axis: -1, the default) is supported" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: a
  - conv2d: {filters: 4, kernel_size: 1}
    name: b
  - concatenate: {axis: 1}
    inputs: [a, b]
$TAIL
EOF2
check output_unused 7:5 "conv2d #2: its output is not used by any later layer" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: a
  - conv2d: {filters: 4, kernel_size: 1}
  - conv2d: {filters: 4, kernel_size: 1}
    inputs: a
$TAIL
EOF2
check forward_reference 7:13 "layer 1: inputs: 'b' is layer 2 (line 9), which comes later; an input must come before the layer that uses it" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: a
    inputs: b
  - conv2d: {filters: 8, kernel_size: 1}
    name: b
  - add:
    inputs: [a, b]
$TAIL
EOF2
check cycle 8:14 "layer 2: inputs: 'r' is layer 2 (line 7), which comes here" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
  - add:
    name: r
    inputs: [r, input]
$TAIL
EOF2
check two_inputs_for_one 10:13 "max_pooling2d #3: takes 1 input, given 2" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
    name: a
  - conv2d: {filters: 8, kernel_size: 1}
    name: b
  - max_pooling2d:
    inputs: [a, b]
$TAIL
EOF2
check add_one_input 6:5 "add #2: takes 2 to 16 inputs, given 1 (list them with inputs: [a, b])" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
  - add
$TAIL
EOF2
check global_pool_flat 7:5 "global_average_pooling2d #3: expects an image (height, width, channels) but gets a flat vector of 10 values" <<EOF2
$BASE
layers:
  - flatten
  - dense: 10
  - global_average_pooling2d
  - dense: {units: 10, activation: softmax}
EOF2
check average_pool_too_big 5:5 "average_pooling2d #1: pool_size 30x30 does not fit input 28x28x1 with padding valid" <<EOF2
$BASE
layers:
  - average_pooling2d: 30
$TAIL
EOF2

# learning_rate schedules (compiler/schedule.c)
check sched_unknown 3:35 "optimizer: sgd: learning_rate: unknown schedule 'cosine_decays' (did you mean 'cosine_decay'?); supported: exponential_decay, piecewise_constant_decay, inverse_time_decay, polynomial_decay, cosine_decay, cosine_decay_restarts" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {cosine_decays: {initial_learning_rate: 0.1, decay_steps: 10}}}}
layers:
$TAIL
EOF2
check sched_required 3:35 "optimizer: sgd: learning_rate: cosine_decay: initial_learning_rate is required (Keras has no default for it)" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {cosine_decay: {decay_steps: 10}}}}
layers:
$TAIL
EOF2
check sched_steps 3:96 "optimizer: sgd: learning_rate: exponential_decay: decay_steps: 0 is out of range, expected 1..2147483647" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {exponential_decay: {initial_learning_rate: 0.1, decay_steps: 0, decay_rate: 0.5}}}}
layers:
$TAIL
EOF2
check sched_unknown_key 3:100 "optimizer: adam: learning_rate: polynomial_decay: unknown key 'end_lr'; expected one of: initial_learning_rate, decay_steps, end_learning_rate, power, cycle" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {adam: {learning_rate: {polynomial_decay: {initial_learning_rate: 0.1, decay_steps: 10, end_lr: 0.01}}}}
layers:
$TAIL
EOF2
check sched_values 3:92 "optimizer: sgd: learning_rate: piecewise_constant_decay: values: expected a list of 3 learning rates (one more than the boundaries)" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {piecewise_constant_decay: {boundaries: [10, 20], values: [0.1, 0.01]}}}}
layers:
$TAIL
EOF2
check sched_boundaries 3:79 "optimizer: sgd: learning_rate: piecewise_constant_decay: boundaries: 10 does not come after 20; boundaries must increase" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {piecewise_constant_decay: {boundaries: [20, 10], values: [0.1, 0.01, 0.001]}}}}
layers:
$TAIL
EOF2
check sched_boundary_int 3:75 "optimizer: sgd: learning_rate: piecewise_constant_decay: boundaries: expected an integer, found '2.5'" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {piecewise_constant_decay: {boundaries: [2.5], values: [0.1, 0.01]}}}}
layers:
$TAIL
EOF2
check sched_warmup 3:111 "optimizer: adamw: learning_rate: cosine_decay: warmup_steps has no effect without warmup_target (the learning rate the warm-up reaches)" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {adamw: {learning_rate: {cosine_decay: {initial_learning_rate: 0.0, decay_steps: 10, warmup_steps: 5}}}}
layers:
$TAIL
EOF2
check sched_t_mul 3:117 "optimizer: sgd: learning_rate: cosine_decay_restarts: t_mul: 0.5 is out of range, expected 1..1000" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {cosine_decay_restarts: {initial_learning_rate: 0.1, first_decay_steps: 10, t_mul: 0.5}}}}
layers:
$TAIL
EOF2
check sched_args 3:49 "optimizer: sgd: learning_rate: cosine_decay: expected a mapping of its arguments, e.g. {initial_learning_rate: 0.001, decay_steps: 1000}" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {cosine_decay: 0.1}}}
layers:
$TAIL
EOF2
check sched_two 3:34 "optimizer: sgd: learning_rate: expected a number or one schedule, e.g. {cosine_decay: {initial_learning_rate: 0.001, decay_steps: 1000}}" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {cosine_decay: {initial_learning_rate: 0.1, decay_steps: 10}, exponential_decay: {}}}}
layers:
$TAIL
EOF2
check sched_name 3:50 "optimizer: sgd: learning_rate: cosine_decay: name is not supported by nnc" <<EOF2
input: {shape: [28, 28, 1]}
loss: sparse_categorical_crossentropy
optimizer: {sgd: {learning_rate: {cosine_decay: {name: cd, initial_learning_rate: 0.1, decay_steps: 10}}}}
layers:
$TAIL
EOF2

# Short forms of layers (the op table's positional parameters): wrong types,
# and the same C as the long forms but for the spec's name and hash.
check short_dense_type 6:12 "dense #2: units: expected an integer, found 'ten'" <<EOF2
$BASE
layers:
  - flatten
  - dense: ten
EOF2
check short_pool_type 5:20 "max_pooling2d #1: pool_size: expected an integer, found 'two'" <<EOF2
$BASE
layers:
  - max_pooling2d: two
$TAIL
EOF2
check short_empty 6:12 "dense #2: expected the value of units, activation, or a mapping of parameters, found an empty list" <<EOF2
$BASE
layers:
  - flatten
  - dense: []
EOF2
cat > "$dir/short_long.yaml" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3}
  - activation: {activation: relu}
  - max_pooling2d: {pool_size: 2}
  - conv2d: {filters: 4, kernel_size: 3, strides: 1, padding: same}
  - flatten
  - dense: {units: 10, activation: softmax}
EOF2
cat > "$dir/short_short.yaml" <<EOF2
$BASE
layers:
  - conv2d: [8, 3]
  - activation: relu
  - max_pooling2d: 2
  - conv2d: [4, 3, 1, same]
  - flatten
  - dense: [10, softmax]
EOF2
strip() { sed -e 1,2d -e "s/$2/M/g" "$1"; }
if "$NNC" "$dir/short_long.yaml" -o "$dir/short_long.c" >/dev/null 2>&1 &&
    "$NNC" "$dir/short_short.yaml" -o "$dir/short_short.c" >/dev/null 2>&1 &&
    [ "$(strip "$dir/short_long.c" short_long)" = "$(strip "$dir/short_short.c" short_short)" ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL short forms of layers: not the C of the long forms"
    diff "$dir/short_long.c" "$dir/short_short.c" | head -10
fi

# fit options (compiler/fit_options.c)
check fit_verbose 4:16 "fit: verbose: 3 is out of range, expected 0..2" <<EOF2
$BASE
fit: {verbose: 3}
layers:
$TAIL
EOF2
check fit_validation_freq 4:24 "fit: validation_freq: 0 is out of range, expected 1..1000000" <<EOF2
$BASE
fit: {validation_freq: 0}
layers:
$TAIL
EOF2
check fit_steps_per_epoch 4:24 "fit: steps_per_epoch: expected an integer, found 'many'" <<EOF2
$BASE
fit: {steps_per_epoch: many}
layers:
$TAIL
EOF2
check fit_initial_epoch 4:22 "fit: initial_epoch is not supported by nnc: fit --resume continues after the epoch the weights file records" <<EOF2
$BASE
fit: {initial_epoch: 2}
layers:
$TAIL
EOF2

# depthwise_conv2d, separable_conv2d, conv2d's dilation_rate and groups
check groups_filters 5:77 "conv2d #1: groups 3 does not divide filters 8" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3, strides: 1, padding: same, groups: 3}
$TAIL
EOF2
check groups_channels 6:5 "conv2d #2: groups 4 does not divide the input's 6 channels" <<EOF2
$BASE
layers:
  - conv2d: {filters: 6, kernel_size: 3}
  - conv2d: {filters: 8, kernel_size: 3, groups: 4}
$TAIL
EOF2
check conv_dilation_strides 5:69 "conv2d #1: dilation_rate 2x2 with strides 2x2: Keras allows a dilation_rate above 1 only with strides 1" <<EOF2
$BASE
layers:
  - conv2d: {filters: 8, kernel_size: 3, strides: 2, dilation_rate: 2}
$TAIL
EOF2
check dw_dilation_strides 5:72 "depthwise_conv2d #1: dilation_rate 1x2 with strides 2x1" <<EOF2
$BASE
layers:
  - depthwise_conv2d: {kernel_size: 3, strides: [2, 1], dilation_rate: [1, 2]}
$TAIL
EOF2
check dw_dilated_too_big 5:5 "depthwise_conv2d #1: kernel_size 5x5 (dilated 29x29) does not fit input 28x28x1 with padding valid" <<EOF2
$BASE
layers:
  - depthwise_conv2d: {kernel_size: 5, dilation_rate: 7}
$TAIL
EOF2
check dw_no_kernel 5:5 "depthwise_conv2d #1: needs 'kernel_size'" <<EOF2
$BASE
layers:
  - depthwise_conv2d: {depth_multiplier: 2}
$TAIL
EOF2
check dw_multiplier_zero 5:58 "depthwise_conv2d #1: depth_multiplier: 0 is out of range" <<EOF2
$BASE
layers:
  - depthwise_conv2d: {kernel_size: 3, depth_multiplier: 0}
$TAIL
EOF2
check dw_bad_init 5:63 "depthwise_conv2d #1: depthwise_initializer: 'glorot' is not one of" <<EOF2
$BASE
layers:
  - depthwise_conv2d: {kernel_size: 3, depthwise_initializer: glorot}
$TAIL
EOF2
check dw_flat 6:5 "depthwise_conv2d #2: expects an image (height, width, channels)" <<EOF2
$BASE
layers:
  - flatten
  - depthwise_conv2d: 3
$TAIL
EOF2
check sep_no_filters 5:5 "separable_conv2d #1: needs 'filters' and 'kernel_size'" <<EOF2
$BASE
layers:
  - separable_conv2d: {kernel_size: 3}
$TAIL
EOF2
check sep_unknown_key 5:52 "separable_conv2d #1: unknown key 'groups'" <<EOF2
$BASE
layers:
  - separable_conv2d: {filters: 8, kernel_size: 3, groups: 2}
$TAIL
EOF2
check sep_dilation_strides 5:79 "separable_conv2d #1: dilation_rate 2x2 with strides 2x2" <<EOF2
$BASE
layers:
  - separable_conv2d: {filters: 8, kernel_size: 3, strides: 2, dilation_rate: 2}
$TAIL
EOF2

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
