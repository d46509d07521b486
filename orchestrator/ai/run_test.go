package ai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/tensor"
)

// Case 34 with a backend: the run stores the sum and TENSORGET reads it back as RedisAI's test does.
func TestModelExecuteRunsThroughTheBackend(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&addBackend{name: "TORCH"}}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "pt")
	e.must(arr(bulk("backend"), bulk("TORCH"), bulk("device"), bulk("CPU"), bulk("tag"), bulk(""),
		bulk("batchsize"), integer(0), bulk("minbatchsize"), integer(0),
		bulk("inputs"), arr(bulk("a"), bulk("b")), bulk("outputs"), arr(bulk("c")),
		bulk("minbatchtimeout"), integer(0)), "AI.MODELGET", "m", "META")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "2", "2", "VALUES", "2", "3", "2", "3")
	e.must(ok(), "AI.TENSORSET", "b", "FLOAT", "2", "2", "VALUES", "2", "3", "2", "3")
	e.must(ok(), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c")
	e.must(arr(bulk("4"), bulk("6"), bulk("4"), bulk("6")), "AI.TENSORGET", "c", "VALUES")
	e.must(arr(bulk("dtype"), bulk("FLOAT"), bulk("shape"), arr(integer(2), integer(2))), "AI.TENSORGET", "c", "META")
	// The deprecated form runs the same model.
	e.must(ok(), "AI.MODELRUN", "m", "INPUTS", "a", "c", "OUTPUTS", "d")
	e.must(arr(bulk("6"), bulk("9"), bulk("6"), bulk("9")), "AI.TENSORGET", "d", "VALUES")
	// Now the backend knows the model has two inputs, so counts are checked at parse time.
	e.must(errr(errInputsMismatch), "AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "c")
	e.must(errr(errOutputsMismatch), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "2", "c", "d")
	e.must(errr(errTensorKeyEmpty), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "nope", "OUTPUTS", "1", "c")
}

func TestBackendErrorsPassThroughOnOneLine(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&addBackend{name: "ONNX"}}})
	e.must(errr("Invalid GraphDef at line 1"), "AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "invalid")
	e.must(errr(errModelKeyEmpty), "AI.MODELGET", "m")
}

