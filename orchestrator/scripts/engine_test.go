package scripts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/tensor"
)

func float32s(t *testing.T, shape []int64, vs ...float32) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromFloat32(shape, vs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func compile(t *testing.T, e *Engine, src string, entryPoints ...string) ai.CompiledScript {
	t.Helper()
	s, err := e.Compile("CPU", []byte(src), entryPoints)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run calls fn and returns its outputs printed as values.
func run(t *testing.T, s ai.CompiledScript, call ai.ScriptCall) []*tensor.Tensor {
	t.Helper()
	if call.Variadic == 0 && call.Inputs == nil {
		call.Variadic = -1
	}
	out, err := s.Run(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSeedFunctionsRunUnchanged(t *testing.T) {
	s := compile(t, New(), "def negate(x):\n    return torch.neg(x)\n\ndef timestwo(x):\n    return 2*x\n", "negate", "timestwo")
	x := float32s(t, []int64{2}, 1.5, -2)
	got := run(t, s, ai.ScriptCall{Function: "negate", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if want := float32s(t, []int64{2}, -1.5, 2); !got[0].Equal(want) {
		t.Errorf("negate = %v, want %v", got[0], want)
	}
	got = run(t, s, ai.ScriptCall{Function: "timestwo", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if want := float32s(t, []int64{2}, 3, -4); !got[0].Equal(want) {
		t.Errorf("timestwo = %v, want %v", got[0], want)
	}
}

func TestCallingConventions(t *testing.T) {
	src := `
def pair(a, b):
    return a + b

def redisai(tensors, keys, args):
    return tensors[0] * float(args[0]) + len(keys)

def total(first, rest):
    return first + torch.stack(rest).sum(0)

def three(a, b, c):
    return a + b + c

def star(*xs):
    return torch.cat(xs).sum(0, keepdim=True)

def scaled(x, factor=3):
    return x * factor
`
	s := compile(t, New(), src)
	one := float32s(t, []int64{1}, 1)
	two := float32s(t, []int64{1}, 2)
	cases := []struct {
		name string
		call ai.ScriptCall
		want float32
	}{
		{"positional", ai.ScriptCall{Function: "pair", Inputs: []*tensor.Tensor{one, two}, Variadic: -1}, 3},
		{"keys and args", ai.ScriptCall{Function: "redisai", Inputs: []*tensor.Tensor{two},
			Keys: [][]byte{[]byte("k1"), []byte("k2")}, Args: [][]byte{[]byte("10")}, Variadic: -1}, 22},
		{"inputs only, redisai signature", ai.ScriptCall{Function: "three", Inputs: []*tensor.Tensor{one, one, two}, Variadic: -1}, 4},
		{"variadic", ai.ScriptCall{Function: "total", Inputs: []*tensor.Tensor{one, two, two}, Variadic: 1}, 5},
		{"star args", ai.ScriptCall{Function: "star", Inputs: []*tensor.Tensor{one, two, two}, Variadic: -1}, 5},
		{"default", ai.ScriptCall{Function: "scaled", Inputs: []*tensor.Tensor{two}, Variadic: -1}, 6},
		{"default given", ai.ScriptCall{Function: "scaled", Inputs: []*tensor.Tensor{two, two}, Variadic: -1}, 4},
	}
	for _, c := range cases {
		got := run(t, s, c.call)
		vals, err := got[0].AsFloat32()
		if err != nil || len(vals) != 1 || vals[0] != c.want {
			t.Errorf("%s: got %v (%v), want [%v]", c.name, vals, err, c.want)
		}
	}
	// A RedisAI-style function given only INPUTS gets empty KEYS and ARGS lists.
	s = compile(t, New(), "def f(tensors, keys, args):\n    return torch.cat(tensors) * (len(keys) + len(args) + 1)\n")
	got := run(t, s, ai.ScriptCall{Function: "f", Inputs: []*tensor.Tensor{one, two}, Variadic: -1})
	if vals, _ := got[0].AsFloat32(); len(vals) != 2 || vals[0] != 1 || vals[1] != 2 {
		t.Errorf("redisai signature with INPUTS only: got %v", vals)
	}
}

func TestOutputs(t *testing.T) {
	src := `
def rows(x):
    return x[0], x[1]

def as_list(x):
    return [x.long(), x.double()]

def maxes(x):
    return torch.max(x, 1)

def number(x):
    return 1

def mixed(x):
    return (x, "no")
`
	s := compile(t, New(), src)
	x := float32s(t, []int64{2, 2}, 1, 2, 3, 4)
	got := run(t, s, ai.ScriptCall{Function: "rows", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if len(got) != 2 || !got[1].Equal(float32s(t, []int64{2}, 3, 4)) {
		t.Errorf("rows = %v", got)
	}
	got = run(t, s, ai.ScriptCall{Function: "as_list", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if got[0].DType != tensor.Int64 || got[1].DType != tensor.Double {
		t.Errorf("as_list dtypes = %v, %v", got[0].DType, got[1].DType)
	}
	got = run(t, s, ai.ScriptCall{Function: "maxes", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if idx, _ := got[1].AsInt64(); len(got) != 2 || idx[0] != 1 || idx[1] != 1 {
		t.Errorf("maxes = %v", got)
	}
	for fn, want := range map[string]string{
		"number": "function number returned int; a script function must return a Tensor or a tuple of Tensors",
		"mixed":  "function mixed returned string as output 1",
	} {
		_, err := s.Run(context.Background(), ai.ScriptCall{Function: fn, Inputs: []*tensor.Tensor{x}, Variadic: -1})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", fn, err, want)
		}
	}
}

// TestInputDTypes round-trips every RedisAI dtype torch has through a script.
func TestInputDTypes(t *testing.T) {
	s := compile(t, New(), "def same(x):\n    return x\n")
	inputs := []*tensor.Tensor{}
	add := func(x *tensor.Tensor, err error) {
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, x)
	}
	add(tensor.FromFloat64([]int64{2}, []float64{0.1, -2}))
	add(tensor.FromInt8([]int64{2}, []int8{-128, 127}))
	add(tensor.FromInt16([]int64{1}, []int16{-300}))
	add(tensor.FromInt32([]int64{1}, []int32{1 << 30}))
	add(tensor.FromInt64([]int64{1}, []int64{1<<62 + 1}))
	add(tensor.FromUint8([]int64{1}, []uint8{255}))
	add(tensor.FromUint16([]int64{1}, []uint16{65535}))
	add(tensor.FromBool([]int64{2}, []bool{true, false}))
	add(tensor.FromFloat32([]int64{1, 1}, []float32{0.1}))
	for _, in := range inputs {
		got := run(t, s, ai.ScriptCall{Function: "same", Inputs: []*tensor.Tensor{in}, Variadic: -1})
		if !got[0].Equal(in) {
			t.Errorf("%v came back as %v", in, got[0])
		}
	}
	str, _ := tensor.FromStrings([]int64{1}, []string{"a"})
	_, err := s.Run(context.Background(), ai.ScriptCall{Function: "same", Inputs: []*tensor.Tensor{str}, Variadic: -1})
	if err == nil || !strings.Contains(err.Error(), "STRING tensors cannot be script inputs") {
		t.Errorf("string input: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ src, entry, want string }{
		{"def f(x):\n    return x +\n", "", "script:2:15: got newline, want primary expression"},
		{"def f(x):\n    return y\n", "", "script:2:12: undefined: y"},
		{"load('x.star', 'y')\n", "", "load is not available in database scripts"},
		{"x = 1 // 0\n", "", "floored division by zero"},
		{"def f(x):\n    return x\n", "g", "Function g does not exist in the given script."},
		{"g = 1\n", "g", "Function g does not exist in the given script."},
		{"def f(x):\n    return f(x)\n", "", ""}, // compiles; recursion fails when called
	}
	for _, c := range cases {
		var entries []string
		if c.entry != "" {
			entries = []string{c.entry}
		}
		_, err := New().Compile("CPU", []byte(c.src), entries)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.src, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestRuntimeErrorsCarryTheBacktrace(t *testing.T) {
	src := "def helper(x):\n    return torch.matmul(x, x)\n\ndef f(x):\n    y = x * 2\n    return helper(y)\n"
	s := compile(t, New(), src, "f")
	_, err := s.Run(context.Background(), ai.ScriptCall{Function: "f", Inputs: []*tensor.Tensor{float32s(t, []int64{2, 3}, 1, 2, 3, 4, 5, 6)}, Variadic: -1})
	want := "Traceback (most recent call last): | script:6:18: in f | script:2:24: in helper | " +
		"Error in matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant\n%s", err, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Error("the error spans lines; a reply must be one line")
	}
	_, err = s.Run(context.Background(), ai.ScriptCall{Function: "nope", Variadic: -1})
	if err == nil || err.Error() != "Function does not exist: nope" {
		t.Errorf("missing function: %v", err)
	}
	_, err = s.Run(context.Background(), ai.ScriptCall{Function: "f", Variadic: -1})
	if err == nil || !strings.Contains(err.Error(), "function f missing 1 argument (x)") {
		t.Errorf("missing argument: %v", err)
	}
	r := compile(t, New(), "def f(x):\n    return f(x)\n")
	_, err = r.Run(context.Background(), ai.ScriptCall{Function: "f", Inputs: []*tensor.Tensor{float32s(t, []int64{1}, 1)}, Variadic: -1})
	if err == nil || !strings.Contains(err.Error(), "called recursively") {
		t.Errorf("recursion: %v", err)
	}
}

func TestStepLimit(t *testing.T) {
	src := "def spin(x):\n    n = 0\n    while True:\n        n += 1\n    return x\n"
	s := compile(t, &Engine{MaxSteps: 10_000}, src, "spin")
	_, err := s.Run(context.Background(), ai.ScriptCall{Function: "spin", Inputs: []*tensor.Tensor{float32s(t, []int64{1}, 1)}, Variadic: -1})
	if err == nil || !strings.Contains(err.Error(), "too many steps") || !strings.Contains(err.Error(), "in spin") ||
		!strings.Contains(err.Error(), "step limit of 10000 steps per call") {
		t.Errorf("step limit: %v", err)
	}
	_, err = (&Engine{MaxSteps: 10_000}).Compile("CPU", []byte("n = 0\nwhile True:\n    n += 1\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "too many steps") {
		t.Errorf("step limit at top level: %v", err)
	}
}

func TestCancellationStopsAScript(t *testing.T) {
	src := "def spin(x):\n    while True:\n        pass\n    return x\n"
	s := compile(t, &Engine{MaxSteps: 1 << 62}, src, "spin")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := s.Run(ctx, ai.ScriptCall{Function: "spin", Inputs: []*tensor.Tensor{float32s(t, []int64{1}, 1)}, Variadic: -1})
	if err == nil || !strings.Contains(err.Error(), "the server is shutting down") {
		t.Errorf("cancel: %v", err)
	}
}

// TestConcurrentCalls runs one compiled script from many goroutines (the globals are frozen and shared).
func TestConcurrentCalls(t *testing.T) {
	s := compile(t, New(), "scale = 3\n\ndef f(x):\n    return x * scale\n", "f")
	done := make(chan error)
	for k := range 8 {
		go func() {
			x := float32s(t, []int64{1}, float32(k))
			out, err := s.Run(context.Background(), ai.ScriptCall{Function: "f", Inputs: []*tensor.Tensor{x}, Variadic: -1})
			if err == nil {
				if v, _ := out[0].AsFloat32(); v[0] != float32(3*k) {
					err = context.Canceled
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestTopLevelTensorsAreReadOnly: tensors made at the top level are shared by every call, so writing
// to them, or through a view of them, fails; writing to a clone works.
func TestTopLevelTensorsAreReadOnly(t *testing.T) {
	src := `
W = torch.zeros(2, 2)
PAIR = torch.max(W, 0)

def direct(x):
    W[0] = 1
    return x

def through_view(x):
    v = W.view(4)
    v[0] = 1
    return x

def through_result(x):
    PAIR.values[0] = 1
    return x

def on_clone(x):
    c = W.clone()
    c[0] = x
    return c
`
	s := compile(t, New(), src)
	x := float32s(t, []int64{2}, 3, 4)
	for _, fn := range []string{"direct", "through_view", "through_result"} {
		_, err := s.Run(context.Background(), ai.ScriptCall{Function: fn, Inputs: []*tensor.Tensor{x}, Variadic: -1})
		if err == nil || !strings.Contains(err.Error(), "cannot assign to a tensor made at the script's top level") {
			t.Errorf("%s: %v", fn, err)
		}
	}
	got := run(t, s, ai.ScriptCall{Function: "on_clone", Inputs: []*tensor.Tensor{x}, Variadic: -1})
	if want := float32s(t, []int64{2, 2}, 3, 4, 0, 0); !got[0].Equal(want) {
		t.Errorf("on_clone = %v, want %v", got[0], want)
	}
}

// TestSmartRedisPreProcessScript runs the data-processing script of SmartRedis's test suite as it is
// written for TorchScript (indexed assignment, .float(), .to(inp.device)).
func TestSmartRedisPreProcessScript(t *testing.T) {
	src := `
def pre_process(inp):
    mean = torch.zeros(1).float().to(inp.device)
    mean[0] = 2.0
    temp = inp.float() - mean
    return temp
`
	s := compile(t, New(), src, "pre_process")
	in, _ := tensor.FromInt32([]int64{2, 2}, []int32{1, 2, 3, 4})
	got := run(t, s, ai.ScriptCall{Function: "pre_process", Inputs: []*tensor.Tensor{in}, Variadic: -1})
	if want := float32s(t, []int64{2, 2}, -1, 0, 1, 2); !got[0].Equal(want) {
		t.Errorf("pre_process = %v, want %v", got[0], want)
	}
}
