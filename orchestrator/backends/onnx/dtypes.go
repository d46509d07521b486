//go:build cgo

package onnx

import (
	"fmt"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/ssrun/ssrun/tensor"
)

// elementTypes maps RedisAI types onto ONNX tensor element types, one to one.
var elementTypes = map[tensor.DType]ort.TensorElementDataType{
	tensor.Float:  ort.TensorElementDataTypeFloat,
	tensor.Double: ort.TensorElementDataTypeDouble,
	tensor.Int8:   ort.TensorElementDataTypeInt8,
	tensor.Int16:  ort.TensorElementDataTypeInt16,
	tensor.Int32:  ort.TensorElementDataTypeInt32,
	tensor.Int64:  ort.TensorElementDataTypeInt64,
	tensor.Uint8:  ort.TensorElementDataTypeUint8,
	tensor.Uint16: ort.TensorElementDataTypeUint16,
	tensor.Bool:   ort.TensorElementDataTypeBool,
	tensor.String: ort.TensorElementDataTypeString,
}

// onnxTypeName names an ONNX element type as ONNX does ("float", "uint32").
func onnxTypeName(t ort.TensorElementDataType) string {
	names := map[ort.TensorElementDataType]string{
		ort.TensorElementDataTypeFloat: "float", ort.TensorElementDataTypeDouble: "double",
		ort.TensorElementDataTypeInt8: "int8", ort.TensorElementDataTypeInt16: "int16",
		ort.TensorElementDataTypeInt32: "int32", ort.TensorElementDataTypeInt64: "int64",
		ort.TensorElementDataTypeUint8: "uint8", ort.TensorElementDataTypeUint16: "uint16",
		ort.TensorElementDataTypeUint32: "uint32", ort.TensorElementDataTypeUint64: "uint64",
		ort.TensorElementDataTypeBool: "bool", ort.TensorElementDataTypeString: "string",
		ort.TensorElementDataTypeFloat16: "float16", ort.TensorElementDataTypeBFloat16: "bfloat16",
		ort.TensorElementDataTypeComplex64: "complex64", ort.TensorElementDataTypeComplex128: "complex128",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("element type %d", int(t))
}

// toValue makes an ONNX Runtime value of t: over t's own bytes when they are aligned for its type
// (a fresh allocation of n elements is), else over an aligned copy.
func toValue(t *tensor.Tensor) (ort.Value, error) {
	switch t.DType {
	case tensor.Float:
		return newValue[float32](t)
	case tensor.Double:
		return newValue[float64](t)
	case tensor.Int8:
		return newValue[int8](t)
	case tensor.Int16:
		return newValue[int16](t)
	case tensor.Int32:
		return newValue[int32](t)
	case tensor.Int64:
		return newValue[int64](t)
	case tensor.Uint8:
		return newValue[uint8](t)
	case tensor.Uint16:
		return newValue[uint16](t)
	case tensor.Bool:
		return newValue[bool](t)
	case tensor.String:
		return newStringValue(t)
	}
	return nil, fmt.Errorf("onnx: tensor type %s has no ONNX counterpart", t.DType)
}

func newValue[T ort.TensorData](t *tensor.Tensor) (ort.Value, error) {
	if len(t.Shape) > 0 && alignedFor[T](t.Data) {
		return tensorOver[T](t)
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	n := len(t.Data) / size
	data := make([]T, n)
	if n > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), n*size), t.Data)
	}
	if len(t.Shape) == 0 {
		return ort.NewScalar(data[0])
	}
	return ort.NewTensor(ort.Shape(append([]int64(nil), t.Shape...)), data)
}

// alignedFor reports whether b can be read as a []T in place: ONNX Runtime's kernels assume their
// element type's alignment, which a slice of a larger buffer may lack.
func alignedFor[T any](b []byte) bool {
	var zero T
	return len(b) == 0 || uintptr(unsafe.Pointer(&b[0]))%unsafe.Alignof(zero) == 0
}

// tensorOver makes an ONNX Runtime tensor over t's own bytes, without a copy: an input ONNX Runtime
// only reads, or an output it writes in place. t.Data must be aligned for T, and t must outlive the
// value (ONNX Runtime holds the address; Go's collector does not move heap objects).
func tensorOver[T ort.TensorData](t *tensor.Tensor) (ort.Value, error) {
	data := []T{}
	if len(t.Data) > 0 {
		var zero T
		data = unsafe.Slice((*T)(unsafe.Pointer(&t.Data[0])), len(t.Data)/int(unsafe.Sizeof(zero)))
	}
	return ort.NewTensor(ort.Shape(t.Shape), data) // NewTensor copies the shape
}

