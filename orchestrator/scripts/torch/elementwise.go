package torch

import (
	"fmt"
	"math"

	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/tensor"
)

// binaryFn is an elementwise operation of two operands, with its float and integer forms.
type binaryFn struct {
	name string
	f    func(x, y float64) float64
	i    func(x, y int64) int64
	// checkInts, when set, vets the integer right operand (division by zero, negative powers).
	checkInts func(y *Tensor) error
	// floatResult makes integer inputs give a float32 result (true division).
	floatResult bool
	// boolResult makes the result a bool tensor of the 0/1 values computed in the promoted dtype.
	boolResult bool
	// fast, when set, is a tight loop for same-shape float64 operands (the common case).
	fast func(out, x, y []float64)
}

var (
	addFn = &binaryFn{name: "add", f: func(x, y float64) float64 { return x + y }, i: func(x, y int64) int64 { return x + y },
		fast: func(out, x, y []float64) {
			for k := range out {
				out[k] = x[k] + y[k]
			}
		}}
	subFn = &binaryFn{name: "sub", f: func(x, y float64) float64 { return x - y }, i: func(x, y int64) int64 { return x - y },
		fast: func(out, x, y []float64) {
			for k := range out {
				out[k] = x[k] - y[k]
			}
		}}
	mulFn = &binaryFn{name: "mul", f: func(x, y float64) float64 { return x * y }, i: func(x, y int64) int64 { return x * y },
		fast: func(out, x, y []float64) {
			for k := range out {
				out[k] = x[k] * y[k]
			}
		}}
	divFn = &binaryFn{name: "div", f: func(x, y float64) float64 { return x / y }, floatResult: true,
		fast: func(out, x, y []float64) {
			for k := range out {
				out[k] = x[k] / y[k]
			}
		}}
	floorDivideFn = &binaryFn{name: "floor_divide", f: func(x, y float64) float64 { return math.Floor(x / y) },
		i: floorDivInt, checkInts: noZeroDivisor}
	remainderFn = &binaryFn{name: "remainder", f: floatRemainder, i: intRemainder, checkInts: noZeroDivisor}
	powFn       = &binaryFn{name: "pow", f: math.Pow, i: intPow, checkInts: noNegativeExponent}
	maximumFn   = &binaryFn{name: "maximum", f: floatMax, i: func(x, y int64) int64 { return max(x, y) }}
	minimumFn   = &binaryFn{name: "minimum", f: floatMin, i: func(x, y int64) int64 { return min(x, y) }}
)

// operatorOps maps Starlark's arithmetic operators to torch's functions, as Python maps them.
var operatorOps = map[syntax.Token]*binaryFn{
	syntax.PLUS: addFn, syntax.MINUS: subFn, syntax.STAR: mulFn, syntax.SLASH: divFn,
	syntax.SLASHSLASH: floorDivideFn, syntax.PERCENT: remainderFn,
}

// applyBinary applies fn with broadcasting and torch's type promotion.
func applyBinary(fn *binaryFn, a, b operand) (*Tensor, error) {
	dt := resultType(a, b)
	if fn.floatResult && !dt.IsFloat() {
		dt = tensor.Float
	}
	if fn == subFn && a.t.dtype == tensor.Bool && b.t.dtype == tensor.Bool {
		return nil, fmt.Errorf("subtraction, the - operator, with two bool tensors is not supported; use logical operations instead")
	}
	if dt == tensor.Bool && fn != addFn && fn != mulFn && fn != maximumFn && fn != minimumFn && !fn.boolResult {
		dt = tensor.Int64 // arithmetic beyond or/and on bools counts them as integers
	}
	shape, err := broadcastShapes(a.t.shape, b.t.shape)
	if err != nil {
		return nil, err
	}
	x, y := a.t.to(dt), b.t.to(dt)
	out, err := newTensor(dt, shape)
	if err != nil {
		return nil, err
	}
	if dt.IsFloat() {
		if fn.fast != nil && len(x.f) == len(out.f) && len(y.f) == len(out.f) {
			fn.fast(out.f, x.f, y.f)
		} else {
			zip(out.f, shape, x.f, x.shape, y.f, y.shape, fn.f)
		}
		if fn.boolResult {
			return out.to(tensor.Bool), nil
		}
		out.roundFloat32()
		return out, nil
	}
	if fn.i == nil {
		return nil, fmt.Errorf("%s is not defined for %s tensors", fn.name, DType{dt})
	}
	if fn.checkInts != nil {
		if err := fn.checkInts(y); err != nil {
			return nil, err
		}
	}
	zip(out.i, shape, x.i, x.shape, y.i, y.shape, fn.i)
	if fn.boolResult {
		return out.to(tensor.Bool), nil
	}
	out.wrapInts()
	return out, nil
}

// broadcastShapes is PyTorch's (NumPy's) broadcasting: shapes align at the right, and each pair of
// dimensions must be equal or one of them 1.
func broadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for k := 1; k <= n; k++ {
		da, db := 1, 1
		if k <= len(a) {
			da = a[len(a)-k]
		}
		if k <= len(b) {
			db = b[len(b)-k]
		}
		switch {
		case da == db || db == 1:
			out[n-k] = da
		case da == 1:
			out[n-k] = db
		default:
			return nil, fmt.Errorf("the size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d", da, db, n-k)
		}
	}
	return out, nil
}

