//go:build cgo

package onnx

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/tensor"
)

// model is a prepared ONNX model: one ONNX Runtime session, shared by every worker that runs it.
type model struct {
	session           *ort.DynamicAdvancedSession
	inputs, outputs   []ort.InputOutputInfo
	inNames, outNames []string
	outTypes          []tensor.DType // the outputs' RedisAI types when predictable (see output_shapes.go)
	shapes            *outputShapes  // nil when the outputs cannot be preallocated
}

// Prepare builds a session for spec.Blob. Its errors are ONNX Runtime's, which RedisAI passes on.
func (b *Backend) Prepare(spec ai.ModelSpec) (ai.PreparedModel, error) {
	inputs, outputs, err := ort.GetInputOutputInfoWithONNXData(spec.Blob)
	if err != nil {
		return nil, fmt.Errorf("onnx: cannot load the model: %w", err)
	}
	options, err := b.sessionOptions()
	if err != nil {
		return nil, err
	}
	defer options.Destroy()
	m := &model{inputs: inputs, outputs: outputs, inNames: names(inputs), outNames: names(outputs)}
	if predictable(outputs) {
		m.shapes = &outputShapes{}
		for _, info := range outputs {
			d, _ := dtypeOf(info.DataType)
			m.outTypes = append(m.outTypes, d)
		}
	}
	m.session, err = ort.NewDynamicAdvancedSessionWithONNXData(spec.Blob, m.inNames, m.outNames, options)
	if err != nil {
		return nil, fmt.Errorf("onnx: cannot load the model: %w", err)
	}
	// A model replaced or deleted with AI.MODELSTORE/MODELDEL is dropped by the keyspace; its
	// session goes with it.
	runtime.AddCleanup(m, func(s *ort.DynamicAdvancedSession) { s.Destroy() }, m.session)
	return m, nil
}

func (b *Backend) sessionOptions() (*ort.SessionOptions, error) {
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if n := b.opts.IntraOpThreads; n > 0 {
		err = o.SetIntraOpNumThreads(n)
	}
	if n := b.opts.InterOpThreads; err == nil && n > 0 {
		if err = o.SetInterOpNumThreads(n); err == nil && n > 1 {
			err = o.SetExecutionMode(ort.ExecutionModeParallel)
		}
	}
	if err != nil {
		o.Destroy()
		return nil, fmt.Errorf("onnx: session options: %w", err)
	}
	return o, nil
}

func names(infos []ort.InputOutputInfo) []string {
	out := make([]string, len(infos))
	for i, info := range infos {
		out[i] = info.Name
	}
	return out
}

func (m *model) Inputs() []string  { return m.inNames }
func (m *model) Outputs() []string { return m.outNames }

// Run runs the session once. A cancelled ctx (server shutdown) terminates the run in ONNX Runtime,
// which checks for it between operators (one long operator runs to its end). Inputs are passed in
// place; outputs are written in place when their shapes are known (output_shapes.go).
func (m *model) Run(ctx context.Context, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(in) != len(m.inNames) {
		return nil, fmt.Errorf("onnx: the model has %d inputs, %d given", len(m.inNames), len(in))
	}
	values := make([]ort.Value, len(in))
	defer destroyAll(values)
	for i, t := range in {
		if err := m.checkInput(i, t); err != nil {
			return nil, err
		}
		v, err := toValue(t)
		if err != nil {
			return nil, fmt.Errorf("onnx: input %q: %w", m.inNames[i], err)
		}
		values[i] = v
	}
	if m.shapes == nil {
		return m.runAllocating(ctx, values)
	}
	var buf [64]byte
	key := inputKey(buf[:0], in)
	predicted := m.shapes.predict(key)
	if predicted != nil {
		result, err := m.runInPlace(ctx, values, predicted)
		if err == nil || ctx != nil && ctx.Err() != nil {
			return result, err
		}
		// ONNX Runtime refuses an output of the wrong shape: run again with outputs it allocates.
	}
	result, err := m.runAllocating(ctx, values)
	if err != nil {
		return nil, err
	}
	if predicted != nil {
		// The same input shapes gave other output shapes (a data-dependent model): stop guessing.
		m.shapes.stopPredicting()
	} else {
		m.shapes.remember(key, result)
	}
	return result, nil
}

// runInPlace runs with outputs of the given shapes allocated as the result tensors' own bytes.
func (m *model) runInPlace(ctx context.Context, values []ort.Value, shapes [][]int64) ([]*tensor.Tensor, error) {
	result, outs, err := m.preallocate(shapes)
	if err != nil {
		return nil, err
	}
	defer destroyAll(outs)
	if err := m.runValues(ctx, values, outs); err != nil {
		return nil, err
	}
	return result, nil
}

// runAllocating runs with outputs ONNX Runtime allocates, then copied into RedisAI tensors.
func (m *model) runAllocating(ctx context.Context, values []ort.Value) ([]*tensor.Tensor, error) {
	outs := make([]ort.Value, len(m.outNames))
	defer destroyAll(outs)
	for i, info := range m.outputs {
		if info.OrtValueType == ort.ONNXTypeTensor && len(info.Dimensions) == 0 {
			v, err := newScalarOutput(info.DataType)
			if err != nil {
				return nil, fmt.Errorf("onnx: output %q: %w", info.Name, err)
			}
			if v != nil {
				outs[i] = v
			}
		}
	}
	if err := m.runValues(ctx, values, outs); err != nil {
		return nil, err
	}
	result := make([]*tensor.Tensor, len(outs))
	for i, v := range outs {
		t, err := fromValue(m.outNames[i], v)
		if err != nil {
			return nil, err
		}
		result[i] = t
	}
	return result, nil
}

// checkInput refuses a tensor whose type is not the model's, with both type names, before ONNX
// Runtime gives its own less direct message.
func (m *model) checkInput(i int, t *tensor.Tensor) error {
	info := m.inputs[i]
	if info.OrtValueType != ort.ONNXTypeTensor {
		return fmt.Errorf("onnx: input %q is a %s; ssrun feeds tensors only", info.Name, info.OrtValueType)
	}
	want, ok := elementTypes[t.DType]
	if !ok || want != info.DataType {
		return fmt.Errorf("onnx: input %q expects ONNX type %s, got a %s tensor", info.Name, onnxTypeName(info.DataType), t.DType)
	}
	return nil
}

func (m *model) runValues(ctx context.Context, in, out []ort.Value) error {
	if ctx == nil {
		return m.session.Run(in, out)
	}
	opts, err := ort.NewRunOptions()
	if err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	defer opts.Destroy()
	terminated := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		opts.Terminate()
		close(terminated)
	})
	defer func() {
		if !stop() {
			<-terminated // Terminate is using opts: destroy them after it
		}
	}()
	err = m.session.RunWithOptions(in, out, opts)
	if err != nil && ctx.Err() != nil {
		return errors.New("onnx: run cancelled: the server is shutting down")
	}
	return err
}

// destroyAll releases values; onnxruntime_go may leave a typed nil in an output it failed to convert.
func destroyAll(values []ort.Value) {
	for _, v := range values {
		if v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
	}
}
