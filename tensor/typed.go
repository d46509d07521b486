package tensor

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// Element is a Go type with a RedisAI counterpart: float32 is FLOAT, float64 DOUBLE, bool BOOL, and the
// sized integers map to INT8..INT64, UINT8 and UINT16.
type Element interface {
	float32 | float64 | int8 | int16 | int32 | int64 | uint8 | uint16 | bool
}

// DTypeOf returns the RedisAI type of the Go element type T.
func DTypeOf[T Element]() DType {
	var zero T
	switch any(zero).(type) {
	case float32:
		return Float
	case float64:
		return Double
	case int8:
		return Int8
	case int16:
		return Int16
	case int32:
		return Int32
	case int64:
		return Int64
	case uint8:
		return Uint8
	case uint16:
		return Uint16
	default:
		return Bool
	}
}

// From builds a tensor of T's type from values in row-major order; len(values) must equal the product
// of shape.
func From[T Element](shape []int64, values []T) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if int64(len(values)) != n {
		return nil, fmt.Errorf("tensor: %d values for shape %v (%d elements)", len(values), shape, n)
	}
	dtype := DTypeOf[T]()
	data := make([]byte, len(values)*dtype.Size())
	encode(data, values)
	return &Tensor{DType: dtype, Shape: append([]int64(nil), shape...), Data: data}, nil
}

// Values returns the elements of t as a new []T; T must match t's type exactly.
func Values[T Element](t *Tensor) ([]T, error) {
	if want := DTypeOf[T](); t.DType != want {
		return nil, fmt.Errorf("tensor: cannot read %s tensor as %s", t.DType, want)
	}
	out := make([]T, t.Len())
	if len(t.Data) != len(out)*t.DType.Size() {
		return nil, ErrDataLength
	}
	decode(out, t.Data)
	return out, nil
}

func encode[T Element](dst []byte, values []T) {
	switch v := any(values).(type) {
	case []float32:
		for i, x := range v {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(x))
		}
	case []float64:
		for i, x := range v {
			binary.LittleEndian.PutUint64(dst[8*i:], math.Float64bits(x))
		}
	case []int8:
		for i, x := range v {
			dst[i] = byte(x)
		}
	case []int16:
		for i, x := range v {
			binary.LittleEndian.PutUint16(dst[2*i:], uint16(x))
		}
	case []int32:
		for i, x := range v {
			binary.LittleEndian.PutUint32(dst[4*i:], uint32(x))
		}
	case []int64:
		for i, x := range v {
			binary.LittleEndian.PutUint64(dst[8*i:], uint64(x))
		}
	case []uint8:
		copy(dst, v)
	case []uint16:
		for i, x := range v {
			binary.LittleEndian.PutUint16(dst[2*i:], x)
		}
	case []bool:
		for i, x := range v {
			if x {
				dst[i] = 1
			}
		}
	}
}

func decode[T Element](dst []T, src []byte) {
	switch v := any(dst).(type) {
	case []float32:
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case []float64:
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		}
	case []int8:
		for i := range v {
			v[i] = int8(src[i])
		}
	case []int16:
		for i := range v {
			v[i] = int16(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case []int32:
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case []int64:
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint64(src[8*i:]))
		}
	case []uint8:
		copy(v, src)
	case []uint16:
		for i := range v {
			v[i] = binary.LittleEndian.Uint16(src[2*i:])
		}
	case []bool:
		for i := range v {
			v[i] = src[i] != 0
		}
	}
}

// FromFloat32 builds a FLOAT tensor.
func FromFloat32(shape []int64, v []float32) (*Tensor, error) { return From(shape, v) }

// FromFloat64 builds a DOUBLE tensor.
func FromFloat64(shape []int64, v []float64) (*Tensor, error) { return From(shape, v) }

// FromInt8 builds an INT8 tensor.
func FromInt8(shape []int64, v []int8) (*Tensor, error) { return From(shape, v) }

// FromInt16 builds an INT16 tensor.
func FromInt16(shape []int64, v []int16) (*Tensor, error) { return From(shape, v) }

// FromInt32 builds an INT32 tensor.
func FromInt32(shape []int64, v []int32) (*Tensor, error) { return From(shape, v) }

// FromInt64 builds an INT64 tensor.
func FromInt64(shape []int64, v []int64) (*Tensor, error) { return From(shape, v) }

// FromUint8 builds a UINT8 tensor.
func FromUint8(shape []int64, v []uint8) (*Tensor, error) { return From(shape, v) }

// FromUint16 builds a UINT16 tensor.
func FromUint16(shape []int64, v []uint16) (*Tensor, error) { return From(shape, v) }

// FromBool builds a BOOL tensor.
func FromBool(shape []int64, v []bool) (*Tensor, error) { return From(shape, v) }

// FromStrings builds a STRING tensor; an element may not contain a NUL byte.
func FromStrings(shape []int64, v []string) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if int64(len(v)) != n {
		return nil, fmt.Errorf("tensor: %d values for shape %v (%d elements)", len(v), shape, n)
	}
	var buf bytes.Buffer
	for _, s := range v {
		if bytes.IndexByte([]byte(s), 0) >= 0 {
			return nil, ErrNulInString
		}
		buf.WriteString(s)
		buf.WriteByte(0)
	}
	return &Tensor{DType: String, Shape: append([]int64(nil), shape...), Data: buf.Bytes()}, nil
}

// AsFloat32 returns the elements of a FLOAT tensor.
func (t *Tensor) AsFloat32() ([]float32, error) { return Values[float32](t) }

// AsFloat64 returns the elements of a DOUBLE tensor.
func (t *Tensor) AsFloat64() ([]float64, error) { return Values[float64](t) }

// AsInt8 returns the elements of an INT8 tensor.
func (t *Tensor) AsInt8() ([]int8, error) { return Values[int8](t) }

// AsInt16 returns the elements of an INT16 tensor.
func (t *Tensor) AsInt16() ([]int16, error) { return Values[int16](t) }

// AsInt32 returns the elements of an INT32 tensor.
func (t *Tensor) AsInt32() ([]int32, error) { return Values[int32](t) }

// AsInt64 returns the elements of an INT64 tensor.
func (t *Tensor) AsInt64() ([]int64, error) { return Values[int64](t) }

// AsUint8 returns the elements of a UINT8 tensor.
func (t *Tensor) AsUint8() ([]uint8, error) { return Values[uint8](t) }

// AsUint16 returns the elements of a UINT16 tensor.
func (t *Tensor) AsUint16() ([]uint16, error) { return Values[uint16](t) }

// AsBool returns the elements of a BOOL tensor.
func (t *Tensor) AsBool() ([]bool, error) { return Values[bool](t) }

// AsStrings returns the elements of a STRING tensor.
func (t *Tensor) AsStrings() ([]string, error) {
	if t.DType != String {
		return nil, fmt.Errorf("tensor: cannot read %s tensor as STRING", t.DType)
	}
	parts := t.Strings()
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out, nil
}
