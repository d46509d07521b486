"""Makes the files of the ML examples with Debian's python3-torch (run with /usr/bin/python3 from here).

  cnn.pt         a small CNN traced with torch.jit.trace: x[N,1,8,8] -> logits[N,10] (model from file)
  _affine_pt.star the TorchScript archive of a scripted module computing 2*x + 1, as a Starlark bytes
                 literal AFFINE_PT, so a driver can attach it in memory (add_ml_model(model=...)); the
                 leading _ keeps `ssrun test` from taking it for a suite
  cnn_expected.json PyTorch's output of the CNN for the input the application sends (1, 2, ..., 64)
  preprocess.py  TorchScript source: normalize(x) and the RedisAI 1.2 entry point (script from file)
"""

import io
import json
import os

import torch


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.fc = torch.nn.Linear(4 * 4 * 4, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(x, 1))


class Affine(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * x + 1


PREPROCESS = '''def normalize(x):
    return (x - torch.mean(x)) / torch.std(x)

def scale(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] * float(args[0])
'''


def main():
    torch.manual_seed(0)
    cnn = torch.jit.trace(SmallCNN().eval(), torch.zeros(1, 1, 8, 8))
    cnn.save("cnn.pt")
    with torch.no_grad():
        logits = cnn(torch.arange(1, 65, dtype=torch.float32).reshape(1, 1, 8, 8))
    with open("cnn_expected.json", "w") as f:
        json.dump({"shape": list(logits.shape), "values": logits.flatten().tolist()}, f)
        f.write("\n")
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(Affine()), buf)
    literal = "".join("\\x%02x" % b for b in buf.getvalue())
    with open("_affine_pt.star", "w") as f:
        f.write("# Made by make_files.py: the TorchScript archive of a module computing 2*x + 1.\n")
        f.write('AFFINE_PT = b"' + literal + '"\n')
    with open("preprocess.py", "w") as f:
        f.write(PREPROCESS)


def run_main(failure):
    try:
        main()
    except BaseException as e:
        failure.append(e)


if __name__ == "__main__":
    # As in orchestrator/backends/torch/testdata/make_models.py: compile this file under its bare name
    # and run it on its own thread, so the archives' debug info holds no absolute path.
    import threading
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    with open("make_files.py") as f:
        code = compile(f.read(), "make_files.py", "exec")
    namespace = {"__name__": "make_files"}
    exec(code, namespace)
    failure = []
    worker = threading.Thread(target=namespace["run_main"], args=(failure,))
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
