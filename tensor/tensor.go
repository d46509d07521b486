// Package tensor is the tensor model shared by the orchestrator (AI.TENSORSET/AI.TENSORGET) and the
// client: RedisAI's data types, a dense row-major little-endian Tensor, conversion from and to typed Go
// slices, and RedisAI's rules for VALUES arguments and replies. Error values carry RedisAI's reply
// text byte for byte (with its "ERR " prefix), so a server can send err.Error() as it is.
package tensor

import (
	"bytes"
	"errors"
	"fmt"
)

// RedisAI's error texts for tensor data, as sent on the wire.
var (
	ErrDataLength    = errors.New("ERR data length does not match tensor shape and type")
	ErrBoolElements  = errors.New("ERR BOOL tensor elements must be 0 or 1")
	ErrStringCount   = errors.New("ERR Number of string elements in data blob does not match tensor length")
	ErrInvalidValue  = errors.New("ERR invalid value")
	ErrNulInString   = errors.New("ERR C-string value contains null character")
	ErrValueCount    = errors.New("ERR wrong number of values was given in 'AI.TENSORSET' command")
	ErrInvalidDType  = errors.New("ERR invalid data type")
	ErrInvalidShape  = errors.New("ERR invalid or negative value found in tensor shape")
	errShapeOverflow = errors.New("ERR tensor shape is too large")
)

// MaxElements bounds the element count of a shape so that products never overflow and a hostile shape
// cannot ask for an absurd zero-filled allocation (2^32 elements of at most 8 bytes: 32 GiB).
const MaxElements = 1 << 32

// Tensor is a dense tensor: Data holds the elements row-major and little-endian. For STRING, Data is the
// concatenation of NUL-terminated strings, one per element. A Tensor built by this package is valid;
// callers must not change it after it is shared (the orchestrator stores tensors immutably).
type Tensor struct {
	DType DType
	Shape []int64
	Data  []byte
}

// NumElements returns the product of shape, or an error if a dimension is negative or the product
// exceeds MaxElements. An empty shape is a 0-d scalar with one element.
func NumElements(shape []int64) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, ErrInvalidShape
		}
		if d != 0 && n > MaxElements/d {
			return 0, errShapeOverflow
		}
		n *= d
	}
	return n, nil
}

// New checks data against dtype and shape with RedisAI's rules (AI.TENSORSET ... BLOB) and returns a
// tensor that shares data (the caller hands it over).
func New(dtype DType, shape []int64, data []byte) (*Tensor, error) {
	t := &Tensor{DType: dtype, Shape: shape, Data: data}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Zeros returns the tensor AI.TENSORSET makes when given neither BLOB nor VALUES: zero-filled, or empty
// strings for STRING.
func Zeros(dtype DType, shape []int64) (*Tensor, error) {
	if !dtype.Valid() {
		return nil, ErrInvalidDType
	}
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	size := int64(dtype.Size())
	if dtype == String {
		size = 1 // one NUL per empty string
	}
	return &Tensor{DType: dtype, Shape: shape, Data: make([]byte, n*size)}, nil
}

// Validate applies RedisAI's blob checks, in its order: the length for fixed-size types (then BOOL
// bytes are 0 or 1, except the last one, which RedisAI does not check), or for STRING the number of
// NUL-terminated elements.
func (t *Tensor) Validate() error {
	if !t.DType.Valid() {
		return ErrInvalidDType
	}
	n, err := NumElements(t.Shape)
	if err != nil {
		return err
	}
	if t.DType == String {
		if n == 0 && len(t.Data) == 0 {
			return nil // no elements, no terminators: what VALUES with no values builds
		}
		if len(t.Data) == 0 || t.Data[len(t.Data)-1] != 0 || int64(bytes.Count(t.Data, []byte{0})) != n {
			return ErrStringCount
		}
		return nil
	}
	if int64(len(t.Data)) != n*int64(t.DType.Size()) {
		return ErrDataLength
	}
	if t.DType == Bool && len(t.Data) > 0 {
		// RedisAI's quirk, kept for compatibility: the last byte is not checked.
		for _, b := range t.Data[:len(t.Data)-1] {
			if b > 1 {
				return ErrBoolElements
			}
		}
	}
	return nil
}

// Len returns the number of elements.
func (t *Tensor) Len() int {
	n, _ := NumElements(t.Shape)
	return int(n)
}

// MemSize is the memory the tensor accounts for: its data, its shape and a fixed header.
func (t *Tensor) MemSize() int64 {
	const header = 64
	return header + int64(cap(t.Data)) + 8*int64(cap(t.Shape))
}

// Strings splits a STRING tensor into its elements (without their NULs); the slices share Data.
func (t *Tensor) Strings() [][]byte {
	if t.DType != String || len(t.Data) == 0 {
		return nil
	}
	parts := bytes.Split(t.Data[:len(t.Data)-1], []byte{0})
	return parts
}

// Equal reports whether two tensors have the same type, shape and bytes.
func (t *Tensor) Equal(o *Tensor) bool {
	if t.DType != o.DType || len(t.Shape) != len(o.Shape) {
		return false
	}
	for i := range t.Shape {
		if t.Shape[i] != o.Shape[i] {
			return false
		}
	}
	return bytes.Equal(t.Data, o.Data)
}

// String describes the tensor briefly for logs and test failures.
func (t *Tensor) String() string {
	return fmt.Sprintf("tensor(%s %v, %d bytes)", t.DType, t.Shape, len(t.Data))
}
