package torch

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ssrun/ssrun/tensor"
)

// FromTensor converts a database tensor into a script tensor. STRING tensors have no torch
// counterpart and are refused.
func FromTensor(src *tensor.Tensor) (*Tensor, error) {
	if _, ok := torchNames[src.DType]; !ok {
		return nil, fmt.Errorf("%s tensors cannot be script inputs (torch has no such dtype)", src.DType)
	}
	shape := make([]int, len(src.Shape))
	for k, d := range src.Shape {
		shape[k] = int(d)
	}
	if err := checkShape(shape); err != nil {
		return nil, err
	}
	t := &Tensor{dtype: src.DType, shape: shape}
	var err error
	switch src.DType {
	case tensor.Float:
		t.f, err = decodeFloat32(src)
	case tensor.Double:
		t.f, err = tensor.Values[float64](src)
	case tensor.Int8:
		t.i, err = widen[int8, int64](src)
	case tensor.Int16:
		t.i, err = widen[int16, int64](src)
	case tensor.Int32:
		t.i, err = widen[int32, int64](src)
	case tensor.Int64:
		t.i, err = tensor.Values[int64](src)
	case tensor.Uint8:
		t.i, err = widen[uint8, int64](src)
	case tensor.Uint16:
		t.i, err = widen[uint16, int64](src)
	case tensor.Bool:
		var bs []bool
		bs, err = tensor.Values[bool](src)
		t.i = make([]int64, len(bs))
		for k, b := range bs {
			if b {
				t.i[k] = 1
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// decodeFloat32 reads a FLOAT tensor's little-endian bytes straight into float64s (one pass: script
// calls convert every input, so this is on the path of every call).
func decodeFloat32(src *tensor.Tensor) ([]float64, error) {
	n := src.Len()
	if len(src.Data) != 4*n {
		return nil, tensor.ErrDataLength
	}
	out := make([]float64, n)
	for k := range out {
		out[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(src.Data[4*k:])))
	}
	return out, nil
}

// encodeFloat32 writes float64s as a FLOAT tensor's little-endian bytes.
func encodeFloat32(vals []float64) []byte {
	out := make([]byte, 4*len(vals))
	for k, v := range vals {
		binary.LittleEndian.PutUint32(out[4*k:], math.Float32bits(float32(v)))
	}
	return out
}

func widen[From interface {
	int8 | int16 | int32 | uint8 | uint16
}, To float64 | int64](src *tensor.Tensor) ([]To, error) {
	vals, err := tensor.Values[From](src)
	if err != nil {
		return nil, err
	}
	out := make([]To, len(vals))
	for k, v := range vals {
		out[k] = To(v)
	}
	return out, nil
}

// ToTensor converts a script tensor into a database tensor of the same dtype and shape.
func (t *Tensor) ToTensor() (*tensor.Tensor, error) {
	shape := make([]int64, len(t.shape))
	for k, d := range t.shape {
		shape[k] = int64(d)
	}
	switch t.dtype {
	case tensor.Float:
		return tensor.New(tensor.Float, shape, encodeFloat32(t.f))
	case tensor.Double:
		return tensor.From(shape, t.f)
	case tensor.Int8:
		return tensor.From(shape, narrow[int64, int8](t.i))
	case tensor.Int16:
		return tensor.From(shape, narrow[int64, int16](t.i))
	case tensor.Int32:
		return tensor.From(shape, narrow[int64, int32](t.i))
	case tensor.Int64:
		return tensor.From(shape, t.i)
	case tensor.Uint8:
		return tensor.From(shape, narrow[int64, uint8](t.i))
	case tensor.Uint16:
		return tensor.From(shape, narrow[int64, uint16](t.i))
	case tensor.Bool:
		bs := make([]bool, len(t.i))
		for k, v := range t.i {
			bs[k] = v != 0
		}
		return tensor.From(shape, bs)
	}
	return nil, fmt.Errorf("tensor of dtype %s cannot be stored", t.dtype)
}

func narrow[From float64 | int64, To float32 | int8 | int16 | int32 | uint8 | uint16](vals []From) []To {
	out := make([]To, len(vals))
	for k, v := range vals {
		out[k] = To(v)
	}
	return out
}

// DTypeOf and Shape expose a script tensor's type and shape to the engine and tests.
func (t *Tensor) DTypeOf() tensor.DType { return t.dtype }

// Shape returns a copy of the shape.
func (t *Tensor) Shape() []int { return append([]int{}, t.shape...) }
