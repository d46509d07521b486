package torch

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/tensor"
)

// impl is one torch function: positional and keyword arguments in, a value out.
type impl func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// functions are the torch.* functions by PyTorch name. Tensor methods of the same name call them with
// the tensor as first argument (methods.go).
var functions = map[string]impl{
	"tensor": tensorFn, "zeros": constantFn("zeros", 0), "ones": constantFn("ones", 1), "full": fullFn, "arange": arangeFn,

	"neg": unaryImpl(negFn), "abs": unaryImpl(absFn), "exp": unaryImpl(expFn), "log": unaryImpl(logFn),
	"sqrt": unaryImpl(sqrtFn), "relu": unaryImpl(reluFn), "sigmoid": unaryImpl(sigmoidFn), "tanh": unaryImpl(tanhFn),

	"add": addSubImpl(addFn), "sub": addSubImpl(subFn), "mul": binaryImpl(mulFn, "other"), "div": divImpl,
	"pow": binaryImpl(powFn, "exponent"), "floor_divide": binaryImpl(floorDivideFn, "other"),
	"remainder": binaryImpl(remainderFn, "other"), "maximum": binaryImpl(maximumFn, "other"),
	"minimum": binaryImpl(minimumFn, "other"), "clamp": clampFn, "clip": clampFn,

	"sum": sumFn, "mean": meanFn, "max": extremeImpl("max", 1), "min": extremeImpl("min", -1),
	"var": varFn, "std": stdFn, "argmax": argExtremeImpl("argmax", 1), "argmin": argExtremeImpl("argmin", -1),

	"reshape": reshapeFn, "transpose": transposeFn, "t": tFn, "permute": permuteFn, "squeeze": squeezeFn,
	"unsqueeze": unsqueezeFn, "flatten": flattenFn, "cat": joinImpl("cat", cat), "concat": joinImpl("concat", cat),
	"stack": joinImpl("stack", stack),

	"eq": binaryImpl(eqFn, "other"), "ne": binaryImpl(neFn, "other"), "gt": binaryImpl(gtFn, "other"),
	"ge": binaryImpl(geFn, "other"), "lt": binaryImpl(ltFn, "other"), "le": binaryImpl(leFn, "other"),
	"where": whereFn,

	"matmul": matmulFn, "softmax": softmaxFn, "numel": numelFn,
}

// Module is the predeclared `torch` of database scripts: the functions above and the dtypes.
func Module() *starlarkstruct.Module {
	members := starlark.StringDict{}
	for name, fn := range functions {
		members[name] = starlark.NewBuiltin(name, builtinOf(fn))
	}
	for d, name := range torchNames {
		members[name] = DType{d}
	}
	for name, d := range dtypeAliases {
		members[name] = DType{d}
	}
	return &starlarkstruct.Module{Name: "torch", Members: members}
}

// Names lists the torch module's members, sorted: what the driver-side placeholder mirrors.
func Names() []string {
	names := Module().Members.Keys()
	sort.Strings(names)
	return names
}

func builtinOf(fn impl) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return fn(args, kw)
	}
}

// result adapts a (*Tensor, error) pair, keeping a nil tensor a nil Value.
func result(t *Tensor, err error) (starlark.Value, error) {
	if err != nil {
		return nil, err
	}
	return t, nil
}

func tensorFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var data, dtype starlark.Value
	if err := starlark.UnpackArgs("tensor", args, kw, "data", &data, "dtype?", &dtype); err != nil {
		return nil, err
	}
	dt, err := dtypeArg(dtype, tensor.Invalid)
	if err != nil {
		return nil, err
	}
	return result(fromData(data, dt))
}

// constantFn is zeros or ones: torch.zeros(2, 3) or torch.zeros((2, 3)), float32 by default.
func constantFn(name string, value int) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		opts, err := kwargs(name, kw, "dtype", "size")
		if err != nil {
			return nil, err
		}
		if size, ok := opts["size"]; ok {
			args = append(args, size)
		}
		shape, err := sizeArgs(args, name+" size")
		if err != nil {
			return nil, err
		}
		dt, err := dtypeArg(opts["dtype"], tensor.Float)
		if err != nil {
			return nil, err
		}
		return result(filled(shape, starlark.MakeInt(value), dt))
	}
}

func fullFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var size, value, dtype starlark.Value
	if err := starlark.UnpackArgs("full", args, kw, "size", &size, "fill_value", &value, "dtype?", &dtype); err != nil {
		return nil, err
	}
	shape, err := sizeArgs(starlark.Tuple{size}, "full size")
	if err != nil {
		return nil, err
	}
	dt, err := dtypeArg(dtype, tensor.Invalid)
	if err != nil {
		return nil, err
	}
	return result(filled(shape, value, dt))
}

// arangeFn is arange(end) or arange(start, end[, step]).
func arangeFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var start, end, dtype starlark.Value
	var step starlark.Value = starlark.MakeInt(1)
	if err := starlark.UnpackArgs("arange", args, kw, "start", &start, "end?", &end, "step?", &step, "dtype?", &dtype); err != nil {
		return nil, err
	}
	if end == nil || end == starlark.None {
		start, end = starlark.MakeInt(0), start
	}
	dt, err := dtypeArg(dtype, tensor.Invalid)
	if err != nil {
		return nil, err
	}
	return result(arange(start, end, step, dt))
}

func unaryImpl(fn *unaryFn) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var input starlark.Value
		if err := starlark.UnpackArgs(fn.name, args, kw, "input", &input); err != nil {
			return nil, err
		}
		t, err := tensorArg(input, fn.name+" input")
		if err != nil {
			return nil, err
		}
		return result(unary(fn, t))
	}
}

// binaryImpl is fn(input, other) where either may be a number (torch.pow(2, x) as well as x's).
func binaryImpl(fn *binaryFn, otherName string) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var input, other starlark.Value
		if err := starlark.UnpackArgs(fn.name, args, kw, "input", &input, otherName, &other); err != nil {
			return nil, err
		}
		return binaryValues(fn, input, other)
	}
}

func binaryValues(fn *binaryFn, input, other starlark.Value) (starlark.Value, error) {
	a, err := toOperand(input, fn.name+" input")
	if err != nil {
		return nil, err
	}
	b, err := toOperand(other, fn.name+" "+"other")
	if err != nil {
		return nil, err
	}
	if a.wrapped && b.wrapped {
		return nil, fmt.Errorf("%s expects at least one Tensor argument", fn.name)
	}
	return result(applyBinary(fn, a, b))
}

// addSubImpl is add or sub with PyTorch's alpha: input ± alpha*other.
func addSubImpl(fn *binaryFn) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var input, other starlark.Value
		var alpha starlark.Value = starlark.MakeInt(1)
		if err := starlark.UnpackArgs(fn.name, args, kw, "input", &input, "other", &other, "alpha?", &alpha); err != nil {
			return nil, err
		}
		if alpha != starlark.MakeInt(1) {
			scaled, err := starlark.Binary(syntax.STAR, other, alpha)
			if err != nil {
				return nil, fmt.Errorf("%s alpha: %v", fn.name, err)
			}
			other = scaled
		}
		return binaryValues(fn, input, other)
	}
}

// divImpl is true division, or with rounding_mode "trunc" or "floor" a rounded quotient in the
// promoted dtype.
func divImpl(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input, other starlark.Value
	var mode starlark.Value = starlark.None
	if err := starlark.UnpackArgs("div", args, kw, "input", &input, "other", &other, "rounding_mode?", &mode); err != nil {
		return nil, err
	}
	switch mode {
	case starlark.None:
		return binaryValues(divFn, input, other)
	case starlark.String("floor"):
		return binaryValues(floorDivideFn, input, other)
	case starlark.String("trunc"):
		return binaryValues(truncDivideFn, input, other)
	}
	return nil, fmt.Errorf("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found %s", mode)
}

