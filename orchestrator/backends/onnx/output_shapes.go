//go:build cgo

package onnx

import (
	"encoding/binary"
	"sync"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/ssrun/ssrun/tensor"
)

// Outputs ONNX Runtime allocates itself cost a run three copies and a dozen cgo calls: onnxruntime_go
// copies each into a Go-backed value, and the result is copied again into a RedisAI tensor. When the
// output shapes are known before the run, the outputs are instead allocated in Go as the tensors'
// own bytes and handed to ONNX Runtime to write into: no copy at all.
//
// A model's output shapes are, for almost every model, a function of its input shapes: outputShapes
// remembers them per input shapes from earlier runs. A model whose output shapes depend on the
// data (NonZero, Unique, ...) makes ONNX Runtime refuse a preallocated output of the wrong shape; the
// run is then repeated with outputs ONNX Runtime allocates, and if that succeeds with other shapes
// the model is never predicted again.

// maxRememberedShapes bounds the input shapes remembered per model (a batching model sees at most
// BATCHSIZE of them).
const maxRememberedShapes = 256

// outputShapes is one model's memory of output shapes by input shapes.
type outputShapes struct {
	mu          sync.Mutex
	byInput     map[string][][]int64
	unpredicted bool // the model's output shapes depend on more than its input shapes
}

// inputKey encodes the input shapes (rank and dims of each) into buf.
func inputKey(buf []byte, in []*tensor.Tensor) []byte {
	for _, t := range in {
		buf = binary.AppendUvarint(buf, uint64(len(t.Shape)))
		for _, d := range t.Shape {
			buf = binary.AppendVarint(buf, d)
		}
	}
	return buf
}

// predict returns the output shapes remembered for these input shapes, or nil.
func (s *outputShapes) predict(key []byte) [][]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unpredicted {
		return nil
	}
	return s.byInput[string(key)]
}

// remember records the output shapes of a successful run.
func (s *outputShapes) remember(key []byte, out []*tensor.Tensor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unpredicted || len(s.byInput) >= maxRememberedShapes {
		return
	}
	if _, ok := s.byInput[string(key)]; ok {
		return
	}
	shapes := make([][]int64, len(out))
	for i, t := range out {
		shapes[i] = append([]int64(nil), t.Shape...)
	}
	if s.byInput == nil {
		s.byInput = map[string][][]int64{}
	}
	s.byInput[string(key)] = shapes
}

// stopPredicting is called when a run's outputs did not have the shapes remembered for its inputs.
func (s *outputShapes) stopPredicting() {
	s.mu.Lock()
	s.unpredicted = true
	s.byInput = nil
	s.mu.Unlock()
}

// predictable reports whether the outputs can be preallocated at all: tensors of fixed-size types
// with at least one dimension (0-d outputs have their own path, STRING ones are ONNX Runtime's).
func predictable(outputs []ort.InputOutputInfo) bool {
	for _, info := range outputs {
		if info.OrtValueType != ort.ONNXTypeTensor || len(info.Dimensions) == 0 {
			return false
		}
		if _, ok := dtypeOf(info.DataType); !ok {
			return false
		}
	}
	return true
}

// dtypeOf is the RedisAI type of a fixed-size ONNX element type.
func dtypeOf(t ort.TensorElementDataType) (tensor.DType, bool) {
	for d, e := range elementTypes {
		if e == t && d != tensor.String {
			return d, true
		}
	}
	return 0, false
}

// preallocate makes output tensors of the given shapes and the ONNX Runtime values over their bytes.
func (m *model) preallocate(shapes [][]int64) ([]*tensor.Tensor, []ort.Value, error) {
	ts := make([]*tensor.Tensor, len(shapes))
	vs := make([]ort.Value, len(shapes))
	for i, shape := range shapes {
		dtype := m.outTypes[i]
		n, err := tensor.NumElements(shape)
		if err != nil {
			destroyAll(vs)
			return nil, nil, err
		}
		t, err := tensor.New(dtype, append([]int64(nil), shape...), alignedBytes(int(n)*dtype.Size()))
		if err != nil {
			destroyAll(vs)
			return nil, nil, err
		}
		v, err := valueOver(t)
		if err != nil {
			destroyAll(vs)
			return nil, nil, err
		}
		ts[i], vs[i] = t, v
	}
	return ts, vs, nil
}

// alignedBytes allocates n bytes aligned for any element type (8 bytes).
func alignedBytes(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n)
}