func TestLoadBackendMakesStoredModelsRunnable(t *testing.T) {
	var loaded []string
	loader := func(name, path string) (Backend, error) {
		if path != "/opt/libonnxruntime.so" {
			return nil, errors.New("no such library")
		}
		loaded = append(loaded, name)
		return &addBackend{name: name}, nil
	}
	var logs []string
	e := newEnv(t, Options{LoadBackend: loader, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "not really onnx")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1", "VALUES", "1")
	e.must(errr(backendNotLoaded("ONNX")), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c")
	e.must(errr("ERR unsupported backend"), "AI.CONFIG", "LOADBACKEND", "CAFFE", "/x.so")
	e.must(errr("ERR error loading backend"), "AI.CONFIG", "LOADBACKEND", "ONNX", "/wrong.so")
	if len(logs) != 1 || !strings.Contains(logs[0], "no such library") {
		t.Fatalf("the load failure's cause must be logged, got %q", logs)
	}
	e.must(ok(), "AI.CONFIG", "LOADBACKEND", "onnx", "/opt/libonnxruntime.so")
	e.must(ok(), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c")
	e.must(arr(bulk("2")), "AI.TENSORGET", "c", "VALUES")
	if len(loaded) != 1 || loaded[0] != "ONNX" {
		t.Fatalf("loaded %v", loaded)
	}
}

func TestBackendNotLoadedMessagesSayWhatToDo(t *testing.T) {
	for name, want := range map[string]string{
		"ONNX": "AI.CONFIG LOADBACKEND ONNX", "TF": "tf2onnx", "TFLITE": "tf2onnx", "TORCH": "torch.onnx.export",
	} {
		msg := backendNotLoaded(name)
		if !strings.HasPrefix(msg, "ERR Backend not loaded: "+name+".") || !strings.Contains(msg, want) || strings.ContainsAny(msg, "\r\n") {
			t.Errorf("%s: %q", name, msg)
		}
	}
}

// Case 36: AI.INFO counts calls and samples (dim 0 of the first output), RESETSTAT zeroes them.
func TestInfoCountsRunsAndResets(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&addBackend{name: "TORCH"}}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "asdf", "BLOB", "pt")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "2", "2", "VALUES", "2", "3", "2", "3")
	const n = 3
	for i := 0; i < n; i++ {
		e.must(ok(), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c")
	}
	got := e.do("AI.INFO", "m")
	prefix := "*18\r\n" + bulk("key") + bulk("m") + bulk("type") + bulk("MODEL") + bulk("backend") + bulk("TORCH") +
		bulk("device") + bulk("CPU") + bulk("tag") + bulk("asdf") + bulk("duration")
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("AI.INFO = %q", got)
	}
	if !strings.HasSuffix(got, bulk("samples")+integer(2*n)+bulk("calls")+integer(n)+bulk("errors")+integer(0)) {
		t.Fatalf("AI.INFO counters = %q", got)
	}
	e.must(ok(), "AI.INFO", "m", "RESETSTAT")
	e.must(arr(bulk("key"), bulk("m"), bulk("type"), bulk("MODEL"), bulk("backend"), bulk("TORCH"),
		bulk("device"), bulk("CPU"), bulk("tag"), bulk("asdf"), bulk("duration"), integer(0),
		bulk("samples"), integer(0), bulk("calls"), integer(0), bulk("errors"), integer(0)), "AI.INFO", "m")
	// A failed run counts as a call and an error.
	e.must(errr(errTensorKeyEmpty), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "zz", "OUTPUTS", "1", "c")
	e.must(ok(), "AI.TENSORSET", "odd", "FLOAT", "3", "VALUES", "1", "2", "3")
	if got := e.do("AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "odd", "OUTPUTS", "1", "c"); !strings.HasPrefix(got, "-inputs differ") {
		t.Fatalf("backend run error = %q", got)
	}
	if got := e.do("AI.INFO", "m"); !strings.HasSuffix(got, bulk("calls")+integer(1)+bulk("errors")+integer(1)) {
		t.Fatalf("after a failed run AI.INFO = %q", got)
	}
	e.must(errr(errNoRunInfo), "AI.INFO", "nope")
	e.must(arity("AI.INFO"), "AI.INFO", "m", "RESETSTAT", "x")
}

func TestInfoAndScansFollowTheKeyspace(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.MODELSTORE", "m2", "ONNX", "CPU", "TAG", "v2", "BLOB", "x")
	e.must(ok(), "AI.MODELSTORE", "m1", "TORCH", "GPU:0", "BLOB", "x")
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "TAG", "t", "SOURCE", "def f(a):\n    return a\n")
	e.must(arr(arr(bulk("m1"), bulk("")), arr(bulk("m2"), bulk("v2"))), "AI._MODELSCAN")
	e.must(arr(arr(bulk("s"), bulk("t"))), "AI._SCRIPTSCAN")
	e.must(arity("AI._MODELSCAN"), "AI._MODELSCAN", "x")
	if got := e.do("AI.INFO", "s"); !strings.Contains(got, bulk("type")+bulk("SCRIPT")+bulk("backend")+bulk("TORCH")) ||
		!strings.Contains(got, bulk("samples")+integer(-1)) {
		t.Fatalf("script AI.INFO = %q", got)
	}
	// Deleting a model (here as DEL would, behind the module's back) drops its run info.
	e.ks.Delete([]byte("m2"))
	e.must(errr(errNoRunInfo), "AI.INFO", "m2")
	e.must(arr(arr(bulk("m1"), bulk(""))), "AI._MODELSCAN")
	// Overwriting a script with a tensor drops it too.
	e.must(ok(), "AI.MODELDEL", "m1")
	e.must(errr(errModelKeyEmpty), "AI.MODELDEL", "m1")
	e.ks.Delete([]byte("s"))
	e.must(ok(), "AI.TENSORSET", "s", "FLOAT", "1")
	e.must(arr(), "AI._SCRIPTSCAN")
	e.must(arr(), "AI._MODELSCAN")
}

