package tensor

import (
	"bytes"
	"fmt"
)

// BatchSize is dim 0 of t, or -1 for a 0-d scalar (which cannot be batched).
func (t *Tensor) BatchSize() int64 {
	if len(t.Shape) == 0 {
		return -1
	}
	return t.Shape[0]
}

// SameSampleShape reports whether a and b have the same type and the same dims after dim 0, so that
// they can be concatenated along dim 0.
func SameSampleShape(a, b *Tensor) bool {
	if a.DType != b.DType || len(a.Shape) != len(b.Shape) || len(a.Shape) == 0 {
		return false
	}
	for i := 1; i < len(a.Shape); i++ {
		if a.Shape[i] != b.Shape[i] {
			return false
		}
	}
	return true
}

// Concat joins tensors along dim 0 (RedisAI's batching). They must share type and sample shape.
func Concat(ts []*Tensor) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("tensor: nothing to concatenate")
	}
	if len(ts) == 1 {
		return ts[0], nil
	}
	total, size := int64(0), 0
	for _, t := range ts {
		if !SameSampleShape(ts[0], t) {
			return nil, fmt.Errorf("tensor: cannot concatenate %v with %v", ts[0], t)
		}
		total += t.Shape[0]
		size += len(t.Data)
	}
	data := make([]byte, 0, size)
	for _, t := range ts {
		data = append(data, t.Data...)
	}
	shape := append([]int64{total}, ts[0].Shape[1:]...)
	return &Tensor{DType: ts[0].DType, Shape: shape, Data: data}, nil
}

// Slice returns rows [offset, offset+n) of dim 0 as a new tensor (RedisAI splits batched outputs so).
func (t *Tensor) Slice(offset, n int64) (*Tensor, error) {
	if len(t.Shape) == 0 || offset < 0 || n < 0 || offset+n > t.Shape[0] {
		return nil, fmt.Errorf("tensor: rows [%d,%d) out of range for %v", offset, offset+n, t)
	}
	per := int64(1)
	for _, d := range t.Shape[1:] {
		per *= d
	}
	shape := append([]int64{n}, t.Shape[1:]...)
	if t.DType == String {
		start, end := stringOffset(t.Data, offset*per), stringOffset(t.Data, (offset+n)*per)
		return &Tensor{DType: String, Shape: shape, Data: bytes.Clone(t.Data[start:end])}, nil
	}
	size := per * int64(t.DType.Size())
	return &Tensor{DType: t.DType, Shape: shape, Data: bytes.Clone(t.Data[offset*size : (offset+n)*size])}, nil
}

// stringOffset is the byte offset of element i of a STRING tensor's data.
func stringOffset(data []byte, i int64) int {
	pos := 0
	for ; i > 0; i-- {
		pos += bytes.IndexByte(data[pos:], 0) + 1
	}
	return pos
}
