package client

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestModelRoundTripWithChunking(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	blob := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 1000) // 18 000 bytes, binary
	must(t, c.SetModel(ctx, "m", blob, "TORCH", "CPU", ModelOptions{Tag: "v1", BatchSize: 4, MinBatchSize: 2, MinBatchTimeout: 10}))
	got, err := c.GetModel(ctx, "m")
	must(t, err)
	if !bytes.Equal(got, blob) {
		t.Fatalf("GetModel returned %d bytes, want the %d stored", len(got), len(blob))
	}
	// A small MODEL_CHUNK_SIZE makes SetModel send several chunks and the server answer MODELGET in
	// chunks; both directions must reassemble the same bytes.
	must(t, c.SetModelChunkSize(ctx, 1000))
	if n, err := c.doKeyless(ctx, "AI.CONFIG", "GET", "MODEL_CHUNK_SIZE").Int64(); err != nil || n != 1000 {
		t.Fatalf("server MODEL_CHUNK_SIZE = %d, %v", n, err)
	}
	if args := modelStoreArgs("m", blob, "TORCH", "CPU", ModelOptions{}, 1000); len(args) != 5+18 {
		t.Fatalf("%d arguments, want 18 chunks after BLOB", len(args))
	}
	must(t, c.SetModel(ctx, "chunked", blob, "ONNX", "CPU", ModelOptions{}))
	if raw, err := c.do(ctx, "AI.MODELGET", "chunked", "BLOB").Slice(); err != nil || len(raw) != 19 {
		t.Fatalf("the server answered %d chunks (%v), want 19", len(raw), err)
	}
	got, err = c.GetModel(ctx, "chunked")
	must(t, err)
	if !bytes.Equal(got, blob) {
		t.Fatalf("chunked GetModel returned %d bytes, want %d", len(got), len(blob))
	}
	meta, err := c.do(ctx, "AI.MODELGET", "m", "META").Slice()
	must(t, err)
	if meta[1] != "TORCH" || meta[3] != "CPU" || meta[5] != "v1" || meta[7] != int64(4) || meta[9] != int64(2) || meta[15] != int64(10) {
		t.Errorf("stored model options %v", meta)
	}
	if ok, err := c.ModelExists(ctx, "m"); err != nil || !ok {
		t.Errorf("ModelExists = %v, %v", ok, err)
	}
	must(t, c.DeleteModel(ctx, "m"))
	if _, err := c.GetModel(ctx, "m"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "model key is empty") {
		t.Errorf("GetModel after delete: %v", err)
	}
	if err := c.DeleteModel(ctx, "m"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteModel of a missing model: %v", err)
	}
}

func TestSetModelFromFileAndBadArguments(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	path := filepath.Join(t.TempDir(), "mlp.onnx")
	must(t, os.WriteFile(path, []byte("onnx bytes"), 0o644))
	must(t, c.SetModelFromFile(ctx, "mlp", path, "ONNX", "GPU:0", ModelOptions{}))
	if got, _ := c.GetModel(ctx, "mlp"); string(got) != "onnx bytes" {
		t.Errorf("GetModel = %q", got)
	}
	cases := []struct {
		err  error
		want string
	}{
		{c.SetModel(ctx, "x", []byte("b"), "PORCH", "CPU", ModelOptions{}), `backend "PORCH" is not one of TF, TFLITE, TORCH, ONNX`},
		{c.SetModel(ctx, "x", []byte("b"), "TORCH", "CPU:1.8", ModelOptions{}), `device "CPU:1.8"`},
		{c.SetModel(ctx, "x", nil, "TORCH", "CPU", ModelOptions{}), "the model blob is empty"},
		{c.SetModelFromFile(ctx, "x", filepath.Join(t.TempDir(), "none"), "TORCH", "CPU", ModelOptions{}), "no such file"},
		{c.SetModel(ctx, "x", []byte("b"), "TORCH", "CPU", ModelOptions{MinBatchSize: 2}), "MINBATCHSIZE specified without BATCHSIZE"},
		{c.SetModelChunkSize(ctx, 0), "chunk size must be positive"},
	}
	for _, cs := range cases {
		if cs.err == nil || !strings.Contains(cs.err.Error(), cs.want) {
			t.Errorf("error %v, want it to contain %q", cs.err, cs.want)
		}
	}
}

