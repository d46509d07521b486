"""Makes the TORCH backend's test models and their expected outputs with Debian's python3-torch.

Run with /usr/bin/python3 from this directory (torch.jit.script needs the modules' source in a file,
so this cannot run under `python3 -c`). Every file it writes is committed; the Go test
TestModelsAreReproducible reruns it and checks they are byte for byte what it makes.

Models (TorchScript archives, torch.jit.save):
  cnn.pt        a small CNN traced with torch.jit.trace: x[N,1,8,8] float -> logits[N,10]
  two_io.pt     torch.jit.script of a module with two inputs and two outputs:
                (a[N,3] float, b[N,3] float) -> (a+b, a*b)
  list_input.pt torch.jit.script of a module whose forward takes a List[Tensor] (their sum)
  cnn.onnx      the CNN exported with torch.onnx.export, for the ONNX Runtime comparison in bench/
Scripts (TorchScript source text, as SmartRedis's set_script sends it):
  preprocess.txt functions normalize(x), scale_add(x, y), sum_list(xs: List[Tensor]) and the
                 RedisAI 1.2 entry point pre(tensors, keys, args)
expected.json: for every case, its inputs and the outputs PyTorch computed for them.
"""

import json
import os
import threading
from typing import List

import torch


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(4, 8, kernel_size=3, padding=1)
        self.fc = torch.nn.Linear(8 * 2 * 2, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class TwoInTwoOut(torch.nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor):
        return a + b, a * b


class ListInput(torch.nn.Module):
    def forward(self, xs: List[torch.Tensor]) -> torch.Tensor:
        total = xs[0]
        for i in range(1, len(xs)):
            total = total + xs[i]
        return total


PREPROCESS = '''def normalize(x):
    return (x - torch.mean(x)) / torch.std(x)

def scale_add(x, y):
    return 2 * x + y

def sum_list(xs: List[Tensor]):
    return torch.stack(xs).sum(0)

def pre(tensors: List[Tensor], keys: List[str], args: List[str]):
    scale = float(args[0])
    return tensors[0] * scale, tensors[1] + tensors[0]
'''


def tensor_json(t):
    t = t.detach().contiguous()
    dtype = {torch.float32: "FLOAT", torch.float64: "DOUBLE", torch.int64: "INT64"}[t.dtype]
    return {"dtype": dtype, "shape": list(t.shape), "values": t.flatten().tolist()}


def case(name, model, inputs, outputs):
    if isinstance(outputs, torch.Tensor):
        outputs = [outputs]
    return {"name": name, "model": model,
            "inputs": [tensor_json(t) for t in inputs],
            "outputs": [tensor_json(t) for t in outputs]}


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cases = []

    cnn = SmallCNN().eval()
    example = torch.randn(1, 1, 8, 8)
    traced = torch.jit.trace(cnn, example)
    traced.save("cnn.pt")
    with torch.no_grad():
        for n in (1, 4):
            x = torch.randn(n, 1, 8, 8)
            cases.append(case("cnn_batch%d" % n, "cnn.pt", [x], traced(x)))
        torch.onnx.export(cnn, example, "cnn.onnx", input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)

    two = torch.jit.script(TwoInTwoOut())
    two.save("two_io.pt")
    a, b = torch.randn(2, 3), torch.randn(2, 3)
    cases.append(case("two_io", "two_io.pt", [a, b], list(two(a, b))))

    lst = torch.jit.script(ListInput())
    lst.save("list_input.pt")
    xs = [torch.randn(2, 2) for _ in range(3)]
    cases.append(case("list_input", "list_input.pt", xs, lst(xs)))

    with open("preprocess.txt", "w") as f:
        f.write(PREPROCESS)
    cu = torch.jit.CompilationUnit(PREPROCESS)
    x, y = torch.randn(2, 3), torch.randn(2, 3)
    cases.append(case("script_normalize", "preprocess.txt:normalize", [x], cu.normalize(x)))
    cases.append(case("script_scale_add", "preprocess.txt:scale_add", [x, y], cu.scale_add(x, y)))
    cases.append(case("script_sum_list", "preprocess.txt:sum_list", [x, y, x], cu.sum_list([x, y, x])))
    cases.append(case("script_pre", "preprocess.txt:pre", [x, y], list(cu.pre([x, y], ["k"], ["3"]))))

    with open("expected.json", "w") as f:
        json.dump({"torch_version": torch.__version__.split("+")[0], "cases": cases}, f, indent=1)
        f.write("\n")


def run_main(failure):
    """Runs main, keeping its exception for the main thread."""
    try:
        main()
    except BaseException as e:  # re-raised by the caller
        failure.append(e)


if __name__ == "__main__":
    # TorchScript archives record source files and the Python stack of a trace in their debug info.
    # Python gives this file an absolute path, which would make the archives depend on where the
    # checkout is, so the file is compiled again under its bare name from its own directory and run
    # on a thread of its own (whose stack does not include this frame).
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    with open("make_models.py") as f:
        code = compile(f.read(), "make_models.py", "exec")
    namespace = {"__name__": "make_models"}
    exec(code, namespace)
    failure = []
    worker = threading.Thread(target=namespace["run_main"], args=(failure,))
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
