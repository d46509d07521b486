package onnx_test

import (
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
	"github.com/ssrun/ssrun/tensor"
)

// mlpReference is the MLP's reference data: 3 input rows of 256 and their 3 output rows of 10.
func mlpReference(t *testing.T) (in, out *tensor.Tensor) {
	t.Helper()
	in, err := readTensorProto("testdata/mlp/test_data_set_0/input_0.pb")
	if err != nil {
		t.Fatal(err)
	}
	if out, err = readTensorProto("testdata/mlp/test_data_set_0/output_0.pb"); err != nil {
		t.Fatal(err)
	}
	return in, out
}

// row is row i of a 2-d tensor as a [1, cols] tensor.
func row(t *testing.T, x *tensor.Tensor, i int64) *tensor.Tensor {
	t.Helper()
	r, err := x.Slice(i, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runClientsConcurrently has n clients (one connection each) set their own row of the MLP's reference
// input and run the model at the same time; each must get its own row of the reference output.
func runClientsConcurrently(t *testing.T, addr, model string, n int) {
	in, want := mlpReference(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := 0; i < n; i++ {
		c := newClient(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, y := "{b}x"+string(rune('0'+i)), "{b}y"+string(rune('0'+i))
			if err := setTensor(ctx, c, x, row(t, in, int64(i))); err != nil {
				errs[i] = err.Error()
				return
			}
			if reply, err := modelExecute(ctx, c, model, []string{x}, []string{y}); err != nil || reply != "OK" {
				errs[i] = "MODELEXECUTE: " + reply + " " + errText(err)
				return
			}
			got, err := getTensor(ctx, c, y)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			if err := closeEnough(got, row(t, want, int64(i))); err != nil {
				errs[i] = err.Error()
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("client %d: %s", i, e)
		}
	}
}

// RedisAI's batching through ONNX Runtime: with MINBATCHSIZE 3 and no timeout the runs can only
// happen as one batch of the three clients' rows, and each client gets its own output row.
func TestBatchingSplitsOutputsPerClient(t *testing.T) {
	addr := startServer(t, library(t), 1)
	c := newClient(t, addr)
	storeModel(t, c, "{b}mlp", testdataModel("mlp"), "BATCHSIZE", 8, "MINBATCHSIZE", 3)
	runClientsConcurrently(t, addr, "{b}mlp", 3)
	info, err := c.Do(context.Background(), "AI.INFO", "{b}mlp").Slice()
	if err != nil {
		t.Fatal(err)
	}
	// samples and calls count each client's own slice; errors none.
	if info[13] != int64(3) || info[15] != int64(3) || info[17] != int64(0) {
		t.Fatalf("AI.INFO = %v, want samples 3, calls 3, errors 0", info)
	}
}

func TestAdaptiveBatchingGivesEachClientItsRows(t *testing.T) {
	addr := startServer(t, library(t), 1)
	c := newClient(t, addr)
	storeModel(t, c, "{b}mlp", testdataModel("mlp"), "BATCHSIZE", 8, "ADAPTIVE", 2000)
	runClientsConcurrently(t, addr, "{b}mlp", 3)
}

// A model whose output does not keep the batch dimension fails every request of the batch with
// RedisAI's message.
func TestBatchBreakingModelFailsEveryRequest(t *testing.T) {
	addr := startServer(t, library(t), 1)
	c := newClient(t, addr)
	storeModel(t, c, "{b}sum", testdataModel("sum_rows"), "BATCHSIZE", 4, "MINBATCHSIZE", 2)
	ctx := context.Background()
	x, err := tensor.FromFloat32([]int64{1, 4}, []float32{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := setTensor(ctx, c, "{b}x", x); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		client := newClient(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = modelExecute(ctx, client, "{b}sum", []string{"{b}x"}, []string{"{b}y" + string(rune('0'+i))})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if errText(err) != "Model did not generate the expected batch size" {
			t.Errorf("client %d: %v", i, err)
		}
	}
	// Alone (no batch), the same model runs.
	storeModel(t, c, "{b}sum1", testdataModel("sum_rows"))
	if reply, err := modelExecute(ctx, c, "{b}sum1", []string{"{b}x"}, []string{"{b}y"}); err != nil || reply != "OK" {
		t.Fatalf("unbatched run: %q %v", reply, err)
	}
}

// TIMEOUT: a run that waits in the queue behind a long one longer than its TIMEOUT answers +TIMEDOUT
// (a simple string) and does not run; with a generous TIMEOUT it runs.
func TestTimeoutAnswersTimedOut(t *testing.T) {
	addr := startServer(t, library(t), 1)
	c, other := newClient(t, addr), newClient(t, addr)
	storeModel(t, c, "{t}square", testdataModel("square"))
	ctx := context.Background()
	const n = 2048 // x @ x with one intra-op thread: long enough to keep the only worker busy
	big, err := tensor.Zeros(tensor.Float, []int64{n, n})
	if err != nil {
		t.Fatal(err)
	}
	small, _ := tensor.FromFloat32([]int64{2, 2}, []float32{1, 2, 3, 4})
	if err := setTensor(ctx, c, "{t}big", big); err != nil {
		t.Fatal(err)
	}
	if err := setTensor(ctx, c, "{t}small", small); err != nil {
		t.Fatal(err)
	}
	busy := make(chan error, 1)
	go func() {
		_, err := modelExecute(ctx, other, "{t}square", []string{"{t}big"}, []string{"{t}bigout"})
		busy <- err
	}()
	time.Sleep(50 * time.Millisecond) // the big run is queued or running
	reply, err := modelExecute(ctx, c, "{t}square", []string{"{t}small"}, []string{"{t}out"}, "TIMEOUT", 1)
	if err != nil || reply != "TIMEDOUT" {
		t.Fatalf("reply %q %v, want TIMEDOUT", reply, err)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, "{t}out").Result(); n != 0 {
		t.Fatal("a timed-out run must not store outputs")
	}
	reply, err = modelExecute(ctx, c, "{t}square", []string{"{t}small"}, []string{"{t}out"}, "TIMEOUT", 60000)
	if err != nil || reply != "OK" {
		t.Fatalf("reply %q %v", reply, err)
	}
	got, _ := getTensor(ctx, c, "{t}out")
	want, _ := tensor.FromFloat32([]int64{2, 2}, []float32{7, 10, 15, 22})
	if !got.Equal(want) {
		t.Fatalf("x@x = %v", got)
	}
}

// Without a library, ONNX models are stored and a run says how to load the backend; AI.CONFIG
// BACKENDSPATH and LOADBACKEND then load it (relative paths under BACKENDSPATH) and the model runs.
func TestLoadBackendAtRunTime(t *testing.T) {
	lib := library(t)
	t.Setenv(onnx.EnvLibrary, "")
	c := newClient(t, startServer(t, "", 1))
	ctx := context.Background()
	storeModel(t, c, "m", testdataModel("add_mul"))
	a, _ := tensor.FromFloat32([]int64{1, 2}, []float32{1, 2})
	if err := setTensor(ctx, c, "a", a); err != nil {
		t.Fatal(err)
	}
	_, err := modelExecute(ctx, c, "m", []string{"a", "a"}, []string{"c", "d"})
	if msg := errText(err); !strings.HasPrefix(msg, "ERR Backend not loaded: ONNX") || !strings.Contains(msg, "AI.CONFIG LOADBACKEND ONNX") {
		t.Fatalf("run without a backend: %v", err)
	}
	if err := c.Do(ctx, "AI.CONFIG", "LOADBACKEND", "ONNX", "/nonexistent/libonnxruntime.so").Err(); errText(err) != "ERR error loading backend" {
		t.Fatalf("bad path: %v", err)
	}
	if err := c.Do(ctx, "AI.CONFIG", "BACKENDSPATH", filepath.Dir(lib)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "AI.CONFIG", "LOADBACKEND", "ONNX", filepath.Base(lib)).Err(); err != nil {
		t.Fatalf("LOADBACKEND relative to BACKENDSPATH: %v", err)
	}
	if reply, err := modelExecute(ctx, c, "m", []string{"a", "a"}, []string{"c", "d"}); err != nil || reply != "OK" {
		t.Fatalf("run after LOADBACKEND: %q %v", reply, err)
	}
	got, _ := getTensor(ctx, c, "d")
	want, _ := tensor.FromFloat32([]int64{1, 2}, []float32{1, 4})
	if !got.Equal(want) {
		t.Fatalf("a*a = %v", got)
	}
}

// A library named on the command line or in the environment that does not load stops the server.
func TestBadLibraryStopsTheServer(t *testing.T) {
	_, err := orchestrator.New(orchestrator.Config{Port: 0, ONNXRuntime: "/nonexistent/libonnxruntime.so"})
	if err == nil || !strings.Contains(err.Error(), "--onnxruntime") {
		t.Fatalf("New = %v, want an --onnxruntime error", err)
	}
	t.Setenv(onnx.EnvLibrary, t.TempDir())
	_, err = orchestrator.New(orchestrator.Config{Port: 0})
	if err == nil || !strings.Contains(err.Error(), onnx.EnvLibrary) {
		t.Fatalf("New = %v, want an %s error", err, onnx.EnvLibrary)
	}
}

// Backend errors pass through as RedisAI passes them: a wrong input type, a blob that is not ONNX.
func TestBackendErrors(t *testing.T) {
	c := newClient(t, startServer(t, library(t), 1))
	ctx := context.Background()
	err := c.Do(ctx, "AI.MODELSTORE", "bad", "ONNX", "CPU", "BLOB", "not a model").Err()
	if !strings.Contains(errText(err), "onnx: cannot load the model") {
		t.Fatalf("MODELSTORE of garbage: %v", err)
	}
	storeModel(t, c, "m", testdataModel("add_mul"))
	d := make([]byte, 16)
	binary.LittleEndian.PutUint64(d, math.Float64bits(1))
	if err := c.Do(ctx, "AI.TENSORSET", "x", "DOUBLE", 1, 2, "BLOB", d).Err(); err != nil {
		t.Fatal(err)
	}
	_, err = modelExecute(ctx, c, "m", []string{"x", "x"}, []string{"c", "d"})
	if errText(err) != `onnx: input "a" expects ONNX type float, got a DOUBLE tensor` {
		t.Fatalf("wrong input type: %v", err)
	}
	_, err = modelExecute(ctx, c, "m", []string{"x"}, []string{"c", "d"})
	if errText(err) != "Number of keys given as INPUTS here does not match model definition" {
		t.Fatalf("wrong input count: %v", err)
	}
}

// A model stored for a GPU is accepted, reports its session's names in AI.MODELGET, and runs (on the
// CPU: ssrun has no GPU execution).
func TestGPUModelRunsOnCPU(t *testing.T) {
	c := newClient(t, startServer(t, library(t), 1))
	ctx := context.Background()
	err := c.Do(ctx, "AI.MODELSTORE", "g", "ONNX", "GPU:0", "BLOB", readFile(t, testdataModel("add_mul"))).Err()
	if err != nil {
		t.Fatal(err)
	}
	meta, err := c.Do(ctx, "AI.MODELGET", "g", "META").Slice()
	if err != nil {
		t.Fatal(err)
	}
	if meta[3] != "GPU:0" || len(meta[11].([]any)) != 2 || meta[11].([]any)[1] != "b" || meta[13].([]any)[1] != "d" {
		t.Fatalf("MODELGET META = %v", meta)
	}
	a, _ := tensor.FromFloat32([]int64{1, 2}, []float32{3, 4})
	if err := setTensor(ctx, c, "a", a); err != nil {
		t.Fatal(err)
	}
	if reply, err := modelExecute(ctx, c, "g", []string{"a", "a"}, []string{"c", "d"}); err != nil || reply != "OK" {
		t.Fatalf("run: %q %v", reply, err)
	}
	got, _ := getTensor(ctx, c, "c")
	want, _ := tensor.FromFloat32([]int64{1, 2}, []float32{6, 8})
	if !got.Equal(want) {
		t.Fatalf("a+a = %v", got)
	}
}

// Batching a model with two inputs and two outputs: each client's rows of both outputs come back to
// it (MINBATCHSIZE 4 with no timeout: the runs can only happen as one batch of the four clients).
func TestBatchingSeveralInputsAndOutputs(t *testing.T) {
	addr := startServer(t, library(t), 1)
	storeModel(t, newClient(t, addr), "{b}am", testdataModel("add_mul"), "BATCHSIZE", 4, "MINBATCHSIZE", 4)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]string, 4)
	for i := 0; i < 4; i++ {
		c := newClient(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := string(rune('0' + i))
			v := float32(i + 1)
			a, _ := tensor.FromFloat32([]int64{1, 2}, []float32{v, 2 * v})
			b, _ := tensor.FromFloat32([]int64{1, 2}, []float32{10, v})
			if setTensor(ctx, c, "{b}a"+k, a) != nil || setTensor(ctx, c, "{b}b"+k, b) != nil {
				errs[i] = "TENSORSET failed"
				return
			}
			if reply, err := modelExecute(ctx, c, "{b}am", []string{"{b}a" + k, "{b}b" + k}, []string{"{b}c" + k, "{b}d" + k}); err != nil || reply != "OK" {
				errs[i] = "MODELEXECUTE: " + reply + " " + errText(err)
				return
			}
			sum, _ := getTensor(ctx, c, "{b}c"+k)
			prod, _ := tensor.FromFloat32([]int64{1, 2}, []float32{10 * v, 2 * v * v})
			wantSum, _ := tensor.FromFloat32([]int64{1, 2}, []float32{v + 10, 3 * v})
			gotProd, _ := getTensor(ctx, c, "{b}d"+k)
			if sum == nil || !sum.Equal(wantSum) || gotProd == nil || !gotProd.Equal(prod) {
				errs[i] = "wrong outputs"
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("client %d: %s", i, e)
		}
	}
}
