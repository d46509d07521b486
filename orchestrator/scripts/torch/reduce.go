package torch

import (
	"fmt"
	"math"
	"sort"

	"github.com/ssrun/ssrun/tensor"
)

// normDim resolves a possibly negative dimension index against ndim dimensions (a zero-dimensional
// tensor accepts 0 and -1, as PyTorch's do).
func normDim(dim, ndim int) (int, error) {
	n := max(ndim, 1)
	if dim < -n || dim >= n {
		return 0, fmt.Errorf("dimension out of range (expected to be in range of [%d, %d], but got %d)", -n, n-1, dim)
	}
	if dim < 0 {
		dim += n
	}
	return dim, nil
}

// split is the (outer, size, inner) view of a tensor around dimension dim, which every reduction and
// dim-wise operation walks: element (o, k, i) is at (o*size+k)*inner+i.
func split(shape []int, dim int) (outer, size, inner int) {
	if len(shape) == 0 {
		return 1, 1, 1
	}
	return numel(shape[:dim]), shape[dim], numel(shape[dim+1:])
}

// reducedShape is shape without dim, or with it as 1 when keepdim.
func reducedShape(shape []int, dim int, keepdim bool) []int {
	if len(shape) == 0 {
		return []int{}
	}
	out := append([]int{}, shape[:dim]...)
	if keepdim {
		out = append(out, 1)
	}
	return append(out, shape[dim+1:]...)
}

// sumDim sums over one dimension. Integer and bool sums are int64, as in PyTorch.
func sumDim(t *Tensor, dim int, keepdim bool) *Tensor {
	outer, size, inner := split(t.shape, dim)
	shape := reducedShape(t.shape, dim, keepdim)
	if t.isFloat() {
		out := &Tensor{dtype: t.dtype, shape: shape, f: make([]float64, outer*inner)}
		for o := range outer {
			for k := range size {
				row := t.f[(o*size+k)*inner:]
				acc := out.f[o*inner:]
				for i := range inner {
					acc[i] += row[i]
				}
			}
		}
		out.roundFloat32()
		return out
	}
	out := &Tensor{dtype: tensor.Int64, shape: shape, i: make([]int64, outer*inner)}
	for o := range outer {
		for k := range size {
			for i := range inner {
				out.i[o*inner+i] += t.i[(o*size+k)*inner+i]
			}
		}
	}
	return out
}

// sumDims sums over dims (all of them when dims is nil), with PyTorch's keepdim.
func sumDims(t *Tensor, dims []int, keepdim bool) (*Tensor, error) {
	resolved, err := resolveDims(dims, t.ndim())
	if err != nil {
		return nil, err
	}
	out := t
	if !t.isFloat() {
		out = t.to(tensor.Int64)
	}
	for _, d := range resolved { // descending, so earlier dims keep their index
		out = sumDim(out, d, true)
	}
	if !keepdim {
		out = dropDims(out, resolved)
	}
	return out, nil
}

// resolveDims normalises a list of dims (nil: all) into distinct descending indices.
func resolveDims(dims []int, ndim int) ([]int, error) {
	if dims == nil {
		dims = make([]int, ndim)
		for k := range dims {
			dims[k] = k
		}
	}
	seen := map[int]bool{}
	out := make([]int, 0, len(dims))
	for _, d := range dims {
		n, err := normDim(d, ndim)
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("dim %d appears multiple times in the list of dims", n)
		}
		seen[n] = true
		if ndim > 0 {
			out = append(out, n)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out, nil
}

// dropDims removes the given size-1 dims (descending indices).
func dropDims(t *Tensor, dims []int) *Tensor {
	shape := append([]int{}, t.shape...)
	for _, d := range dims {
		shape = append(shape[:d], shape[d+1:]...)
	}
	return &Tensor{dtype: t.dtype, shape: shape, f: t.f, i: t.i, frozen: t.frozen}
}

// mean is sum divided by the count, for floating point tensors only (PyTorch refuses integers).
func mean(t *Tensor, dims []int, keepdim bool) (*Tensor, error) {
	if !t.isFloat() {
		return nil, fmt.Errorf("mean(): could not infer output dtype. Input dtype must be a floating point dtype, got %s (convert with .float())", DType{t.dtype})
	}
	resolved, err := resolveDims(dims, t.ndim())
	if err != nil {
		return nil, err
	}
	count := 1
	for _, d := range resolved {
		count *= t.shape[d]
	}
	if dims == nil {
		count = t.numel()
	}
	if len(resolved) == 0 { // a zero-dimensional tensor is its own mean
		return t, nil
	}
	s := t.to(tensor.Double) // accumulate in double, round once
	for _, d := range resolved {
		s = sumDim(s, d, true)
	}
	if !keepdim {
		s = dropDims(s, resolved)
	}
	for k := range s.f {
		s.f[k] /= float64(count)
	}
	return s.to(t.dtype), nil
}

// extreme finds the maximum (sign 1) or minimum (sign -1) over dim, with its first index; NaN wins, as
// in PyTorch.
func extreme(t *Tensor, dim int, keepdim bool, sign float64) (values, indices *Tensor, err error) {
	outer, size, inner := split(t.shape, dim)
	if size == 0 {
		return nil, nil, fmt.Errorf("cannot reduce over dimension %d of size 0", dim)
	}
	shape := reducedShape(t.shape, dim, keepdim)
	values = &Tensor{dtype: t.dtype, shape: shape}
	indices = &Tensor{dtype: tensor.Int64, shape: shape, i: make([]int64, outer*inner)}
	if t.isFloat() {
		values.f = make([]float64, outer*inner)
	} else {
		values.i = make([]int64, outer*inner)
	}
	for o := range outer {
		for i := range inner {
			best, bestK := 0, 0
			for k := range size {
				at := (o*size+k)*inner + i
				if k == 0 || better(t, at, (o*size+best)*inner+i, sign) {
					best, bestK = k, k
				}
			}
			src := (o*size+best)*inner + i
			if t.isFloat() {
				values.f[o*inner+i] = t.f[src]
			} else {
				values.i[o*inner+i] = t.i[src]
			}
			indices.i[o*inner+i] = int64(bestK)
		}
	}
	return values, indices, nil
}

// better reports whether element a beats the current best b.
func better(t *Tensor, a, b int, sign float64) bool {
	if t.isFloat() {
		x, y := t.f[a], t.f[b]
		if math.IsNaN(y) {
			return false
		}
		return math.IsNaN(x) || sign*(x-y) > 0
	}
	if sign > 0 {
		return t.i[a] > t.i[b]
	}
	return t.i[a] < t.i[b]
}

// flat is t viewed as one dimension.
func flat(t *Tensor) *Tensor { return withShape(t, []int{t.numel()}) }
