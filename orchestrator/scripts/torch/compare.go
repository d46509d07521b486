package torch

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/tensor"
)

// Elementwise comparisons give bool tensors, as torch.eq, torch.gt, ... do. Starlark's ==, <, ...
// must answer one bool, so scripts call these functions (or methods) instead of the operators.
var (
	eqFn = comparison("eq", func(x, y float64) bool { return x == y }, func(x, y int64) bool { return x == y })
	neFn = comparison("ne", func(x, y float64) bool { return x != y }, func(x, y int64) bool { return x != y })
	gtFn = comparison("gt", func(x, y float64) bool { return x > y }, func(x, y int64) bool { return x > y })
	geFn = comparison("ge", func(x, y float64) bool { return x >= y }, func(x, y int64) bool { return x >= y })
	ltFn = comparison("lt", func(x, y float64) bool { return x < y }, func(x, y int64) bool { return x < y })
	leFn = comparison("le", func(x, y float64) bool { return x <= y }, func(x, y int64) bool { return x <= y })
)

// comparison builds a binaryFn whose 0/1 results become a bool tensor (see applyBinary's boolResult).
func comparison(name string, f func(x, y float64) bool, i func(x, y int64) bool) *binaryFn {
	return &binaryFn{
		name:       name,
		boolResult: true,
		f: func(x, y float64) float64 {
			if f(x, y) {
				return 1
			}
			return 0
		},
		i: func(x, y int64) int64 {
			if i(x, y) {
				return 1
			}
			return 0
		},
	}
}

// expand materialises t broadcast to shape.
func expand(t *Tensor, shape []int) (*Tensor, error) {
	out, err := newTensor(t.dtype, shape)
	if err != nil {
		return nil, err
	}
	first := func(x, _ float64) float64 { return x }
	firstInt := func(x, _ int64) int64 { return x }
	if t.isFloat() {
		zip(out.f, shape, t.f, t.shape, []float64{0}, nil, first)
	} else {
		zip(out.i, shape, t.i, t.shape, []int64{0}, nil, firstInt)
	}
	return out, nil
}

// where picks x where cond is true and y elsewhere, all three broadcast together; the result has
// x's and y's promoted dtype.
func where(cond *Tensor, x, y operand) (*Tensor, error) {
	shape, err := broadcastShapes(cond.shape, x.t.shape)
	if err != nil {
		return nil, err
	}
	if shape, err = broadcastShapes(shape, y.t.shape); err != nil {
		return nil, err
	}
	dt := resultType(x, y)
	c, err := expand(cond.to(tensor.Bool), shape)
	if err != nil {
		return nil, err
	}
	a, err := expand(x.t.to(dt), shape)
	if err != nil {
		return nil, err
	}
	b, err := expand(y.t.to(dt), shape)
	if err != nil {
		return nil, err
	}
	for k, pick := range c.i {
		if pick != 0 {
			continue
		}
		if dt.IsFloat() {
			a.f[k] = b.f[k]
		} else {
			a.i[k] = b.i[k]
		}
	}
	return a, nil
}

func whereFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var cond, input, other starlark.Value
	if err := starlark.UnpackArgs("where", args, kw, "condition", &cond, "input", &input, "other", &other); err != nil {
		return nil, err
	}
	c, err := tensorArg(cond, "where condition")
	if err != nil {
		return nil, err
	}
	x, err := toOperand(input, "where input")
	if err != nil {
		return nil, err
	}
	y, err := toOperand(other, "where other")
	if err != nil {
		return nil, err
	}
	return result(where(c, x, y))
}
