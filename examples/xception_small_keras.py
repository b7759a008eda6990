#!/usr/bin/env python3
"""Prints Keras's model.summary() of examples/xception_small.yaml: keras.io's
"Image classification from scratch" make_model(), at 32x32x3, widths 16 /
32, 64, 128 / 256 and 10 classes (logits). Needs Keras 3 and a backend:
    python3 -m venv build/keras-venv && build/keras-venv/bin/pip install keras jax
    build/keras-venv/bin/python examples/xception_small_keras.py"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import layers  # noqa: E402


def make_model(input_shape=(32, 32, 3), num_classes=10, entry=16, sizes=(32, 64, 128),
               exit_width=256):
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(entry, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x  # set aside the residual
    for size in sizes:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(exit_width, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(num_classes, activation=None)(x)
    return keras.Model(inputs, outputs, name="xception_small")


if __name__ == "__main__":
    make_model().summary()