// clampFn limits values to [min, max]; either bound may be None, a number or a tensor.
func clampFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input starlark.Value
	var lo, hi starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs("clamp", args, kw, "input", &input, "min?", &lo, "max?", &hi); err != nil {
		return nil, err
	}
	if _, err := tensorArg(input, "clamp input"); err != nil {
		return nil, err
	}
	if lo == starlark.None && hi == starlark.None {
		return nil, fmt.Errorf("torch.clamp: at least one of 'min' or 'max' must not be None")
	}
	out := input
	var err error
	if lo != starlark.None {
		if out, err = binaryValues(maximumFn, out, lo); err != nil {
			return nil, err
		}
	}
	if hi != starlark.None {
		if out, err = binaryValues(minimumFn, out, hi); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reductionArgs unpacks (input, dim=None, keepdim=False, dtype=None).
func reductionArgs(name string, args starlark.Tuple, kw []starlark.Tuple) (*Tensor, []int, bool, error) {
	var input, dim, keepdim, dtype starlark.Value
	if err := starlark.UnpackArgs(name, args, kw, "input", &input, "dim?", &dim, "keepdim?", &keepdim, "dtype?", &dtype); err != nil {
		return nil, nil, false, err
	}
	t, err := tensorArg(input, name+" input")
	if err != nil {
		return nil, nil, false, err
	}
	dims, err := dimsArg(dim)
	if err != nil {
		return nil, nil, false, err
	}
	keep, err := boolArg(keepdim, "keepdim")
	if err != nil {
		return nil, nil, false, err
	}
	dt, err := dtypeArg(dtype, tensor.Invalid)
	if err != nil {
		return nil, nil, false, err
	}
	if dt != tensor.Invalid {
		t = t.to(dt)
	}
	return t, dims, keep, nil
}

func sumFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, dims, keep, err := reductionArgs("sum", args, kw)
	if err != nil {
		return nil, err
	}
	return result(sumDims(t, dims, keep))
}

func meanFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, dims, keep, err := reductionArgs("mean", args, kw)
	if err != nil {
		return nil, err
	}
	return result(mean(t, dims, keep))
}

// extremeImpl is max or min in PyTorch's three forms: max(x) is the overall maximum, max(x, dim,
// keepdim=False) a (values, indices) pair, max(x, other) the elementwise maximum.
func extremeImpl(name string, sign float64) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var input, dim, keepdim starlark.Value
		if err := starlark.UnpackArgs(name, args, kw, "input", &input, "dim?", &dim, "keepdim?", &keepdim); err != nil {
			return nil, err
		}
		t, err := tensorArg(input, name+" input")
		if err != nil {
			return nil, err
		}
		if other, ok := dim.(*Tensor); ok {
			fn := maximumFn
			if sign < 0 {
				fn = minimumFn
			}
			return binaryValues(fn, t, other)
		}
		keep, err := boolArg(keepdim, "keepdim")
		if err != nil {
			return nil, err
		}
		if dim == nil || dim == starlark.None {
			if t.numel() == 0 {
				return nil, fmt.Errorf("%s(): expected reduction dim to be specified for input.numel() == 0", name)
			}
			values, _, err := extreme(flat(t), 0, false, sign)
			return result(values, err)
		}
		d, err := intArg(dim, "dim")
		if err != nil {
			return nil, err
		}
		if d, err = normDim(d, t.ndim()); err != nil {
			return nil, err
		}
		values, indices, err := extreme(t, d, keep, sign)
		if err != nil {
			return nil, err
		}
		return &ValuesIndices{Values: values, Indices: indices}, nil
	}
}

// argExtremeImpl is argmax or argmin: over the flattened tensor, or along dim.
func argExtremeImpl(name string, sign float64) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var input, dim, keepdim starlark.Value
		if err := starlark.UnpackArgs(name, args, kw, "input", &input, "dim?", &dim, "keepdim?", &keepdim); err != nil {
			return nil, err
		}
		t, err := tensorArg(input, name+" input")
		if err != nil {
			return nil, err
		}
		keep, err := boolArg(keepdim, "keepdim")
		if err != nil {
			return nil, err
		}
		if dim == nil || dim == starlark.None {
			if t.numel() == 0 {
				return nil, fmt.Errorf("%s(): expected reduction dim to be specified for input.numel() == 0", name)
			}
			_, indices, err := extreme(flat(t), 0, false, sign)
			if err == nil && keep {
				ones := make([]int, t.ndim())
				for k := range ones {
					ones[k] = 1
				}
				indices = withShape(indices, ones)
			}
			return result(indices, err)
		}
		d, err := intArg(dim, "dim")
		if err != nil {
			return nil, err
		}
		if d, err = normDim(d, t.ndim()); err != nil {
			return nil, err
		}
		_, indices, err := extreme(t, d, keep, sign)
		return result(indices, err)
	}
}

func reshapeFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input, shape starlark.Value
	if err := starlark.UnpackArgs("reshape", args, kw, "input", &input, "shape", &shape); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "reshape input")
	if err != nil {
		return nil, err
	}
	dims, err := sizeArgs(starlark.Tuple{shape}, "shape")
	if err != nil {
		return nil, err
	}
	return result(reshape(t, dims))
}

func transposeFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input starlark.Value
	var d0, d1 int
	if err := starlark.UnpackArgs("transpose", args, kw, "input", &input, "dim0", &d0, "dim1", &d1); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "transpose input")
	if err != nil {
		return nil, err
	}
	return result(transpose(t, d0, d1))
}

// tFn is torch.t: the transpose of a matrix (vectors and scalars are returned as they are).
func tFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input starlark.Value
	if err := starlark.UnpackArgs("t", args, kw, "input", &input); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "t input")
	if err != nil {
		return nil, err
	}
	if t.ndim() > 2 {
		return nil, fmt.Errorf("t() expects a tensor with <= 2 dimensions, but self is %dD", t.ndim())
	}
	if t.ndim() < 2 {
		return t, nil
	}
	return result(transpose(t, 0, 1))
}

func permuteFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input, dims starlark.Value
	if err := starlark.UnpackArgs("permute", args, kw, "input", &input, "dims", &dims); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "permute input")
	if err != nil {
		return nil, err
	}
	order, err := sizeArgs(starlark.Tuple{dims}, "dims")
	if err != nil {
		return nil, err
	}
	return result(permute(t, order))
}

func squeezeFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input, dim starlark.Value
	if err := starlark.UnpackArgs("squeeze", args, kw, "input", &input, "dim?", &dim); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "squeeze input")
	if err != nil {
		return nil, err
	}
	if dim == nil || dim == starlark.None {
		return result(squeeze(t, nil))
	}
	d, err := intArg(dim, "dim")
	if err != nil {
		return nil, err
	}
	return result(squeeze(t, &d))
}

func unsqueezeFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input starlark.Value
	var dim int
	if err := starlark.UnpackArgs("unsqueeze", args, kw, "input", &input, "dim", &dim); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "unsqueeze input")
	if err != nil {
		return nil, err
	}
	return result(unsqueeze(t, dim))
}

func flattenFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input starlark.Value
	start, end := 0, -1
	if err := starlark.UnpackArgs("flatten", args, kw, "input", &input, "start_dim?", &start, "end_dim?", &end); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "flatten input")
	if err != nil {
		return nil, err
	}
	return result(flatten(t, start, end))
}

// joinImpl is cat or stack: (tensors, dim=0).
func joinImpl(name string, join func([]*Tensor, int) (*Tensor, error)) impl {
	return func(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var tensors starlark.Value
		dim := 0
		if err := starlark.UnpackArgs(name, args, kw, "tensors", &tensors, "dim?", &dim); err != nil {
			return nil, err
		}
		ts, err := tensorsArg(tensors, name+" tensors")
		if err != nil {
			return nil, err
		}
		return result(join(ts, dim))
	}
}

func matmulFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input, other starlark.Value
	if err := starlark.UnpackArgs("matmul", args, kw, "input", &input, "other", &other); err != nil {
		return nil, err
	}
	a, err := tensorArg(input, "matmul input")
	if err != nil {
		return nil, err
	}
	b, err := tensorArg(other, "matmul other")
	if err != nil {
		return nil, err
	}
	return result(matmul(a, b))
}

func softmaxFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input, dtype starlark.Value
	var dim int
	if err := starlark.UnpackArgs("softmax", args, kw, "input", &input, "dim", &dim, "dtype?", &dtype); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "softmax input")
	if err != nil {
		return nil, err
	}
	dt, err := dtypeArg(dtype, tensor.Invalid)
	if err != nil {
		return nil, err
	}
	if dt != tensor.Invalid {
		t = t.to(dt)
	}
	return result(softmax(t, dim))
}

func numelFn(args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var input starlark.Value
	if err := starlark.UnpackArgs("numel", args, kw, "input", &input); err != nil {
		return nil, err
	}
	t, err := tensorArg(input, "numel input")
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(t.numel()), nil
}
