package ai

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ssrun/ssrun/tensor"
)

// addBackend is a test backend whose models add their two FLOAT inputs elementwise (what the TORCH
// model of RedisAI's tests computes). A blob "bad-batch" makes a model that drops one output row, to
// provoke the batch-size error; a blob "invalid" is refused at prepare time.
type addBackend struct {
	name string

	mu      sync.Mutex
	batches [][]int64 // dim 0 of the first input of each run, in order
	gate    chan struct{}
}

func (b *addBackend) Name() string { return b.name }

func (b *addBackend) Prepare(spec ModelSpec) (PreparedModel, error) {
	if string(spec.Blob) == "invalid" {
		return nil, errors.New("Invalid GraphDef\nat line 1")
	}
	return &addModel{backend: b, badBatch: string(spec.Blob) == "bad-batch"}, nil
}

func (b *addBackend) runs() [][]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]int64(nil), b.batches...)
}

type addModel struct {
	backend  *addBackend
	badBatch bool
}

func (m *addModel) Inputs() []string  { return []string{"a", "b"} }
func (m *addModel) Outputs() []string { return []string{"c"} }

func (m *addModel) Run(ctx context.Context, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if g := m.backend.gate; g != nil {
		<-g
	}
	m.backend.mu.Lock()
	m.backend.batches = append(m.backend.batches, []int64{in[0].BatchSize()})
	m.backend.mu.Unlock()
	a, err := in[0].AsFloat32()
	if err != nil {
		return nil, err
	}
	b, err := in[1].AsFloat32()
	if err != nil {
		return nil, err
	}
	if len(a) != len(b) {
		return nil, fmt.Errorf("inputs differ in size: %d and %d", len(a), len(b))
	}
	sum := make([]float32, len(a))
	for i := range a {
		sum[i] = a[i] + b[i]
	}
	shape := in[0].Shape
	if m.badBatch {
		per := len(a) / int(shape[0])
		sum, shape = sum[per:], append([]int64{shape[0] - 1}, shape[1:]...)
	}
	out, err := tensor.FromFloat32(shape, sum)
	return []*tensor.Tensor{out}, err
}

// testScripts is a test script engine with two functions: "bar" adds its two FLOAT inputs, "wait"
// blocks until its gate is closed and returns its input. Other names fail as a real engine would.
type testScripts struct {
	gate    chan struct{}
	started chan struct{} // receives once per "wait" call when it begins
}

func (s *testScripts) Compile(device string, source []byte, entryPoints []string) (CompiledScript, error) {
	for _, e := range entryPoints {
		if e != "bar" && e != "bar_variadic" && e != "wait" {
			return nil, fmt.Errorf("Function %s does not exist in the given script.", e)
		}
	}
	return &testScript{engine: s}, nil
}

type testScript struct{ engine *testScripts }

func (s *testScript) Run(ctx context.Context, call ScriptCall) ([]*tensor.Tensor, error) {
	switch call.Function {
	case "wait":
		if s.engine.started != nil {
			s.engine.started <- struct{}{}
		}
		select {
		case <-s.engine.gate:
			return call.Inputs[:1], nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "bar":
		m := &addModel{backend: &addBackend{}}
		return m.Run(ctx, call.Inputs)
	}
	return nil, fmt.Errorf("Function does not exist: %s", call.Function)
}
