package torch_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/backends/torch"
	"github.com/ssrun/ssrun/tensor"
)

// Every model case of expected.json runs through the backend and gives PyTorch's outputs.
func TestModelsMatchPyTorch(t *testing.T) {
	b := backend(t)
	e := loadExpected(t)
	for _, c := range e.Cases {
		if strings.Contains(c.Model, ":") {
			continue // a script function
		}
		t.Run(c.Name, func(t *testing.T) {
			m, err := b.Prepare(ai.ModelSpec{Device: "CPU", Blob: readFile(t, "testdata/"+c.Model)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Run(context.Background(), inputsOf(t, c))
			if err != nil {
				t.Fatal(err)
			}
			compareOutputs(t, c.Name, got, c.Outputs)
		})
	}
}

// Input and output names come from forward's schema, as RedisAI reports them: parameter names, and
// one "" per returned tensor.
func TestModelSignature(t *testing.T) {
	b := backend(t)
	for _, tc := range []struct {
		file, want string
		variadic   bool
	}{
		{"cnn.pt", "x->1", false},
		{"two_io.pt", "a,b->2", false},
		{"list_input.pt", "xs->1", true},
	} {
		m, err := b.Prepare(ai.ModelSpec{Device: "CPU", Blob: readFile(t, "testdata/"+tc.file)})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(m.Inputs(), ",") + "->" + string(rune('0'+len(m.Outputs())))
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.file, got, tc.want)
		}
		v := m.(interface{ VariadicInputs() bool }).VariadicInputs()
		if v != tc.variadic {
			t.Errorf("%s: VariadicInputs %v", tc.file, v)
		}
	}
}

// A blob that is not a TorchScript archive fails with libtorch's message; wrong inputs fail the run
// with a message naming the problem; UINT16 and STRING tensors are refused before libtorch.
func TestModelErrors(t *testing.T) {
	b := backend(t)
	if _, err := b.Prepare(ai.ModelSpec{Device: "CPU", Blob: []byte("not a model")}); err == nil ||
		!strings.Contains(err.Error(), "PytorchStreamReader") {
		t.Fatalf("bad blob: %v", err)
	}
	m, err := b.Prepare(ai.ModelSpec{Device: "CPU", Blob: readFile(t, "testdata/two_io.pt")})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.From([]int64{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	if _, err := m.Run(context.Background(), []*tensor.Tensor{x}); err == nil || !strings.Contains(err.Error(), "Wrong number of inputs") {
		t.Fatalf("one input for two: %v", err)
	}
	y, _ := tensor.From([]int64{3, 2}, []float32{1, 2, 3, 4, 5, 6})
	if _, err := m.Run(context.Background(), []*tensor.Tensor{x, y}); err == nil || !strings.Contains(err.Error(), "size of tensor a (3) must match the size of tensor b (2)") {
		t.Fatalf("mismatched shapes: %v", err)
	}
	u16, _ := tensor.From([]int64{1}, []uint16{1})
	if _, err := m.Run(context.Background(), []*tensor.Tensor{u16, u16}); err == nil || !strings.Contains(err.Error(), "store the tensor as INT32") {
		t.Fatalf("uint16: %v", err)
	}
}

// An output that is the input itself is handed back as a copy: the tensor stays valid and
// independent of the input's memory.
func TestOutputAliasingInputIsCopied(t *testing.T) {
	b := backend(t)
	s, err := b.Compile("CPU", []byte("def same(x):\n    return x\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.From([]int64{2}, []float32{1, 2})
	out, err := s.Run(context.Background(), ai.ScriptCall{Function: "same", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if err != nil {
		t.Fatal(err)
	}
	x.Data[0] = 0xff
	if got, _ := tensor.Values[float32](out[0]); got[0] != 1 || got[1] != 2 {
		t.Fatalf("output %v changed with its input", got)
	}
}

// Misaligned input memory (a tensor sliced out of a larger buffer, as stored arguments are) gives the
// same result as aligned memory.
func TestMisalignedInput(t *testing.T) {
	b := backend(t)
	s, err := b.Compile("CPU", []byte("def double(x):\n    return x * 2\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.From([]int64{3}, []float64{1.5, 2.5, 3.5})
	buf := append([]byte{0}, x.Data...)
	shifted := &tensor.Tensor{DType: tensor.Double, Shape: x.Shape, Data: buf[1:]}
	out, err := s.Run(context.Background(), ai.ScriptCall{Function: "double", Inputs: []*tensor.Tensor{shifted}, Variadic: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tensor.Values[float64](out[0]); got[0] != 3 || got[2] != 7 {
		t.Fatalf("got %v", got)
	}
}

// Loader resolves AI.CONFIG LOADBACKEND paths: the file, its directory, a name under BACKENDSPATH;
// another backend name and a missing file are refused with what was looked at.
func TestLoaderResolvesPaths(t *testing.T) {
	lib := library(t)
	dir := lib[:strings.LastIndex(lib, "/")]
	load := torch.Loader(torch.Options{}, func() string { return dir })
	for _, path := range []string{dir, torch.LibraryName, lib} {
		b, err := load("TORCH", path)
		if err != nil || b.Name() != "TORCH" {
			t.Fatalf("LOADBACKEND TORCH %s: %v", path, err)
		}
	}
	if _, err := load("ONNX", lib); err == nil {
		t.Fatal("ONNX through the TORCH loader was accepted")
	}
	if _, err := load("TORCH", t.TempDir()); err == nil || !strings.Contains(err.Error(), "make torch-backend") {
		t.Fatalf("empty directory: %v", err)
	}
}

// The version is libtorch's, as INFO shows it.
func TestVersion(t *testing.T) {
	b := backend(t)
	if v := b.Version(); !strings.HasPrefix(v, "1.") && !strings.HasPrefix(v, "2.") {
		t.Fatalf("version %q", v)
	}
}
