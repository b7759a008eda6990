#!/usr/bin/env python3
"""Seed corpus of fuzz/safetensors.c: weights files of its fixed model
(kernel [4,2], bias [2], 12 parameters with padding, Adam's 2 slots, model
hash f00df00d), valid ones and ones broken in one way each.

usage: python3 fuzz/make_safetensors_corpus.py [DIR]   (default fuzz/corpus/safetensors)
"""
import json
import os
import struct
import sys

NPARAMS = 12
HISTORY = ("epoch,loss,accuracy,val_loss,val_accuracy\n"
           "1,0.69314718,0.5,0.6,0.75\n2,0.5,0.75,,\n")


def meta(**over):
    m = {
        "format": "nnc", "nnc_model": "fuzz", "nnc_model_hash": "f00df00d",
        "nnc_version": "fuzz", "epoch": "2", "class_names": json.dumps(["cat", "dog"]),
        "loss": "sparse_categorical_crossentropy", "optimizer": "adam",
        "optimizer_step": "20", "seed": "1337", "train_samples": "8", "history": HISTORY,
    }
    m.update(over)
    return {k: v for k, v in m.items() if v is not None}


def tensors(slots=2, kernel_shape=(4, 2), extra=None):
    """[(name, dtype, shape, raw bytes)] in file order."""
    t = [("l01_dense.kernel", "F32", list(kernel_shape), floats([0.5 * i for i in range(8)])),
         ("l01_dense.bias", "F32", [2], floats([0.25, -0.25]))]
    for s in range(slots):
        t.append(("optimizer.slot%d" % s, "F32", [NPARAMS], floats([0.125 * s] * NPARAMS)))
    return t + (extra or [])


def floats(v):
    return struct.pack("<%df" % len(v), *v)


def header(ts, md):
    h, off = {}, 0
    if md is not None:
        h["__metadata__"] = md
    for name, dtype, shape, raw in ts:
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    text = json.dumps(h, separators=(",", ":"))
    return text + " " * (-len(text) % 8)


def file_bytes(text, ts, claimed=None):
    raw = text.encode("utf-8", "surrogateescape")
    return struct.pack("<Q", len(raw) if claimed is None else claimed) + raw + b"".join(t[3] for t in ts)


def build(md=None, ts=None, edit=None, claimed=None, tail=b""):
    ts = tensors() if ts is None else ts
    text = header(ts, meta() if md is None else md)
    if edit:
        old, new = edit
        assert old in text, old
        text = text.replace(old, new, 1)
    return file_bytes(text, ts, claimed) + tail


def with_value(index, value):
    ts = tensors()
    name, dtype, shape, raw = ts[0 if index < 8 else 2]
    i = index if index < 8 else index - 10
    raw = raw[:4 * i] + struct.pack("<f", value) + raw[4 * i + 4:]
    ts[0 if index < 8 else 2] = (name, dtype, shape, raw)
    return build(ts=ts)


def seeds():
    yield "valid", build()
    yield "valid_no_slots", build(ts=tensors(slots=0))
    yield "valid_no_history", build(md=meta(history=None))
    yield "init_only_sgd_state", build(md=meta(optimizer="sgd"), ts=tensors(slots=1))
    yield "valid_control_names", build(md=meta(class_names=json.dumps(["\x1b[31mcat", "do\ng"])))
    yield "valid_step_max", build(md=meta(optimizer_step=str(2 ** 53)))
    yield "valid_nan_history", build(md=meta(history=HISTORY.replace("0.5,0.75,,", "nan,-inf,,")))
    yield "empty_header", struct.pack("<Q", 2) + b"{}"
    yield "empty_header_padded", struct.pack("<Q", 8) + b"{}      "
    yield "only_metadata", build(ts=[])
    yield "dup_metadata_key", build(edit=('"epoch":"2"', '"epoch":"2","epoch":"3"'))
    yield "dup_tensor_key", build(edit=('"dtype":"F32"', '"dtype":"F32","dtype":"F16"'))
    yield "dup_tensor", build(edit=('"l01_dense.bias"', '"l01_dense.kernel"'))
    yield "nan_kernel", with_value(3, float("nan"))
    yield "inf_slot", with_value(10 + 5, float("-inf"))
    yield "step_int64_max", build(md=meta(optimizer_step=str(2 ** 63 - 1)))
    yield "step_over_2p53", build(md=meta(optimizer_step=str(2 ** 53 + 1)))
    yield "step_negative", build(md=meta(optimizer_step="-1"))
    yield "names_repeated", build(md=meta(class_names=json.dumps(["cat", "cat"])))
    yield "names_empty", build(md=meta(class_names=json.dumps(["", "dog"])))
    yield "names_not_json", build(md=meta(class_names="[\"cat\","))
    yield "names_three", build(md=meta(class_names=json.dumps(["a", "b", "c"])))
    yield "names_dup_object", build(md=meta(class_names='[{"a":1,"a":2},"b"]'))
    yield "extra_tensor", build(ts=tensors(extra=[("junk", "F32", [3], floats([1, 2, 3]))]))
    yield "extra_slot_sized", build(ts=tensors(slots=0, extra=[("junk", "F32", [NPARAMS],
                                                                floats([0] * NPARAMS))]))
    yield "slot_gap", build(ts=[t for t in tensors(slots=3) if t[0] != "optimizer.slot1"])
    yield "three_slots", build(ts=tensors(slots=3))
    yield "kernel_transposed", build(ts=tensors(kernel_shape=(2, 4)))
    yield "kernel_i32", build(edit=('"dtype":"F32","shape":[4,2]', '"dtype":"I32","shape":[4,2]'))
    yield "other_model", build(md=meta(nnc_model_hash="deadbeef", nnc_model="other"))
    yield "other_optimizer", build(md=meta(optimizer="rmsprop"))
    yield "no_hash", build(md=meta(nnc_model_hash=None))
    yield "epoch_huge", build(md=meta(epoch="100000001"))
    yield "history_short", build(md=meta(epoch="3"))
    yield "history_garbage", build(md=meta(history=HISTORY + "\x1b[2J\n"))
    yield "offsets_overlap", build(edit=('"data_offsets":[32,40]', '"data_offsets":[28,36]'))
    yield "offsets_float", build(edit=('"data_offsets":[0,32]', '"data_offsets":[0,32.0]'))
    yield "shape_negative", build(edit=('"shape":[2]', '"shape":[-2]'))
    yield "truncated", build()[:-7]
    yield "tail_bytes", build(tail=b"tail")
    yield "header_length_huge", build(claimed=2 ** 40)
    yield "header_length_short", build(claimed=16)
    yield "bad_utf8_key", build(edit=('"l01_dense.bias"', '"l01_dense.bias\udcff"'))
    yield "nul_in_header", build(edit=('"seed"', '"se\\u0000ed"'))
    yield "deep_metadata", build(edit=('"format":"nnc"', '"format":' + "[" * 3000 + "]" * 3000))
    yield "not_object", struct.pack("<Q", 8) + b"[1,2]   "
    # the container alone: other dtypes, zero-sized tensors
    other = [("a", "F64", [2], struct.pack("<2d", 1, 2)), ("b", "I8", [3], b"\x01\x02\x03"),
             ("c", "F32", [0, 5], b""), ("d", "BOOL", [1], b"\x01")]
    yield "container_dtypes", build(md={"k": "v"}, ts=other)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/safetensors"
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name + ".safetensors"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