// valueOver is tensorOver for t's type (any but STRING).
func valueOver(t *tensor.Tensor) (ort.Value, error) {
	switch t.DType {
	case tensor.Float:
		return tensorOver[float32](t)
	case tensor.Double:
		return tensorOver[float64](t)
	case tensor.Int8:
		return tensorOver[int8](t)
	case tensor.Int16:
		return tensorOver[int16](t)
	case tensor.Int32:
		return tensorOver[int32](t)
	case tensor.Int64:
		return tensorOver[int64](t)
	case tensor.Uint8:
		return tensorOver[uint8](t)
	case tensor.Uint16:
		return tensorOver[uint16](t)
	case tensor.Bool:
		return tensorOver[bool](t)
	}
	return nil, fmt.Errorf("onnx: tensor type %s cannot be written in place", t.DType)
}

func newStringValue(t *tensor.Tensor) (ort.Value, error) {
	strs, err := t.AsStrings()
	if err != nil {
		return nil, err
	}
	shape := t.Shape
	if len(shape) == 0 {
		return nil, fmt.Errorf("onnx: a 0-d STRING tensor cannot be passed to ONNX Runtime; give it shape 1")
	}
	v, err := ort.NewStringTensor(ort.Shape(append([]int64(nil), shape...)))
	if err != nil {
		return nil, err
	}
	if err := v.SetContents(strs); err != nil {
		v.Destroy()
		return nil, err
	}
	return v, nil
}

// fromValue copies an output value into a RedisAI tensor; name is the output's, for errors.
func fromValue(name string, v ort.Value) (*tensor.Tensor, error) {
	shape := []int64(v.GetShape())
	switch x := v.(type) {
	case *ort.Tensor[float32]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[float64]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[int8]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[int16]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[int32]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[int64]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[uint8]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[uint16]:
		return fromSlice(shape, x.GetData())
	case *ort.Tensor[bool]:
		return fromSlice(shape, x.GetData())
	case *ort.Scalar[float32]:
		return fromSlice(shape, []float32{x.GetData()})
	case *ort.Scalar[float64]:
		return fromSlice(shape, []float64{x.GetData()})
	case *ort.Scalar[int8]:
		return fromSlice(shape, []int8{x.GetData()})
	case *ort.Scalar[int16]:
		return fromSlice(shape, []int16{x.GetData()})
	case *ort.Scalar[int32]:
		return fromSlice(shape, []int32{x.GetData()})
	case *ort.Scalar[int64]:
		return fromSlice(shape, []int64{x.GetData()})
	case *ort.Scalar[uint8]:
		return fromSlice(shape, []uint8{x.GetData()})
	case *ort.Scalar[uint16]:
		return fromSlice(shape, []uint16{x.GetData()})
	case *ort.Scalar[bool]:
		return fromSlice(shape, []bool{x.GetData()})
	case *ort.StringTensor:
		strs, err := x.GetContents()
		if err != nil {
			return nil, err
		}
		return tensor.FromStrings(shape, strs)
	}
	if v.GetONNXType() != ort.ONNXTypeTensor {
		return nil, fmt.Errorf("onnx: output %q is a %s, not a tensor; RedisAI outputs are tensors", name, v.GetONNXType())
	}
	return nil, fmt.Errorf("onnx: output %q has ONNX type %s, which has no RedisAI type (FLOAT, DOUBLE, INT8..INT64, UINT8, UINT16, BOOL, STRING)",
		name, onnxTypeName(ort.TensorElementDataType(v.DataType())))
}

func fromSlice[T tensor.Element](shape []int64, data []T) (*tensor.Tensor, error) {
	return tensor.From(shape, data)
}

// newScalarOutput allocates the value of a 0-d output of type t, which onnxruntime_go cannot allocate
// itself (its tensors need at least one dimension); nil for other types, left to ONNX Runtime.
func newScalarOutput(t ort.TensorElementDataType) (ort.Value, error) {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return ort.NewEmptyScalar[float32]()
	case ort.TensorElementDataTypeDouble:
		return ort.NewEmptyScalar[float64]()
	case ort.TensorElementDataTypeInt8:
		return ort.NewEmptyScalar[int8]()
	case ort.TensorElementDataTypeInt16:
		return ort.NewEmptyScalar[int16]()
	case ort.TensorElementDataTypeInt32:
		return ort.NewEmptyScalar[int32]()
	case ort.TensorElementDataTypeInt64:
		return ort.NewEmptyScalar[int64]()
	case ort.TensorElementDataTypeUint8:
		return ort.NewEmptyScalar[uint8]()
	case ort.TensorElementDataTypeUint16:
		return ort.NewEmptyScalar[uint16]()
	case ort.TensorElementDataTypeBool:
		return ort.NewEmptyScalar[bool]()
	}
	return nil, nil
}
