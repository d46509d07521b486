#!/usr/bin/python3
"""Makes the ONNX backend's test models and their reference data (run with Debian's /usr/bin/python3,
python3-onnx and python3-numpy: `cd orchestrator/backends/onnx/testdata && /usr/bin/python3 make_models.py`).

Each model is written as <name>/model.onnx with <name>/test_data_set_0/{input,output}_<i>.pb, the layout
of ONNX's backend test data (and of Debian's libonnx-testdata), so one Go loader serves both. Expected
outputs are computed with numpy. Weights come from a seeded generator: the files are reproducible.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
rng = np.random.default_rng(20261125)


def save(name, graph, inputs, outputs):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ssrun make_models.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(name, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(name, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for kind, arrays in (("input", inputs), ("output", outputs)):
        for i, a in enumerate(arrays):
            with open(os.path.join(name, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(a).SerializeToString())


def mlp():
    """256 -> 512 -> 10 with ReLU: the benchmark's model."""
    w1 = (rng.standard_normal((256, 512)) / 16).astype(np.float32)
    b1 = (rng.standard_normal(512) / 10).astype(np.float32)
    w2 = (rng.standard_normal((512, 10)) / 22).astype(np.float32)
    b2 = (rng.standard_normal(10) / 10).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
         helper.make_node("Relu", ["h"], ["r"]),
         helper.make_node("Gemm", ["r", "w2", "b2"], ["y"])],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 256])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
    x = rng.standard_normal((3, 256)).astype(np.float32)
    y = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    save("mlp", graph, [x], [y.astype(np.float32)])


def add_mul():
    """Two inputs, two outputs: c = a + b, d = a * b (batching with several inputs and outputs)."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["c"]), helper.make_node("Mul", ["a", "b"], ["d"])],
        "add_mul",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 2]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, ["N", 2]),
         helper.make_tensor_value_info("d", TensorProto.FLOAT, ["N", 2])])
    a = np.array([[1, 2], [3, 4]], np.float32)
    b = np.array([[0.5, -1], [10, 0.25]], np.float32)
    save("add_mul", graph, [a, b], [a + b, a * b])


def sum_rows():
    """Sums over the batch dimension: the output's dim 0 is always 1, which breaks batching."""
    axes = numpy_helper.from_array(np.array([0], np.int64), "axes")
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=1)],
        "sum_rows",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [axes])
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    save("sum_rows", graph, [x], [x.sum(axis=0, keepdims=True)])


def square():
    """y = x @ x for a square x of any size: a run whose cost the caller chooses (timeout tests)."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "x"], ["y"])],
        "square",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "N"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "N"])])
    x = np.array([[1, 2], [3, 4]], np.float32)
    save("square", graph, [x], [x @ x])


def dtypes():
    """One Identity per RedisAI type: every type goes in and comes back out unchanged."""
    types = [("float", TensorProto.FLOAT, np.array([1.5, -2.25], np.float32)),
             ("double", TensorProto.DOUBLE, np.array([0.1, -1e300], np.float64)),
             ("int8", TensorProto.INT8, np.array([-128, 127], np.int8)),
             ("int16", TensorProto.INT16, np.array([-32768, 32767], np.int16)),
             ("int32", TensorProto.INT32, np.array([-2**31, 2**31 - 1], np.int32)),
             ("int64", TensorProto.INT64, np.array([-2**63, 2**63 - 1], np.int64)),
             ("uint8", TensorProto.UINT8, np.array([0, 255], np.uint8)),
             ("uint16", TensorProto.UINT16, np.array([0, 65535], np.uint16)),
             ("bool", TensorProto.BOOL, np.array([True, False])),
             ("string", TensorProto.STRING, np.array([b"hello", b"ssrun"], dtype=object))]
    nodes = [helper.make_node("Identity", [f"x_{n}"], [f"y_{n}"]) for n, _, _ in types]
    graph = helper.make_graph(
        nodes, "dtypes",
        [helper.make_tensor_value_info(f"x_{n}", t, [2]) for n, t, _ in types],
        [helper.make_tensor_value_info(f"y_{n}", t, [2]) for n, t, _ in types])
    values = [v for _, _, v in types]
    save("dtypes", graph, values, values)


def nonzero():
    """The indices of x's non-zero elements: output shape [1, count] depends on the data, not only on
    the input shape (the ONNX backend must not trust output shapes remembered from earlier runs)."""
    graph = helper.make_graph(
        [helper.make_node("NonZero", ["x"], ["y"])],
        "nonzero",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, [1, "M"])])
    x = np.array([1, 0, 2], np.float32)
    save("nonzero", graph, [x], [np.stack(np.nonzero(x)).astype(np.int64)])


def head():
    """x[:, :10]: the MLP's input and output shapes at next to no cost. bench/ml runs the request
    pattern on it as the ceiling of what batching can gain there (a batch cannot make the model run
    cheaper than free)."""
    starts = numpy_helper.from_array(np.array([0], np.int64), "starts")
    ends = numpy_helper.from_array(np.array([10], np.int64), "ends")
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"])],
        "head",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 256])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [starts, ends, axes])
    x = np.arange(3 * 256, dtype=np.float32).reshape(3, 256)
    save("head", graph, [x], [x[:, :10]])


if __name__ == "__main__":
    mlp()
    add_mul()
    sum_rows()
    square()
    dtypes()
    nonzero()
    head()
