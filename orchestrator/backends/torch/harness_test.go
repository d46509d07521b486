package torch_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/backends/torch"
	"github.com/ssrun/ssrun/tensor"
)

// libtorchInstalled reports whether Debian's libtorch-dev is there to build the shim.
func libtorchInstalled() bool {
	_, err := os.Stat("/usr/include/torch/script.h")
	return err == nil
}

var buildOnce struct {
	sync.Once
	lib string
	err error
}

// library returns the shim of this checkout, building it with `make torch-backend` when libtorch is
// installed and the shim is missing or stale. Without libtorch the test skips, except in CI, which
// installs it (ci/setup-torch.sh).
func library(t testing.TB) string {
	t.Helper()
	if !libtorchInstalled() {
		if os.Getenv("CI") != "" {
			t.Fatal("libtorch is not installed: ci/setup-torch.sh installs libtorch-dev python3-torch")
		}
		t.Skip("libtorch is not installed (apt-get install libtorch-dev python3-torch, or bash ci/setup-torch.sh)")
	}
	buildOnce.Do(func() {
		root, err := filepath.Abs("../../..")
		if err != nil {
			buildOnce.err = err
			return
		}
		cmd := exec.Command("make", "-s", "torch-backend")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildOnce.err = &buildError{err: err, out: string(out)}
			return
		}
		buildOnce.lib = filepath.Join(root, ".torch-backend", torch.LibraryName)
	})
	if buildOnce.err != nil {
		t.Fatalf("make torch-backend: %v", buildOnce.err)
	}
	return buildOnce.lib
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// torchBackend is what the loaded backend offers: models, TorchScript scripts and its version.
type torchBackend interface {
	ai.Backend
	ai.ScriptEngine
	Version() string
}

// backend loads the shim.
func backend(t testing.TB) torchBackend {
	t.Helper()
	b, err := torch.Load(library(t), torch.Options{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return b.(torchBackend)
}

// expected is testdata/expected.json, written by make_models.py with PyTorch's own outputs.
type expected struct {
	TorchVersion string     `json:"torch_version"`
	Cases        []testCase `json:"cases"`
}

type testCase struct {
	Name    string       `json:"name"`
	Model   string       `json:"model"`
	Inputs  []jsonTensor `json:"inputs"`
	Outputs []jsonTensor `json:"outputs"`
}

type jsonTensor struct {
	DType  string    `json:"dtype"`
	Shape  []int64   `json:"shape"`
	Values []float64 `json:"values"`
}

func loadExpected(t testing.TB) *expected {
	t.Helper()
	var e expected
	if err := json.Unmarshal(readFile(t, "testdata/expected.json"), &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func (e *expected) find(t testing.TB, name string) testCase {
	for _, c := range e.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %s in expected.json", name)
	return testCase{}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// toTensor builds the ssrun tensor of a JSON tensor.
func (j jsonTensor) toTensor(t testing.TB) *tensor.Tensor {
	t.Helper()
	var out *tensor.Tensor
	var err error
	switch j.DType {
	case "FLOAT":
		v := make([]float32, len(j.Values))
		for i, x := range j.Values {
			v[i] = float32(x)
		}
		out, err = tensor.From(j.Shape, v)
	case "DOUBLE":
		out, err = tensor.From(j.Shape, j.Values)
	case "INT64":
		v := make([]int64, len(j.Values))
		for i, x := range j.Values {
			v[i] = int64(x)
		}
		out, err = tensor.From(j.Shape, v)
	default:
		t.Fatalf("dtype %s", j.DType)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func inputsOf(t testing.TB, c testCase) []*tensor.Tensor {
	in := make([]*tensor.Tensor, len(c.Inputs))
	for i, j := range c.Inputs {
		in[i] = j.toTensor(t)
	}
	return in
}

// compareOutputs checks outputs against PyTorch's: same types and shapes, values within a few ulps
// of float32 (the same libtorch computes both, but thread counts may change summation order).
func compareOutputs(t testing.TB, name string, got []*tensor.Tensor, want []jsonTensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, PyTorch gave %d", name, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.DType.String() != w.DType || !equalShape(g.Shape, w.Shape) {
			t.Fatalf("%s output %d: %s%v, PyTorch gave %s%v", name, i, g.DType, g.Shape, w.DType, w.Shape)
		}
		values := floatValues(t, g)
		for k, x := range w.Values {
			if d := math.Abs(values[k] - x); d > 1e-5*math.Max(1, math.Abs(x)) {
				t.Fatalf("%s output %d element %d: %v, PyTorch gave %v", name, i, k, values[k], x)
			}
		}
	}
}

func floatValues(t testing.TB, g *tensor.Tensor) []float64 {
	t.Helper()
	switch g.DType {
	case tensor.Float:
		v, err := tensor.Values[float32](g)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	case tensor.Double:
		v, err := tensor.Values[float64](g)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Fatalf("unexpected dtype %s", g.DType)
	return nil
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func aiSpec(t testing.TB, file string) ai.ModelSpec {
	return ai.ModelSpec{Device: "CPU", Blob: readFile(t, file)}
}
