package torch

import (
	"fmt"
)

// withShape shares t's values under another shape of the same element count: a view, as
// reshape/view/squeeze/unsqueeze/flatten are in PyTorch, so writing through it writes t.
func withShape(t *Tensor, shape []int) *Tensor {
	return &Tensor{dtype: t.dtype, shape: shape, f: t.f, i: t.i, frozen: t.frozen}
}

// reshape is torch.reshape / Tensor.view: one dimension may be -1 and is inferred.
func reshape(t *Tensor, shape []int) (*Tensor, error) {
	out := append([]int{}, shape...)
	infer, known := -1, 1
	for k, d := range out {
		switch {
		case d == -1 && infer >= 0:
			return nil, fmt.Errorf("only one dimension can be inferred")
		case d == -1:
			infer = k
		case d < 0:
			return nil, fmt.Errorf("invalid shape dimension %d", d)
		default:
			known *= d
		}
	}
	n := t.numel()
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return nil, fmt.Errorf("shape '%s' is invalid for input of size %d", shapeString(shape), n)
		}
		out[infer] = n / known
	}
	if numel(out) != n {
		return nil, fmt.Errorf("shape '%s' is invalid for input of size %d", shapeString(shape), n)
	}
	return withShape(t, out), nil
}

// permute reorders the dimensions: dimension k of the result is dimension dims[k] of t.
func permute(t *Tensor, dims []int) (*Tensor, error) {
	nd := t.ndim()
	if len(dims) != nd {
		return nil, fmt.Errorf("permute(): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = %d is not equal to len(dims) = %d", nd, len(dims))
	}
	seen := make([]bool, nd)
	order := make([]int, nd)
	for k, d := range dims {
		n, err := normDim(d, nd)
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("permute(): duplicate dims are not allowed")
		}
		seen[n], order[k] = true, n
	}
	inStrides := make([]int, nd)
	stride := 1
	for d := nd - 1; d >= 0; d-- {
		inStrides[d] = stride
		stride *= t.shape[d]
	}
	shape := make([]int, nd)
	strides := make([]int, nd)
	for k, d := range order {
		shape[k], strides[k] = t.shape[d], inStrides[d]
	}
	out, err := newTensor(t.dtype, shape)
	if err != nil {
		return nil, err
	}
	idx := make([]int, nd)
	src := 0
	for k := range out.numel() {
		if t.isFloat() {
			out.f[k] = t.f[src]
		} else {
			out.i[k] = t.i[src]
		}
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			src += strides[d]
			if idx[d] < shape[d] {
				break
			}
			src -= strides[d] * shape[d]
			idx[d] = 0
		}
	}
	return out, nil
}

// transpose swaps two dimensions.
func transpose(t *Tensor, d0, d1 int) (*Tensor, error) {
	nd := t.ndim()
	a, err := normDim(d0, nd)
	if err != nil {
		return nil, err
	}
	b, err := normDim(d1, nd)
	if err != nil {
		return nil, err
	}
	if nd == 0 {
		return t, nil
	}
	dims := make([]int, nd)
	for k := range dims {
		dims[k] = k
	}
	dims[a], dims[b] = dims[b], dims[a]
	return permute(t, dims)
}

// squeeze removes size-1 dimensions: all of them, or only dim (a no-op when its size is not 1).
func squeeze(t *Tensor, dim *int) (*Tensor, error) {
	if dim != nil {
		d, err := normDim(*dim, t.ndim())
		if err != nil {
			return nil, err
		}
		if t.ndim() == 0 || t.shape[d] != 1 {
			return t, nil
		}
		return dropDims(t, []int{d}), nil
	}
	shape := []int{}
	for _, d := range t.shape {
		if d != 1 {
			shape = append(shape, d)
		}
	}
	return withShape(t, shape), nil
}

// unsqueeze inserts a size-1 dimension at dim (which may be ndim, or negative counting from ndim+1).
func unsqueeze(t *Tensor, dim int) (*Tensor, error) {
	d, err := normDim(dim, t.ndim()+1)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]int{}, t.shape[:d]...), 1), t.shape[d:]...)
	return withShape(t, shape), nil
}

// flatten merges dimensions start..end into one.
func flatten(t *Tensor, start, end int) (*Tensor, error) {
	if t.ndim() == 0 {
		return withShape(t, []int{1}), nil
	}
	s, err := normDim(start, t.ndim())
	if err != nil {
		return nil, err
	}
	e, err := normDim(end, t.ndim())
	if err != nil {
		return nil, err
	}
	if s > e {
		return nil, fmt.Errorf("flatten() has invalid args: start_dim cannot come after end_dim")
	}
	shape := append(append(append([]int{}, t.shape[:s]...), numel(t.shape[s:e+1])), t.shape[e+1:]...)
	return withShape(t, shape), nil
}

// cat joins tensors along dim; every other dimension must match. The result has the promoted dtype.
func cat(ts []*Tensor, dim int) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("cat expects a non-empty list of Tensors")
	}
	first := ts[0]
	if first.ndim() == 0 {
		return nil, fmt.Errorf("zero-dimensional tensor (at position 0) cannot be concatenated")
	}
	d, err := normDim(dim, first.ndim())
	if err != nil {
		return nil, err
	}
	dt := first.dtype
	total := 0
	for k, t := range ts {
		if t.ndim() != first.ndim() {
			return nil, fmt.Errorf("tensors must have same number of dimensions: got %d and %d", first.ndim(), t.ndim())
		}
		for j := range t.shape {
			if j != d && t.shape[j] != first.shape[j] {
				return nil, fmt.Errorf("sizes of tensors must match except in dimension %d. Expected size %d but got size %d for tensor number %d in the list", d, first.shape[j], t.shape[j], k)
			}
		}
		dt = promote(dt, t.dtype)
		total += t.shape[d]
	}
	shape := append([]int{}, first.shape...)
	shape[d] = total
	out, err := newTensor(dt, shape)
	if err != nil {
		return nil, err
	}
	converted := make([]*Tensor, len(ts))
	for k, t := range ts {
		converted[k] = t.to(dt)
	}
	outer, _, inner := split(shape, d)
	pos := 0
	for o := range outer {
		for _, t := range converted {
			n := t.shape[d] * inner
			if dt.IsFloat() {
				pos += copy(out.f[pos:], t.f[o*n:(o+1)*n])
			} else {
				pos += copy(out.i[pos:], t.i[o*n:(o+1)*n])
			}
		}
	}
	return out, nil
}

// stack joins same-shaped tensors along a new dimension dim.
func stack(ts []*Tensor, dim int) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("stack expects a non-empty list of Tensors")
	}
	expanded := make([]*Tensor, len(ts))
	for k, t := range ts {
		if !equalShapes(t.shape, ts[0].shape) {
			return nil, fmt.Errorf("stack expects each tensor to be equal size, but got %s at entry 0 and %s at entry %d", shapeString(ts[0].shape), shapeString(t.shape), k)
		}
		u, err := unsqueeze(t, dim)
		if err != nil {
			return nil, err
		}
		expanded[k] = u
	}
	d, _ := normDim(dim, ts[0].ndim()+1)
	return cat(expanded, d)
}

func equalShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