func TestRunModelSurfacesTheServersError(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}, ModelTimeout: 5 * time.Second})
	ctx := testContext(t)
	must(t, PutValues(ctx, c, "in", []int64{1, 2}, []float32{1, 2}))
	must(t, c.SetModel(ctx, "m", []byte("not a real model"), "TORCH", "CPU", ModelOptions{}))
	err := c.RunModel(ctx, "m", []string{"in"}, []string{"out"})
	if err == nil || !strings.Contains(err.Error(), `client: run model "m": ERR Backend not loaded: TORCH`) {
		t.Fatalf("RunModel on a model no backend can run: %v", err)
	}
	t.Logf("RunModel error: %v", err)
	if errors.Is(err, ErrNotFound) {
		t.Errorf("a backend failure was reported as a missing key: %v", err)
	}
	if err := c.RunModel(ctx, "nope", []string{"in"}, []string{"out"}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "model key is empty") {
		t.Errorf("RunModel of a missing model: %v", err)
	}
	if err := c.RunModel(ctx, "m", []string{"missing"}, []string{"out"}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "tensor key is empty") {
		t.Errorf("RunModel on a missing input: %v", err)
	}
	if err := c.RunModel(ctx, "m", nil, []string{"out"}); err == nil || !strings.Contains(err.Error(), "no input tensors") {
		t.Errorf("RunModel without inputs: %v", err)
	}
	if err := c.RunModelMultiGPU(ctx, "m", []string{"in"}, []string{"out"}, 0, 0, 0); err == nil {
		t.Error("RunModelMultiGPU with zero GPUs accepted")
	}
}

func TestSetModelMultiGPUStoresOneCopyPerGPU(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	must(t, c.SetModelMultiGPU(ctx, "m", []byte("blob"), "ONNX", 1, 2, ModelOptions{}))
	for key, dev := range map[string]string{"m.GPU:1": "GPU:1", "m.GPU:2": "GPU:2", "m": "GPU"} {
		meta, err := c.do(ctx, "AI.MODELGET", key, "META").Slice()
		if err != nil || meta[3] != dev {
			t.Errorf("%s: %v, %v; want device %s", key, meta, err, dev)
		}
	}
}

func TestScriptsRoundTripAndRun(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	src := "def double(a):\n    return a + a\n"
	path := filepath.Join(t.TempDir(), "s.py")
	must(t, os.WriteFile(path, []byte(src), 0o644))
	must(t, c.SetScriptFromFile(ctx, "s", "CPU", path))
	got, err := c.GetScript(ctx, "s")
	if err != nil || got != src {
		t.Fatalf("GetScript = %q, %v", got, err)
	}
	if ok, err := c.ScriptExists(ctx, "s"); err != nil || !ok {
		t.Errorf("ScriptExists = %v, %v", ok, err)
	}
	must(t, PutValues(ctx, c, "a", []int64{2}, []float32{1, 2}))
	must(t, c.RunScript(ctx, "s", "double", []string{"a"}, []string{"b"}))
	checkValues(t, c, "b", []float32{2, 4})
	err = c.RunScript(ctx, "s", "triple", []string{"a"}, []string{"b"})
	if err == nil || err.Error() != `client: run script "s": Function does not exist: triple` {
		t.Errorf("RunScript of a missing function: %v", err)
	}
	if err := c.RunScript(ctx, "s", "", []string{"a"}, []string{"b"}); err == nil {
		t.Error("RunScript without a function accepted")
	}
	must(t, c.DeleteScript(ctx, "s"))
	if _, err := c.GetScript(ctx, "s"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "script key is empty") {
		t.Errorf("GetScript after delete: %v", err)
	}
	if err := c.SetScript(ctx, "s", "TPU", src); err == nil {
		t.Error("device TPU accepted")
	}
}
