package onnx_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
	"github.com/ssrun/ssrun/tensor"
)

// library finds ONNX Runtime for the tests: $SSRUN_ONNXRUNTIME_LIB, else what `make onnxruntime`
// put in the checkout. Without one the test skips, except under CI (which must run these tests).
func library(t testing.TB) string {
	t.Helper()
	if lib := os.Getenv(onnx.EnvLibrary); lib != "" {
		return lib
	}
	wd, _ := os.Getwd()
	if lib := onnx.DefaultLibrary(wd); lib != "" {
		return lib
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no ONNX Runtime: set %s or run `make onnxruntime` (ci/setup-onnx.sh does)", onnx.EnvLibrary)
	}
	t.Skipf("no ONNX Runtime: set %s or run `make onnxruntime`", onnx.EnvLibrary)
	return ""
}

// startServer runs a real `ssrun db` shard on a free loopback port with ONNX Runtime loaded (unless
// lib is empty) and threads workers per device queue.
func startServer(t testing.TB, lib string, threads int) string {
	t.Helper()
	s, err := orchestrator.New(orchestrator.Config{Name: "onnx-test", Port: 0, ONNXRuntime: lib, Threads: threads, IntraOpThreads: 1})
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

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeModel runs AI.MODELSTORE key ONNX CPU [options...] BLOB <model file>.
func storeModel(t testing.TB, c *redis.Client, key, file string, options ...any) {
	t.Helper()
	args := append([]any{"AI.MODELSTORE", key, "ONNX", "CPU"}, options...)
	args = append(args, "BLOB", readFile(t, file))
	if err := c.Do(context.Background(), args...).Err(); err != nil {
		t.Fatalf("AI.MODELSTORE %s: %v", file, err)
	}
}

// setTensor runs AI.TENSORSET key TYPE dims... BLOB data.
func setTensor(ctx context.Context, c *redis.Client, key string, x *tensor.Tensor) error {
	args := []any{"AI.TENSORSET", key, x.DType.String()}
	for _, d := range x.Shape {
		args = append(args, d)
	}
	args = append(args, "BLOB", x.Data)
	return c.Do(ctx, args...).Err()
}

// getTensor runs AI.TENSORGET key META BLOB and rebuilds the tensor from the reply.
func getTensor(ctx context.Context, c *redis.Client, key string) (*tensor.Tensor, error) {
	v, err := c.Do(ctx, "AI.TENSORGET", key, "META", "BLOB").Slice()
	if err != nil {
		return nil, err
	}
	dtype, _ := tensor.ParseDType(v[1].(string))
	var shape []int64
	for _, d := range v[3].([]any) {
		shape = append(shape, d.(int64))
	}
	if shape == nil {
		shape = []int64{}
	}
	return tensor.New(dtype, shape, []byte(v[5].(string)))
}

// modelExecute runs AI.MODELEXECUTE key INPUTS n in... OUTPUTS m out... [extra...] and returns the
// simple-string reply (OK or TIMEDOUT).
func modelExecute(ctx context.Context, c *redis.Client, key string, in, out []string, extra ...any) (string, error) {
	args := []any{"AI.MODELEXECUTE", key, "INPUTS", len(in)}
	for _, k := range in {
		args = append(args, k)
	}
	args = append(args, "OUTPUTS", len(out))
	for _, k := range out {
		args = append(args, k)
	}
	args = append(args, extra...)
	return c.Do(ctx, args...).Text()
}

// keys makes n key names prefix0, prefix1, ...
func keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// testdataModel is the path of one of this package's generated models.
func testdataModel(name string) string { return filepath.Join("testdata", name, "model.onnx") }

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimSpace(err.Error())
}