// Case 35: concurrent runs of a batching model are executed together and each gets its own rows.
func TestAutobatchingSplitsOutputsPerClient(t *testing.T) {
	b := &addBackend{name: "TORCH"}
	e := newEnv(t, Options{Backends: []Backend{b}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "4", "MINBATCHSIZE", "2", "BLOB", "pt")
	e.must(ok(), "AI.TENSORSET", "a1", "FLOAT", "1", "2", "VALUES", "1", "2")
	e.must(ok(), "AI.TENSORSET", "a2", "FLOAT", "1", "2", "VALUES", "10", "20")
	replies := runConcurrently(e,
		[]string{"AI.MODELEXECUTE", "m", "INPUTS", "2", "a1", "a1", "OUTPUTS", "1", "c1"},
		[]string{"AI.MODELEXECUTE", "m", "INPUTS", "2", "a2", "a2", "OUTPUTS", "1", "c2"})
	for _, r := range replies {
		if r != ok() {
			t.Fatalf("replies %q", replies)
		}
	}
	e.must(arr(bulk("2"), bulk("4")), "AI.TENSORGET", "c1", "VALUES")
	e.must(arr(bulk("20"), bulk("40")), "AI.TENSORGET", "c2", "VALUES")
	e.must(arr(bulk("dtype"), bulk("FLOAT"), bulk("shape"), arr(integer(1), integer(2))), "AI.TENSORGET", "c2", "META")
	if runs := b.runs(); len(runs) != 1 || runs[0][0] != 2 {
		t.Fatalf("the two requests must run as one batch of 2, ran %v", runs)
	}
	if got := e.do("AI.INFO", "m"); !strings.HasSuffix(got, bulk("samples")+integer(2)+bulk("calls")+integer(2)+bulk("errors")+integer(0)) {
		t.Fatalf("each request counts its own slice: %q", got)
	}
}

func TestAutobatchingBrokenBatchDimensionFailsEveryRequest(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&addBackend{name: "TORCH"}}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "4", "MINBATCHSIZE", "2", "BLOB", "bad-batch")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1", "2", "VALUES", "1", "2")
	replies := runConcurrently(e,
		[]string{"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c1"},
		[]string{"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c2"})
	for _, r := range replies {
		if r != errr(errBatchSize) {
			t.Fatalf("replies %q", replies)
		}
	}
}

