"""Keras worker of bench/harness.py: the FMNIST-CNN and CIFAR-CNN of
bench/specs as Keras 3 models (TensorFlow backend), layer for layer the
specs (channels-last Conv2D, Rescaling first, softmax last), compiled with
Adam and sparse categorical cross-entropy; data made once in memory as
float32 arrays of 0..255, like nnc's.

Works: train (model.fit at batch 64: the time from the end of its first step
to the end of its last, so fit's set-up is left out but its per-step loop
is in), infer (predict_on_batch at batch 256), latency (predict_on_batch at
batch 1). Variants: jit_off and jit_on (model.compile's jit_compile: XLA).
TensorFlow's thread pools: THREADS intra-op, 1 inter-op.

usage: peer_keras.py THREADS   (speaks the protocol of harness.serve)"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Skip, serve  # noqa: E402

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["OMP_NUM_THREADS"] = str(THREADS)
try:
    import time

    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    from keras import layers
except Exception as e:  # noqa: BLE001: any import failure is a reason to skip
    print(f"skip import tensorflow/keras failed: {type(e).__name__}: {e}", flush=True)
    sys.exit(0)

SHAPES = {"fmnist": (28, 28, 1), "cifar": (32, 32, 3)}
BATCH = {"train": 64, "infer": 256, "latency": 1}


def fmnist_cnn():
    return [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax")]


def cifar_cnn():
    conv = lambda f: layers.Conv2D(f, 3, padding="same", activation="relu")  # noqa: E731
    return [conv(32), conv(32), layers.MaxPooling2D(2), conv(64), conv(64),
            layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(256, activation="relu"),
            layers.Dense(10, activation="softmax")]


def build(model, jit):
    keras.utils.set_random_seed(0)
    body = {"fmnist": fmnist_cnn, "cifar": cifar_cnn}[model]()
    m = keras.Sequential([keras.Input(SHAPES[model]), layers.Rescaling(1 / 255)] + body)
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              loss="sparse_categorical_crossentropy", jit_compile=jit)
    return m


class StepClock(keras.callbacks.Callback):
    """Times fit from the end of its first batch to the end of its last."""

    def on_train_batch_end(self, batch, logs=None):
        t = time.perf_counter()
        if batch == 0:
            self.first = t
        self.last = t


def train(m, shape):
    rng = np.random.default_rng(0)
    data = {}

    def run(steps):
        n = (steps + 1) * BATCH["train"]
        if n not in data:
            data.clear()
            data[n] = (rng.integers(0, 256, (n, *shape)).astype(np.float32),
                       (np.arange(n) % 10).astype(np.int32))
        clock = StepClock()
        m.fit(*data[n], batch_size=BATCH["train"], epochs=1, shuffle=False, verbose=0,
              callbacks=[clock])
        return clock.last - clock.first
    return run


def infer(m, shape, batch):
    x = np.random.default_rng(0).integers(0, 256, (batch, *shape)).astype(np.float32)

    def run(steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            m.predict_on_batch(x)
        return time.perf_counter() - t0
    return run


def prepare(model, work, variant, threads):
    if threads != THREADS:
        raise Skip(f"this worker's thread pools have {THREADS} threads, not {threads}")
    if variant not in ("jit_off", "jit_on"):
        raise Skip(f"no variant {variant}")
    m = build(model, variant == "jit_on")
    if work == "train":
        return train(m, SHAPES[model])
    return infer(m, SHAPES[model], BATCH[work])


if __name__ == "__main__":
    serve(f"Keras {keras.__version__} (TensorFlow {tf.__version__})", prepare)
