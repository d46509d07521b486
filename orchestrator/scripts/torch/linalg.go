package torch

import (
	"fmt"
	"math"

	"github.com/ssrun/ssrun/tensor"
)

// matmul is torch.matmul: a dot product for two vectors, a matrix product for matrices, vectors
// promoted to matrices and back, and batch dimensions broadcast. Both operands must have the same
// dtype, as in PyTorch.
func matmul(a, b *Tensor) (*Tensor, error) {
	if a.ndim() == 0 || b.ndim() == 0 {
		return nil, fmt.Errorf("both arguments to matmul need to be at least 1D, but they are %dD and %dD", a.ndim(), b.ndim())
	}
	if a.dtype != b.dtype {
		return nil, fmt.Errorf("expected m1 and m2 to have the same dtype, but got: %s != %s", DType{a.dtype}, DType{b.dtype})
	}
	if a.dtype == tensor.Bool {
		return nil, fmt.Errorf("matmul is not implemented for torch.bool tensors")
	}
	x, y := a, b
	if a.ndim() == 1 {
		x = withShape(a, []int{1, a.shape[0]})
	}
	if b.ndim() == 1 {
		y = withShape(b, []int{b.shape[0], 1})
	}
	out, err := batchedMatmul(x, y)
	if err != nil {
		return nil, err
	}
	batch := out.shape[:out.ndim()-2]
	shape := append([]int{}, batch...)
	if a.ndim() > 1 {
		shape = append(shape, out.shape[out.ndim()-2])
	}
	if b.ndim() > 1 {
		shape = append(shape, out.shape[out.ndim()-1])
	}
	return withShape(out, shape), nil
}

// batchedMatmul multiplies x (..., n, k) by y (..., k, m) with broadcast batch dimensions.
func batchedMatmul(x, y *Tensor) (*Tensor, error) {
	n, k := x.shape[x.ndim()-2], x.shape[x.ndim()-1]
	k2, m := y.shape[y.ndim()-2], y.shape[y.ndim()-1]
	if k != k2 {
		return nil, fmt.Errorf("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", n, k, k2, m)
	}
	xb, yb := x.shape[:x.ndim()-2], y.shape[:y.ndim()-2]
	batch, err := broadcastShapes(xb, yb)
	if err != nil {
		return nil, err
	}
	out, err := newTensor(x.dtype, append(append([]int{}, batch...), n, m))
	if err != nil {
		return nil, err
	}
	xs, ys := broadcastStrides(xb, batch), broadcastStrides(yb, batch)
	idx := make([]int, len(batch))
	for b := range numel(batch) {
		xo, yo := 0, 0
		for d := range batch {
			xo += idx[d] * xs[d]
			yo += idx[d] * ys[d]
		}
		matmulInto(out, b*n*m, x, xo*n*k, y, yo*k*m, n, k, m)
		for d := len(batch) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	out.roundFloat32()
	out.wrapInts()
	return out, nil
}

// matmulInto writes the n×m product of the n×k matrix of x at xo and the k×m matrix of y at yo, in
// i-p-j order so the inner loop walks both y and the output contiguously.
func matmulInto(out *Tensor, oo int, x *Tensor, xo int, y *Tensor, yo int, n, k, m int) {
	for i := range n {
		for p := range k {
			if x.isFloat() {
				a := x.f[xo+i*k+p]
				row := y.f[yo+p*m : yo+(p+1)*m]
				dst := out.f[oo+i*m : oo+(i+1)*m]
				for j, v := range row {
					dst[j] += a * v
				}
			} else {
				a := x.i[xo+i*k+p]
				row := y.i[yo+p*m : yo+(p+1)*m]
				dst := out.i[oo+i*m : oo+(i+1)*m]
				for j, v := range row {
					dst[j] += a * v
				}
			}
		}
	}
}

// softmax is exp(x) / sum(exp(x)) along dim, computed stably by subtracting the maximum first.
func softmax(t *Tensor, dim int) (*Tensor, error) {
	if !t.isFloat() {
		return nil, fmt.Errorf("softmax expects a floating point tensor, got %s (pass dtype=torch.float32 or convert with .float())", DType{t.dtype})
	}
	d, err := normDim(dim, t.ndim())
	if err != nil {
		return nil, err
	}
	outer, size, inner := split(t.shape, d)
	out := &Tensor{dtype: t.dtype, shape: t.shape, f: make([]float64, len(t.f))}
	for o := range outer {
		for i := range inner {
			at := func(k int) int { return (o*size+k)*inner + i }
			top := math.Inf(-1)
			for k := range size {
				top = math.Max(top, t.f[at(k)])
			}
			sum := 0.0
			for k := range size {
				e := math.Exp(t.f[at(k)] - top)
				out.f[at(k)] = e
				sum += e
			}
			for k := range size {
				out.f[at(k)] /= sum
			}
		}
	}
	out.roundFloat32()
	return out, nil
}
