package torch_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/tensor"
)

// startServer runs a real `ssrun db` shard on a free loopback port with the TORCH backend loaded
// (unless lib is empty) and the given script engine choice.
func startServer(t testing.TB, lib, engine string, threads int) string {
	t.Helper()
	s, err := orchestrator.New(orchestrator.Config{Name: "torch-test", Port: 0, TorchBackend: lib, ScriptEngine: engine,
		Threads: threads, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Addr()
}

func newClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// do runs a command that must succeed.
func do(t testing.TB, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := c.Do(context.Background(), args...).Result()
	if err != nil {
		t.Fatalf("%v: %v", args[:min(len(args), 4)], err)
	}
	return v
}

// fails runs a command that must fail with want.
func fails(t testing.TB, c *redis.Client, want string, args ...any) {
	t.Helper()
	err := c.Do(context.Background(), args...).Err()
	if err == nil || err.Error() != want {
		t.Fatalf("%v: got %v, want %q", args[:min(len(args), 4)], err, want)
	}
}

func setTensor(t testing.TB, c *redis.Client, key string, x *tensor.Tensor) {
	t.Helper()
	args := []any{"AI.TENSORSET", key, x.DType.String()}
	for _, d := range x.Shape {
		args = append(args, d)
	}
	do(t, c, append(args, "BLOB", x.Data)...)
}

func getTensor(t testing.TB, c *redis.Client, key string) *tensor.Tensor {
	t.Helper()
	v := do(t, c, "AI.TENSORGET", key, "META", "BLOB").([]any)
	dtype, _ := tensor.ParseDType(v[1].(string))
	shape := []int64{}
	for _, d := range v[3].([]any) {
		shape = append(shape, d.(int64))
	}
	x, err := tensor.New(dtype, shape, []byte(v[5].(string)))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// execute runs AI.MODELEXECUTE model INPUTS ... OUTPUTS ... on the inputs of a case and returns the
// outputs.
func execute(t testing.TB, c *redis.Client, model string, in []*tensor.Tensor, nout int, prefix string) []*tensor.Tensor {
	t.Helper()
	args := []any{"AI.MODELEXECUTE", model, "INPUTS", len(in)}
	for i, x := range in {
		k := prefix + "in" + string(rune('0'+i))
		setTensor(t, c, k, x)
		args = append(args, k)
	}
	args = append(args, "OUTPUTS", nout)
	for i := range nout {
		args = append(args, prefix+"out"+string(rune('0'+i)))
	}
	if v := do(t, c, args...); v != "OK" {
		t.Fatalf("MODELEXECUTE %s: %v", model, v)
	}
	out := make([]*tensor.Tensor, nout)
	for i := range out {
		out[i] = getTensor(t, c, prefix+"out"+string(rune('0'+i)))
	}
	return out
}

// Models stored with AI.MODELSTORE ... TORCH run through MODELEXECUTE with PyTorch's outputs: a CNN,
// two inputs and two outputs, a list input fed by three keys; MODELGET reports forward's names.
func TestServerModelsMatchPyTorch(t *testing.T) {
	c := newClient(t, startServer(t, library(t), "", 2))
	e := loadExpected(t)
	for _, name := range []string{"cnn_batch1", "cnn_batch4", "two_io", "list_input"} {
		tc := e.find(t, name)
		do(t, c, "AI.MODELSTORE", name, "TORCH", "CPU", "BLOB", readFile(t, "testdata/"+tc.Model))
		got := execute(t, c, name, inputsOf(t, tc), len(tc.Outputs), name+".")
		compareOutputs(t, name, got, tc.Outputs)
	}
	meta := do(t, c, "AI.MODELGET", "two_io", "META").([]any)
	if in, out := meta[11].([]any), meta[13].([]any); len(in) != 2 || in[0] != "a" || in[1] != "b" || len(out) != 2 || out[0] != "" {
		t.Fatalf("MODELGET META inputs %v outputs %v", in, out)
	}
	fails(t, c, "Number of keys given as INPUTS here does not match model definition",
		"AI.MODELEXECUTE", "two_io", "INPUTS", 1, "two_io.in0", "OUTPUTS", 2, "o1", "o2")
	// A GPU model runs on the CPU (the queue logs it).
	do(t, c, "AI.MODELSTORE", "gpu", "TORCH", "GPU:0", "BLOB", readFile(t, "testdata/two_io.pt"))
	got := execute(t, c, "gpu", inputsOf(t, e.find(t, "two_io")), 2, "gpu.")
	compareOutputs(t, "two_io on GPU:0", got, e.find(t, "two_io").Outputs)
	fails(t, c, "PytorchStreamReader failed reading zip archive: not a ZIP archive",
		"AI.MODELSTORE", "bad", "TORCH", "CPU", "BLOB", "not a model")
}

// Concurrent clients running the CNN with BATCHSIZE are batched into one run and each gets its own
// rows of PyTorch's batch-4 output.
func TestServerBatching(t *testing.T) {
	addr := startServer(t, library(t), "", 1)
	tc := loadExpected(t).find(t, "cnn_batch4")
	in := inputsOf(t, tc)[0]
	want := tc.Outputs[0]
	setup := newClient(t, addr)
	do(t, setup, "AI.MODELSTORE", "cnn", "TORCH", "CPU", "BATCHSIZE", 4, "MINBATCHSIZE", 4, "MINBATCHTIMEOUT", 2000,
		"BLOB", readFile(t, "testdata/cnn.pt"))
	var wg sync.WaitGroup
	for i := range 4 {
		c := newClient(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			row, err := in.Slice(int64(i), 1)
			if err != nil {
				t.Error(err)
				return
			}
			got := execute(t, c, "cnn", []*tensor.Tensor{row}, 1, "c"+string(rune('0'+i))+".")
			w := jsonTensor{DType: want.DType, Shape: []int64{1, 10}, Values: want.Values[i*10 : i*10+10]}
			compareOutputs(t, "row", got, []jsonTensor{w})
		}()
	}
	wg.Wait()
	info := do(t, setup, "AI.INFO", "cnn").([]any)
	if samples, calls := info[13], info[15]; samples != int64(4) || calls != int64(4) {
		t.Fatalf("AI.INFO samples %v calls %v, want 4 and 4", samples, calls)
	}
}

// TorchScript scripts: SCRIPTSTORE with an entry point and SCRIPTEXECUTE with KEYS, INPUTS and ARGS
// (RedisAI 1.2); SCRIPTSET and SmartRedis's SCRIPTRUN with positional tensors and a "$" list; an
// indented source; RedisAI's error texts; a DAG running a model then a script.
func TestServerScripts(t *testing.T) {
	c := newClient(t, startServer(t, library(t), "", 2))
	e := loadExpected(t)
	src := readFile(t, "testdata/preprocess.txt")
	do(t, c, "AI.SCRIPTSTORE", "pre", "CPU", "ENTRY_POINTS", 1, "pre", "SOURCE", src)
	tc := e.find(t, "script_pre")
	in := inputsOf(t, tc)
	setTensor(t, c, "x", in[0])
	setTensor(t, c, "y", in[1])
	do(t, c, "AI.SCRIPTEXECUTE", "pre", "pre", "KEYS", 1, "k", "INPUTS", 2, "x", "y", "ARGS", 1, "3", "OUTPUTS", 2, "o1", "o2")
	compareOutputs(t, "pre", []*tensor.Tensor{getTensor(t, c, "o1"), getTensor(t, c, "o2")}, tc.Outputs)
	// AI.INFO as RedisAI's test_pytorch_scriptexecute reads it.
	info := do(t, c, "AI.INFO", "pre").([]any)
	fields := map[string]any{}
	for i := 0; i+1 < len(info); i += 2 {
		fields[info[i].(string)] = info[i+1]
	}
	if fields["type"] != "SCRIPT" || fields["backend"] != "TORCH" || fields["samples"] != int64(-1) ||
		fields["calls"] != int64(1) || fields["errors"] != int64(0) {
		t.Fatalf("AI.INFO pre: %v", fields)
	}

	do(t, c, "AI.SCRIPTSET", "legacy", "CPU", "SOURCE", src)
	do(t, c, "AI.SCRIPTRUN", "legacy", "scale_add", "INPUTS", "x", "y", "OUTPUTS", "sa")
	compareOutputs(t, "scale_add", []*tensor.Tensor{getTensor(t, c, "sa")}, e.find(t, "script_scale_add").Outputs)
	do(t, c, "AI.SCRIPTRUN", "legacy", "sum_list", "INPUTS", "$", "x", "y", "x", "OUTPUTS", "sl")
	compareOutputs(t, "sum_list", []*tensor.Tensor{getTensor(t, c, "sl")}, e.find(t, "script_sum_list").Outputs)
	do(t, c, "AI.SCRIPTEXECUTE", "legacy", "normalize", "INPUTS", 1, "x", "OUTPUTS", 1, "n")
	compareOutputs(t, "normalize", []*tensor.Tensor{getTensor(t, c, "n")}, e.find(t, "script_normalize").Outputs)

	// What SmartRedis's set_function sends for a nested function: every line indented.
	indented := "    def neg(x):\n        return -x\n"
	do(t, c, "AI.SCRIPTSET", "nested", "CPU", "SOURCE", indented)
	do(t, c, "AI.SCRIPTRUN", "nested", "neg", "INPUTS", "x", "OUTPUTS", "neg")
	if got, want := getTensor(t, c, "neg"), in[0]; got.Shape[1] != want.Shape[1] {
		t.Fatalf("neg shape %v", got.Shape)
	}
	if v := do(t, c, "AI.SCRIPTGET", "nested", "SOURCE"); v != indented {
		t.Fatalf("SCRIPTGET returned %q, not the source as sent", v)
	}

	fails(t, c, "Function nope does not exist in the given script.", "AI.SCRIPTSTORE", "s2", "CPU", "ENTRY_POINTS", 1, "nope", "SOURCE", src)
	fails(t, c, "Wrong number of inputs in function normalize. Expected 3 but was 1", "AI.SCRIPTSTORE", "s2", "CPU", "ENTRY_POINTS", 1, "normalize", "SOURCE", src)
	fails(t, c, "Function does not exist: nope", "AI.SCRIPTRUN", "legacy", "nope", "INPUTS", "x", "OUTPUTS", "z")
	err := c.Do(context.Background(), "AI.SCRIPTSET", "broken", "CPU", "SOURCE", "def f(x):\n    return undefined_name\n").Err()
	if err == nil || !strings.Contains(err.Error(), "undefined value undefined_name") {
		t.Fatalf("compile error: %v", err)
	}

	// A DAG: the CNN on x, then a script on its output, only the last tensor kept.
	do(t, c, "AI.MODELSTORE", "cnn", "TORCH", "CPU", "BLOB", readFile(t, "testdata/cnn.pt"))
	cnn := e.find(t, "cnn_batch1")
	setTensor(t, c, "img", inputsOf(t, cnn)[0])
	do(t, c, "AI.DAGEXECUTE", "LOAD", 1, "img", "PERSIST", 1, "logits2",
		"|>", "AI.MODELEXECUTE", "cnn", "INPUTS", 1, "img", "OUTPUTS", 1, "logits",
		"|>", "AI.SCRIPTEXECUTE", "legacy", "scale_add", "INPUTS", 2, "logits", "logits", "OUTPUTS", 1, "logits2")
	got := getTensor(t, c, "logits2")
	want := cnn.Outputs[0]
	tripled := jsonTensor{DType: want.DType, Shape: want.Shape, Values: make([]float64, len(want.Values))}
	for i, v := range want.Values {
		tripled.Values[i] = 3 * v
	}
	compareOutputs(t, "DAG", []*tensor.Tensor{got}, []jsonTensor{tripled})
}

// INFO shows the backend, its libtorch version and the script engine; the engine choice decides how
// scripts compile, and AI.CONFIG LOADBACKEND TORCH loads the backend into a running server: a model
// stored before runs after, and auto switches new scripts to TorchScript.
func TestServerEngineChoiceAndLoadBackend(t *testing.T) {
	lib := library(t)
	c := newClient(t, startServer(t, lib, "", 1))
	info := do(t, c, "INFO", "ai").(string)
	for _, want := range []string{"ai_backends_loaded:TORCH\r\n", "ai_script_engine:torchscript\r\n", "ai_script_engine_choice:auto\r\n", "ai_backend_torch:1."} {
		if !strings.Contains(info, want) {
			t.Fatalf("INFO ai lacks %q:\n%s", want, info)
		}
	}
	if mods := do(t, c, "INFO", "MODULES").(string); !strings.Contains(mods, "# ai_backends_info\r\nai_Torch_version:1.") {
		t.Fatalf("INFO MODULES lacks ai_Torch_version:\n%s", mods)
	}
	typed := "def f(x: List[Tensor]):\n    return x[0]\n" // TorchScript only: Starlark has no annotations
	do(t, c, "AI.SCRIPTSET", "typed", "CPU", "SOURCE", typed)

	star := newClient(t, startServer(t, lib, "starlark", 1))
	if info := do(t, star, "INFO", "ai").(string); !strings.Contains(info, "ai_script_engine:starlark\r\n") {
		t.Fatalf("--script-engine starlark: %s", info)
	}
	if err := star.Do(context.Background(), "AI.SCRIPTSET", "typed", "CPU", "SOURCE", typed).Err(); err == nil {
		t.Fatal("Starlark compiled a TorchScript annotation")
	}

	bare := newClient(t, startServer(t, "", "", 1))
	do(t, bare, "AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", readFile(t, "testdata/two_io.pt"))
	do(t, bare, "AI.SCRIPTSET", "before", "CPU", "SOURCE", "def f(x):\n    return x\n")
	err := bare.Do(context.Background(), "AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "b", "OUTPUTS", 2, "c", "d").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR tensor key is empty") {
		t.Fatalf("before the tensors: %v", err)
	}
	tc := loadExpected(t).find(t, "two_io")
	in := inputsOf(t, tc)
	setTensor(t, bare, "a", in[0])
	setTensor(t, bare, "b", in[1])
	err = bare.Do(context.Background(), "AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "b", "OUTPUTS", 2, "c", "d").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Backend not loaded: TORCH. Load ssrun's TORCH backend") {
		t.Fatalf("without the backend: %v", err)
	}
	fails(t, bare, "ERR error loading backend", "AI.CONFIG", "LOADBACKEND", "TORCH", "/nonexistent/libssrun_torch.so")
	do(t, bare, "AI.CONFIG", "LOADBACKEND", "TORCH", lib)
	do(t, bare, "AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "b", "OUTPUTS", 2, "c", "d")
	compareOutputs(t, "after LOADBACKEND", []*tensor.Tensor{getTensor(t, bare, "c"), getTensor(t, bare, "d")}, tc.Outputs)
	do(t, bare, "AI.SCRIPTSET", "typed", "CPU", "SOURCE", typed)
	if info := do(t, bare, "INFO", "ai").(string); !strings.Contains(info, "ai_script_engine:torchscript\r\n") {
		t.Fatalf("after LOADBACKEND: %s", info)
	}

	torchOnly := orchestrator.Config{Name: "t", Port: 0, ScriptEngine: "torch"}
	s, err := orchestrator.New(torchOnly)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fails(t, newClient(t, s.Addr()), "ERR Backend not loaded: TORCH. This server compiles scripts as TorchScript (--script-engine torch): load the backend with AI.CONFIG LOADBACKEND TORCH /path/to/libssrun_torch.so, or start ssrun db with --torch PATH or SSRUN_TORCH_BACKEND set",
		"AI.SCRIPTSET", "s", "CPU", "SOURCE", "def f(x):\n    return x\n")
}
