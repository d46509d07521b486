package torch_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/tensor"
)

// The functions of preprocess.txt, compiled by the backend, give what PyTorch's own compiler gave:
// positional tensors, a List[Tensor] parameter, and RedisAI 1.2's entry point with keys and args.
func TestScriptsMatchPyTorch(t *testing.T) {
	b := backend(t)
	e := loadExpected(t)
	src := readFile(t, "testdata/preprocess.txt")
	s, err := b.Compile("CPU", src, []string{"pre"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Cases {
		_, fn, ok := strings.Cut(c.Model, ":")
		if !ok {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			call := ai.ScriptCall{Function: fn, Inputs: inputsOf(t, c), Variadic: -1}
			if fn == "pre" {
				call.Keys, call.Args = [][]byte{[]byte("k")}, [][]byte{[]byte("3")}
			}
			got, err := s.Run(context.Background(), call)
			if err != nil {
				t.Fatal(err)
			}
			compareOutputs(t, c.Name, got, c.Outputs)
		})
	}
}

// Compile and run errors carry RedisAI's texts.
func TestScriptErrors(t *testing.T) {
	b := backend(t)
	src := readFile(t, "testdata/preprocess.txt")
	for _, tc := range []struct {
		entry []string
		want  string
	}{
		{[]string{"missing"}, "Function missing does not exist in the given script."},
		{[]string{"scale_add"}, "Wrong number of inputs in function scale_add. Expected 3 but was 2"},
	} {
		if _, err := b.Compile("CPU", src, tc.entry); err == nil || err.Error() != tc.want {
			t.Errorf("entry points %v: %v, want %q", tc.entry, err, tc.want)
		}
	}
	bad := "def f(a: List[Tensor], b: List[str], c: int):\n    return a[0]\n"
	if _, err := b.Compile("CPU", []byte(bad), []string{"f"}); err == nil ||
		err.Error() != "Wrong inputs type in function f. Expected signature similar to: def f(tensors: List[Tensor], keys: List[str], args: List[str])" {
		t.Errorf("wrong types: %v", err)
	}
	if _, err := b.Compile("CPU", []byte("def f(x):\n    return y\n"), nil); err == nil || !strings.Contains(err.Error(), "undefined value y") {
		t.Errorf("undefined name: %v", err)
	}
	s, err := b.Compile("CPU", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.From([]int64{2}, []float32{1, 2})
	if _, err := s.Run(context.Background(), ai.ScriptCall{Function: "nope", Inputs: []*tensor.Tensor{x}, Variadic: -1}); err == nil || err.Error() != "Function does not exist: nope" {
		t.Errorf("missing function: %v", err)
	}
}

// Outputs of other types and ranks come back as RedisAI tensors: a 0-d sum, INT64 indices, BOOL.
func TestScriptOutputTypes(t *testing.T) {
	b := backend(t)
	src := "def stats(x):\n    return x.sum(), torch.argmax(x, 1), x > 2\n"
	s, err := b.Compile("CPU", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.From([]int64{2, 2}, []float32{1, 4, 3, 2})
	out, err := s.Run(context.Background(), ai.ScriptCall{Function: "stats", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || len(out[0].Shape) != 0 || out[1].DType != tensor.Int64 || out[2].DType != tensor.Bool {
		t.Fatalf("outputs %v", out)
	}
	sum, _ := tensor.Values[float32](out[0])
	idx, _ := tensor.Values[int64](out[1])
	gt, _ := tensor.Values[bool](out[2])
	if sum[0] != 10 || idx[0] != 1 || idx[1] != 0 || gt[0] || !gt[1] || !gt[2] || gt[3] {
		t.Fatalf("sum %v argmax %v gt %v", sum, idx, gt)
	}
}
