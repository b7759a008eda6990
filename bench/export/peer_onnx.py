"""ONNX Runtime worker of bench/export/run.py (bench/harness.py's protocol).
FMNIST-CNN is built as an ONNX graph with the onnx package's helper API from
the trained weights (bench/export/fmnist_model.py): input [N, 28, 28, 1] raw
pixels as nnc's classifier takes them, Mul by the rescaling scale, the
channels-last input as NCHW (a Reshape: one channel), Conv + Relu + MaxPool
twice, Flatten, Gemm + Relu, Gemm, Softmax; the first Gemm's rows permuted
to the channels-first flatten, as a converter does. One session per batch
size, ORT_ENABLE_ALL, one intra-op and one inter-op thread, sequential.
Before a variant is timed its probabilities on the benchmark's images must
equal nnc's within 1e-5; the worst difference goes to CHECK_FILE.

usage: peer_onnx.py WEIGHTS IMAGES NNC_PROBS CHECK_FILE"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Skip, serve  # noqa: E402

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    import fmnist_model as fm
except Exception as e:  # noqa: BLE001: any import failure is a reason to skip
    print(f"skip import failed: {type(e).__name__}: {e}", flush=True)
    sys.exit(0)

BATCH = {"infer": 256, "latency": 1}


def graph(w):
    """The ONNX model of FMNIST-CNN with the weights w, for any batch size."""
    def const(name, a):
        return numpy_helper.from_array(np.ascontiguousarray(a, dtype=np.float32), name)
    conv = lambda k: k.transpose(3, 2, 0, 1)  # (KH, KW, IC, OC) -> (OC, IC, KH, KW)
    inits = [
        const("scale", np.array(fm.SCALE, dtype=np.float32)),
        numpy_helper.from_array(np.array([-1, fm.C, fm.H, fm.W], dtype=np.int64), "nchw"),
        const("w1", conv(w["l02_conv2d.kernel"])), const("b1", w["l02_conv2d.bias"]),
        const("w2", conv(w["l04_conv2d.kernel"])), const("b2", w["l04_conv2d.bias"]),
        const("w3", fm.dense1_rows_nchw(w["l07_dense.kernel"])), const("b3", w["l07_dense.bias"]),
        const("w4", w["l08_dense.kernel"]), const("b4", w["l08_dense.bias"]),
    ]
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [
        helper.make_node("Mul", ["input", "scale"], ["x0"]),
        helper.make_node("Reshape", ["x0", "nchw"], ["x1"]),  # C = 1: NHWC and NCHW agree
        helper.make_node("Conv", ["x1", "w1", "b1"], ["c1"], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], **pool),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], **pool),
        helper.make_node("Flatten", ["p2"], ["f"]),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["d1"]),
        helper.make_node("Relu", ["d1"], ["r3"]),
        helper.make_node("Gemm", ["r3", "w4", "b4"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    g = helper.make_graph(
        nodes, "fmnist_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", fm.H, fm.W, fm.C])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["n", fm.CLASSES])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


def session(model, threads):
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])


def main():
    weights, images, nnc_probs, check_file = sys.argv[1:5]
    model = graph(fm.load_weights(weights))
    x = fm.load_images(images)
    ref = fm.load_probs(nnc_probs)

    def prepare(name, work, variant, threads):
        if name != "fmnist" or work not in BATCH or variant != "default":
            raise Skip(f"no {name} {work} {variant} here")
        s = session(model, threads)
        got = s.run(["probs"], {"input": x[:len(ref)]})[0]
        worst = float(np.abs(got - ref).max())
        with open(check_file, "a") as f:
            f.write(f"ONNX Runtime {work}: worst probability difference from nnc's {worst:.3g} "
                    f"on {len(ref)} images\n")
        if not worst <= fm.TOLERANCE:
            raise Skip(f"its probabilities differ from nnc's by {worst:.3g} (> {fm.TOLERANCE})")
        batch = x[:BATCH[work]].copy()
        feed = {"input": batch}

        def run(steps):
            t0 = time.perf_counter()
            for _ in range(steps):
                s.run(["probs"], feed)
            return time.perf_counter() - t0
        return run
    serve(f"ONNX Runtime {ort.__version__} (onnx {onnx.__version__})", prepare)


if __name__ == "__main__":
    main()
