package torch

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/tensor"
)

// variance is torch.var over dims (nil: all) with Bessel's correction subtracted from the count
// (1 by default, PyTorch's unbiased estimator). It is computed in float64 from the mean.
func variance(t *Tensor, dims []int, correction float64, keepdim bool) (*Tensor, error) {
	if !t.isFloat() {
		return nil, fmt.Errorf("std and var only support floating point dtypes, got %s (convert with .float())", DType{t.dtype})
	}
	resolved, err := resolveDims(dims, t.ndim())
	if err != nil {
		return nil, err
	}
	x := t.to(tensor.Double)
	m, err := mean(x, dims, true)
	if err != nil {
		return nil, err
	}
	diff, err := applyBinary(subFn, operand{t: x}, operand{t: m})
	if err != nil {
		return nil, err
	}
	sq, err := applyBinary(mulFn, operand{t: diff}, operand{t: diff})
	if err != nil {
		return nil, err
	}
	count := 1
	for _, d := range resolved {
		count *= t.shape[d]
	}
	out := sq
	for _, d := range resolved {
		out = sumDim(out, d, true)
	}
	if !keepdim {
		out = dropDims(out, resolved)
	}
	out = out.clone()
	for k := range out.f {
		out.f[k] /= math.Max(float64(count)-correction, 0)
	}
	return out.to(t.dtype), nil
}

// varianceArgs reads (input, dim=None, unbiased=True, keepdim=False, correction=None), accepting
// PyTorch's older var(input, unbiased) form too.
func varianceArgs(name string, args starlark.Tuple, kw []starlark.Tuple) (*Tensor, []int, float64, bool, error) {
	var dim, unbiased, keepdim, correction starlark.Value
	t, err := tensorInput(name, args, kw, "dim?", &dim, "unbiased?", &unbiased, "keepdim?", &keepdim,
		"correction?", &correction)
	if err != nil {
		return nil, nil, 0, false, err
	}
	if b, ok := dim.(starlark.Bool); ok { // var(x, False)
		dim, unbiased = nil, b
	}
	dims, err := dimsArg(dim)
	if err != nil {
		return nil, nil, 0, false, err
	}
	keep, err := boolArg(keepdim, "keepdim")
	if err != nil {
		return nil, nil, 0, false, err
	}
	c := 1.0
	if unbiased != nil {
		u, err := boolArg(unbiased, "unbiased")
		if err != nil {
			return nil, nil, 0, false, err
		}
		if !u {
			c = 0
		}
	}
	if correction != nil && correction != starlark.None {
		f, ok := starlark.AsFloat(correction)
		if !ok {
			return nil, nil, 0, false, fmt.Errorf("correction must be a number, not %s", correction.Type())
		}
		c = f
	}
	return t, dims, c, keep, nil
}

func varFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, dims, c, keep, err := varianceArgs("var", args, kw)
	if err != nil {
		return nil, err
	}
	return result(variance(t, dims, c, keep))
}

// stdFn is the square root of var.
func stdFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, dims, c, keep, err := varianceArgs("std", args, kw)
	if err != nil {
		return nil, err
	}
	v, err := variance(t, dims, c, keep)
	if err != nil {
		return nil, err
	}
	return result(unary(sqrtFn, v))
}