func TestMinBatchTimeoutRunsAPartialBatch(t *testing.T) {
	b := &addBackend{name: "TORCH"}
	e := newEnv(t, Options{Backends: []Backend{b}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "8", "MINBATCHSIZE", "4", "MINBATCHTIMEOUT", "30", "BLOB", "pt")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1", "1", "VALUES", "3")
	start := time.Now()
	e.must(ok(), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c")
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Fatalf("a lone request below MINBATCHSIZE must wait MINBATCHTIMEOUT, waited %v", waited)
	}
	e.must(arr(bulk("6")), "AI.TENSORGET", "c", "VALUES")
	// A request at least BATCHSIZE long runs at once.
	e.must(ok(), "AI.TENSORSET", "big", "FLOAT", "8", "1", "VALUES", "1", "1", "1", "1", "1", "1", "1", "1")
	start = time.Now()
	e.must(ok(), "AI.MODELEXECUTE", "m", "INPUTS", "2", "big", "big", "OUTPUTS", "1", "c")
	if waited := time.Since(start); waited > 25*time.Millisecond {
		t.Fatalf("a full batch must not wait, waited %v", waited)
	}
}

// Case 38: a run that waited in a busy queue longer than its TIMEOUT answers +TIMEDOUT.
func TestTimeoutWhileTheQueueIsBusy(t *testing.T) {
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	e := newEnv(t, Options{Scripts: &testScripts{gate: gate, started: started}})
	e.must(ok(), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "2", "bar", "wait", "SOURCE", "src")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1", "VALUES", "1")
	e.must(ok(), "AI.TENSORSET", "b", "FLOAT", "1", "VALUES", "2")
	busy := make(chan string)
	go func() { busy <- e.do("AI.SCRIPTEXECUTE", "s", "wait", "INPUTS", "1", "a", "OUTPUTS", "1", "w") }()
	<-started // the blocking run has been taken by the only worker
	timed := make(chan string)
	go func() {
		timed <- e.do("AI.SCRIPTEXECUTE", "s", "bar", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "TIMEOUT", "1")
	}()
	waitForQueued(t, e.m, "CPU", 1)
	time.Sleep(5 * time.Millisecond)
	close(gate)
	if got := <-busy; got != ok() {
		t.Fatalf("busy run = %q", got)
	}
	if got := <-timed; got != "+TIMEDOUT\r\n" {
		t.Fatalf("timed-out run = %q", got)
	}
	e.must(errr(errTensorKeyEmpty), "AI.TENSORGET", "c")
	e.must(ok(), "AI.SCRIPTEXECUTE", "s", "bar", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "TIMEOUT", "1000")
	e.must(arr(bulk("3")), "AI.TENSORGET", "c", "VALUES")
}

func TestScriptsRunThroughTheEngine(t *testing.T) {
	e := newEnv(t, Options{Scripts: &testScripts{}})
	e.must(errr("Function bar1 does not exist in the given script."), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "bar1", "SOURCE", "src")
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "SOURCE", "def bar(a, b):\n    return a + b\n")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "2", "VALUES", "1", "2")
	e.must(ok(), "AI.SCRIPTRUN", "s", "bar", "INPUTS", "a", "a", "OUTPUTS", "c")
	e.must(arr(bulk("2"), bulk("4")), "AI.TENSORGET", "c", "VALUES")
	e.must(ok(), "AI.SCRIPTEXECUTE", "s", "bar", "KEYS", "1", "a", "INPUTS", "2", "a", "c", "ARGS", "1", "x", "OUTPUTS", "1", "d")
	e.must(arr(bulk("3"), bulk("6")), "AI.TENSORGET", "d", "VALUES")
	e.must(errr("Function does not exist: nope"), "AI.SCRIPTEXECUTE", "s", "nope", "INPUTS", "1", "a", "OUTPUTS", "1", "d")
	if got := e.do("AI.INFO", "s"); !strings.HasSuffix(got, bulk("calls")+integer(3)+bulk("errors")+integer(1)) {
		t.Fatalf("script stats %q", got)
	}
}

func TestScriptRunWithoutEngineNamesIt(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "TAG", "t", "SOURCE", "src")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1")
	e.must(errr(scriptEngineMissing), "AI.SCRIPTRUN", "s", "f", "INPUTS", "a", "OUTPUTS", "b")
}

// runConcurrently sends commands at once, each from its own client, and returns the replies in order.
func runConcurrently(e *env, cmds ...[]string) []string {
	out := make([]string, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = e.do(c...)
		}()
	}
	wg.Wait()
	return out
}

// waitForQueued waits until the device queue holds n waiting requests.
func waitForQueued(t *testing.T, m *Module, device string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		q := m.queues.get(device)
		q.mu.Lock()
		got := len(q.items)
		q.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("queue %s never held %d requests", device, n)
}

// brokenBackend returns a tensor whose data does not match its shape.
type brokenBackend struct{ addBackend }

func (b *brokenBackend) Prepare(spec ModelSpec) (PreparedModel, error) { return &brokenModel{}, nil }

type brokenModel struct{ addModel }

func (*brokenModel) Run(context.Context, []*tensor.Tensor) ([]*tensor.Tensor, error) {
	return []*tensor.Tensor{{DType: tensor.Float, Shape: []int64{4}, Data: []byte{1}}}, nil
}

func TestInvalidBackendOutputsAreRefused(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&brokenBackend{addBackend{name: "ONNX"}}}})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1")
	e.must(errr("ERR the backend returned an invalid tensor for output 0: ERR data length does not match tensor shape and type"),
		"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c")
	e.must(errr(errTensorKeyEmpty), "AI.TENSORGET", "c")
}