// broadcastStrides are the row-major strides of shape seen through the broadcast shape out: 0 where
// shape is broadcast (missing or 1).
func broadcastStrides(shape, out []int) []int {
	strides := make([]int, len(out))
	stride := 1
	for k := 1; k <= len(shape); k++ {
		d := shape[len(shape)-k]
		if d != 1 {
			strides[len(out)-k] = stride
		}
		stride *= d
	}
	return strides
}

// zip fills out (of shape) with op over x and y broadcast to shape.
func zip[T any](out []T, shape []int, x []T, xShape []int, y []T, yShape []int, op func(T, T) T) {
	switch {
	case len(x) == len(out) && len(y) == len(out):
		for k := range out {
			out[k] = op(x[k], y[k])
		}
		return
	case len(y) == 1 && len(x) == len(out):
		s := y[0]
		for k := range out {
			out[k] = op(x[k], s)
		}
		return
	case len(x) == 1 && len(y) == len(out):
		s := x[0]
		for k := range out {
			out[k] = op(s, y[k])
		}
		return
	}
	sx, sy := broadcastStrides(xShape, shape), broadcastStrides(yShape, shape)
	idx := make([]int, len(shape))
	ix, iy := 0, 0
	for k := range out {
		out[k] = op(x[ix], y[iy])
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			ix += sx[d]
			iy += sy[d]
			if idx[d] < shape[d] {
				break
			}
			ix -= sx[d] * shape[d]
			iy -= sy[d] * shape[d]
			idx[d] = 0
		}
	}
}

func floorDivInt(x, y int64) int64 {
	q := x / y
	if (x%y != 0) && ((x < 0) != (y < 0)) {
		q--
	}
	return q
}

// floatRemainder and intRemainder are Python's %: the result has the divisor's sign.
func floatRemainder(x, y float64) float64 {
	r := math.Mod(x, y)
	if r != 0 && (r < 0) != (y < 0) {
		r += y
	}
	return r
}

func intRemainder(x, y int64) int64 {
	r := x % y
	if r != 0 && (r < 0) != (y < 0) {
		r += y
	}
	return r
}

func noZeroDivisor(y *Tensor) error {
	for _, v := range y.i {
		if v == 0 {
			return fmt.Errorf("ZeroDivisionError: integer division or remainder by zero")
		}
	}
	return nil
}

func noNegativeExponent(y *Tensor) error {
	for _, v := range y.i {
		if v < 0 {
			return fmt.Errorf("integers to negative integer powers are not allowed")
		}
	}
	return nil
}

// intPow is exponentiation by squaring with int64 wrap-around, as integer pow in PyTorch.
func intPow(x, y int64) int64 {
	r := int64(1)
	for y > 0 {
		if y&1 == 1 {
			r *= x
		}
		x *= x
		y >>= 1
	}
	return r
}

// floatMax and floatMin propagate NaN, as torch.maximum and torch.clamp do.
func floatMax(x, y float64) float64 {
	if math.IsNaN(x) || x > y {
		return x
	}
	return y
}

func floatMin(x, y float64) float64 {
	if math.IsNaN(x) || x < y {
		return x
	}
	return y
}

// unaryFn is an elementwise function of one tensor.
type unaryFn struct {
	name string
	f    func(float64) float64
	// i is the integer form; nil means integer inputs are computed as float32 (exp, log, ...).
	i func(int64) int64
	// noBool refuses bool inputs, as torch does for arithmetic negation.
	noBool bool
}

var (
	negFn     = &unaryFn{name: "neg", f: func(x float64) float64 { return -x }, i: func(x int64) int64 { return -x }, noBool: true}
	absFn     = &unaryFn{name: "abs", f: math.Abs, i: func(x int64) int64 { return max(x, -x) }, noBool: true}
	reluFn    = &unaryFn{name: "relu", f: func(x float64) float64 { return floatMax(x, 0) }, i: func(x int64) int64 { return max(x, 0) }, noBool: true}
	expFn     = &unaryFn{name: "exp", f: math.Exp}
	logFn     = &unaryFn{name: "log", f: math.Log}
	sqrtFn    = &unaryFn{name: "sqrt", f: math.Sqrt}
	tanhFn    = &unaryFn{name: "tanh", f: math.Tanh}
	sigmoidFn = &unaryFn{name: "sigmoid", f: func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }}
)

// unary applies fn to every element.
func unary(fn *unaryFn, t *Tensor) (*Tensor, error) {
	if fn.noBool && t.dtype == tensor.Bool {
		return nil, fmt.Errorf("%s is not supported on bool tensors", fn.name)
	}
	if !t.isFloat() && fn.i != nil {
		out := &Tensor{dtype: t.dtype, shape: t.shape, i: make([]int64, len(t.i))}
		for k, v := range t.i {
			out.i[k] = fn.i(v)
		}
		out.wrapInts()
		return out, nil
	}
	x := t
	if !t.isFloat() {
		x = t.to(tensor.Float)
	}
	out := &Tensor{dtype: x.dtype, shape: x.shape, f: make([]float64, len(x.f))}
	for k, v := range x.f {
		out.f[k] = fn.f(v)
	}
	out.roundFloat32()
	return out, nil
}

func neg(t *Tensor) (*Tensor, error) { return unary(negFn, t) }

// truncDivideFn is div with rounding_mode="trunc": the quotient rounded toward zero.
var truncDivideFn = &binaryFn{name: "div", f: func(x, y float64) float64 { return math.Trunc(x / y) },
	i: func(x, y int64) int64 { return x / y }, checkInts: noZeroDivisor}
