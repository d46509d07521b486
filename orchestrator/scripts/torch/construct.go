package torch

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/tensor"
)

// fromData is torch.tensor(data): nested lists or tuples of numbers (or one number) with a rectangular
// shape. Without a dtype, floats give float32, integers int64 and bools bool, as in PyTorch.
func fromData(data starlark.Value, dtype tensor.DType) (*Tensor, error) {
	if t, ok := data.(*Tensor); ok { // a copy, as torch.tensor(t) makes
		if dtype == tensor.Invalid || dtype == t.dtype {
			return t.clone(), nil
		}
		return t.to(dtype), nil
	}
	var shape []int
	var values []starlark.Value
	if err := flattenData(data, 0, &shape, &values); err != nil {
		return nil, err
	}
	if dtype == tensor.Invalid {
		dtype = inferDType(values)
	}
	src := &Tensor{dtype: tensor.Double, shape: shape, f: make([]float64, len(values))}
	ints := &Tensor{dtype: tensor.Int64, shape: shape, i: make([]int64, len(values))}
	allInts := true
	for k, v := range values {
		s, _ := scalarTensor(v)
		src.f[k] = s.floatAt(0)
		if s.isFloat() {
			allInts = false
		} else {
			ints.i[k] = s.i[0]
		}
	}
	if allInts { // keep int64 values exact beyond 2^53
		return ints.to(dtype), nil
	}
	return src.to(dtype), nil
}

// flattenData walks nested sequences, recording the shape on the way down and checking that every
// sequence at one depth has the same length.
func flattenData(v starlark.Value, depth int, shape *[]int, out *[]starlark.Value) error {
	seq, isSeq := v.(starlark.Indexable)
	if _, isTensor := v.(*Tensor); isTensor || !isSeq {
		if _, ok := scalarTensor(v); !ok {
			return fmt.Errorf("could not infer dtype of %s", v.Type())
		}
		if depth != len(*shape) {
			return fmt.Errorf("expected a sequence at depth %d, got a number", depth)
		}
		*out = append(*out, v)
		return nil
	}
	if _, isString := v.(starlark.String); isString {
		return fmt.Errorf("could not infer dtype of string")
	}
	n := seq.Len()
	if depth == len(*shape) {
		if len(*out) > 0 {
			return fmt.Errorf("expected a number at depth %d, got a sequence", depth)
		}
		*shape = append(*shape, n)
	} else if (*shape)[depth] != n {
		return fmt.Errorf("expected sequence of length %d at dim %d (got %d)", (*shape)[depth], depth, n)
	}
	for k := range n {
		if err := flattenData(seq.Index(k), depth+1, shape, out); err != nil {
			return err
		}
	}
	if n == 0 && depth+1 < len(*shape) {
		return fmt.Errorf("expected sequence of length %d at dim %d (got 0)", (*shape)[depth], depth)
	}
	return nil
}

func inferDType(values []starlark.Value) tensor.DType {
	dt := tensor.Bool
	if len(values) == 0 {
		return tensor.Float
	}
	for _, v := range values {
		switch v.(type) {
		case starlark.Float:
			return tensor.Float
		case starlark.Int:
			dt = tensor.Int64
		}
	}
	return dt
}

// filled is torch.full: a tensor of shape whose every element is value.
func filled(shape []int, value starlark.Value, dtype tensor.DType) (*Tensor, error) {
	s, ok := scalarTensor(value)
	if !ok {
		return nil, fmt.Errorf("fill_value must be a number, not %s", value.Type())
	}
	if dtype == tensor.Invalid {
		dtype = s.dtype
		if dtype == tensor.Double {
			dtype = tensor.Float
		}
	}
	s = s.to(dtype)
	out, err := newTensor(dtype, shape)
	if err != nil {
		return nil, err
	}
	for k := range out.f {
		out.f[k] = s.f[0]
	}
	for k := range out.i {
		out.i[k] = s.i[0]
	}
	return out, nil
}

// arange is torch.arange(start, end, step): ceil((end-start)/step) values; int64 when every bound is
// an integer, else float32, unless dtype says otherwise.
func arange(start, end, step starlark.Value, dtype tensor.DType) (*Tensor, error) {
	bounds := make([]*Tensor, 3)
	allInts := true
	for k, v := range []starlark.Value{start, end, step} {
		s, ok := scalarTensor(v)
		if !ok {
			return nil, fmt.Errorf("arange bounds must be numbers, not %s", v.Type())
		}
		bounds[k] = s
		allInts = allInts && !s.isFloat()
	}
	lo, hi, st := bounds[0].floatAt(0), bounds[1].floatAt(0), bounds[2].floatAt(0)
	if st == 0 {
		return nil, fmt.Errorf("arange: step must be nonzero")
	}
	if (hi-lo)/st < 0 {
		return nil, fmt.Errorf("arange: upper bound and larger bound inconsistent with step sign")
	}
	if dtype == tensor.Invalid {
		dtype = tensor.Float
		if allInts {
			dtype = tensor.Int64
		}
	}
	count := math.Ceil((hi - lo) / st)
	if count > MaxElements {
		return nil, fmt.Errorf("arange of %g elements exceeds the limit of %d for script tensors", count, MaxElements)
	}
	out := &Tensor{dtype: tensor.Double, shape: []int{int(count)}, f: make([]float64, int(count))}
	if allInts {
		ints := &Tensor{dtype: tensor.Int64, shape: out.shape, i: make([]int64, int(count))}
		for k := range ints.i {
			ints.i[k] = bounds[0].i[0] + int64(k)*bounds[2].i[0]
		}
		return ints.to(dtype), nil
	}
	for k := range out.f {
		out.f[k] = lo + float64(k)*st
	}
	return out.to(dtype), nil
}
