"""examples/fashion_mnist_resnet.yaml in Keras 3, the same recipe: the stem,
two residual stages (the second strided, with a 1x1 projection shortcut), every
conv followed by BatchNormalization(momentum=0.9) and a separate ReLU, global
average pooling, Dropout(0.3), softmax; RandomFlip("horizontal"); Adam with
CosineDecay(0.005, 11256); batch 64, shuffled. Trains on the Fashion-MNIST IDX
files and prints the wall time of each epoch and the test accuracy, so that
README can put it beside nnc's run.

Not part of make test (PyPI's keras and jax, installed into a venv under build/):
  build/keras-venv/bin/python bench/resnet_keras.py [EPOCHS] [LIMIT]"""

import gzip
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

FM = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def idx(name, offset):
    with gzip.open(f"{FM}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def data(prefix, limit):
    x = idx(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28, 1)[:limit]
    y = idx(f"{prefix}-labels-idx1-ubyte.gz", 8)[:limit]
    return x.astype("float32"), y.astype("int32")


def conv_bn(x, filters, kernel=3, strides=1):
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    return layers.BatchNormalization(momentum=0.9)(x)


def model():
    inp = keras.Input((28, 28, 1))
    x = layers.RandomFlip("horizontal")(inp)
    x = layers.Rescaling(1 / 255)(x)
    stem = layers.MaxPooling2D(2)(layers.Activation("relu")(conv_bn(x, 32)))
    y = conv_bn(layers.Activation("relu")(conv_bn(stem, 32)), 32)
    s1 = layers.Activation("relu")(layers.add([stem, y]))
    y = conv_bn(layers.Activation("relu")(conv_bn(s1, 64, strides=2)), 64)
    short = conv_bn(s1, 64, kernel=1, strides=2)
    x = layers.Activation("relu")(layers.add([y, short]))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(inp, layers.Dense(10, activation="softmax")(x))


class EpochTimes(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1}: {time.perf_counter() - self.t0:.1f} s, "
              f"val_accuracy {logs.get('val_accuracy', float('nan')):.4f}", flush=True)


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    keras.utils.set_random_seed(1337)
    x, y = data("train", limit)
    xt, yt = data("t10k", 10000)
    m = model()
    lr = keras.optimizers.schedules.CosineDecay(0.005, 11256)
    m.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    print(f"Keras {keras.__version__} ({keras.backend.backend()}), "
          f"{m.count_params()} parameters, {epochs} epochs on {len(x)} images", flush=True)
    t0 = time.perf_counter()
    m.fit(x, y, batch_size=64, epochs=epochs, shuffle=True, validation_data=(xt, yt),
          verbose=0, callbacks=[EpochTimes()])
    wall = time.perf_counter() - t0
    _, acc = m.evaluate(xt, yt, batch_size=256, verbose=0)
    print(f"keras: {epochs} epochs in {wall:.0f} s wall, test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
