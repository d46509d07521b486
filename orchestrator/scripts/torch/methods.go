package torch

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/tensor"
)

// methodFunctions are the torch functions also callable as tensor methods (x.sum(1) is torch.sum(x, 1)).
var methodFunctions = []string{
	"neg", "abs", "exp", "log", "sqrt", "relu", "sigmoid", "tanh",
	"add", "sub", "mul", "div", "pow", "floor_divide", "remainder", "maximum", "minimum", "clamp", "clip",
	"sum", "mean", "var", "std", "max", "min", "argmax", "argmin",
	"eq", "ne", "gt", "ge", "lt", "le",
	"transpose", "t", "squeeze", "unsqueeze", "flatten", "matmul", "softmax", "numel",
}

// method is a tensor method: the tensor, then the call's arguments.
type method = func(*Tensor, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)

// tensorMethods are every method of a tensor: those with no torch.* function of the same shape, and
// the torch functions of methodFunctions, called with the tensor as first argument.
var tensorMethods = withFunctionMethods(map[string]method{
	"reshape": sizesMethod("reshape", "shape", reshape), "view": sizesMethod("reshape", "shape", reshape),
	"permute": sizesMethod("permute", "dims", permute),
	"size":    sizeMethod, "dim": dimMethod, "item": itemMethod, "tolist": tolistMethod, "to": toMethod,
	"float":      castMethod(tensor.Float),
	"double":     castMethod(tensor.Double),
	"int":        castMethod(tensor.Int32),
	"long":       castMethod(tensor.Int64),
	"bool":       castMethod(tensor.Bool),
	"contiguous": identityMethod, "detach": identityMethod, "clone": cloneMethod, "cpu": identityMethod,
})

// withFunctionMethods adds to methods one method per name of methodFunctions: x.sum(1) is
// torch.sum(x, 1).
func withFunctionMethods(methods map[string]method) map[string]method {
	for _, name := range methodFunctions {
		fn := functions[name]
		methods[name] = func(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return fn(append(starlark.Tuple{t}, args...), kw)
		}
	}
	return methods
}

// Attr gives x.shape, x.dtype, x.ndim and the methods.
func (t *Tensor) Attr(name string) (starlark.Value, error) {
	switch name {
	case "shape":
		return shapeTuple(t.shape), nil
	case "dtype":
		return DType{t.dtype}, nil
	case "ndim":
		return starlark.MakeInt(t.ndim()), nil
	case "device":
		return starlark.String("cpu"), nil // scripts run on the CPU whatever device they were stored for
	case "T":
		return result(permute(t, reversedDims(t.ndim())))
	}
	method, ok := tensorMethods[name]
	if !ok {
		return nil, nil // Starlark reports "Tensor has no .name field or method"
	}
	return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return method(t, args, kw)
	}).BindReceiver(t), nil
}

// AttrNames lists the attributes, sorted.
func (t *Tensor) AttrNames() []string {
	names := []string{"shape", "dtype", "ndim", "T", "device"}
	for name := range tensorMethods {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func reversedDims(n int) []int {
	dims := make([]int, n)
	for k := range dims {
		dims[k] = n - 1 - k
	}
	return dims
}

// sizesMethod is x.reshape(2, 3) or x.reshape((2, 3)) (x.view is reshape too), and x.permute(1, 0) or
// x.permute((1, 0)): the ints given one by one or as one sequence.
func sizesMethod(name, param string, op func(*Tensor, []int) (*Tensor, error)) method {
	return func(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(kw) > 0 {
			return nil, fmt.Errorf("%s takes no keyword arguments", name)
		}
		sizes, err := sizeArgs(args, param)
		if err != nil {
			return nil, err
		}
		return result(op(t, sizes))
	}
}

// sizeMethod is x.size() (the shape) or x.size(dim).
func sizeMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var dim starlark.Value
	if err := starlark.UnpackArgs("size", args, kw, "dim?", &dim); err != nil {
		return nil, err
	}
	if dim == nil || dim == starlark.None {
		return shapeTuple(t.shape), nil
	}
	d, err := intArg(dim, "dim")
	if err != nil {
		return nil, err
	}
	if t.ndim() == 0 {
		return nil, fmt.Errorf("dimension specified as %d but tensor has no dimensions", d)
	}
	if d, err = normDim(d, t.ndim()); err != nil {
		return nil, err
	}
	return starlark.MakeInt(t.shape[d]), nil
}

func dimMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs("dim", args, kw); err != nil {
		return nil, err
	}
	return starlark.MakeInt(t.ndim()), nil
}

// itemMethod is the value of a one-element tensor as a number.
func itemMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs("item", args, kw); err != nil {
		return nil, err
	}
	if t.numel() != 1 {
		return nil, fmt.Errorf("a Tensor with %d elements cannot be converted to Scalar", t.numel())
	}
	return t.element(0), nil
}

// tolistMethod converts to nested lists of numbers (a number for a zero-dimensional tensor).
func tolistMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs("tolist", args, kw); err != nil {
		return nil, err
	}
	return t.nestedList(0, 0), nil
}

func (t *Tensor) nestedList(dim, offset int) starlark.Value {
	if dim == t.ndim() {
		return t.element(offset)
	}
	inner := numel(t.shape[dim+1:])
	items := make([]starlark.Value, t.shape[dim])
	for k := range items {
		items[k] = t.nestedList(dim+1, offset+k*inner)
	}
	return starlark.NewList(items)
}

// toMethod is x.to(dtype), x.to(device), x.to(device, dtype) or x.to(other_tensor): devices (strings
// such as "cpu" or "cuda:0", or x.device) are accepted and ignored, as scripts run on the CPU.
func toMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	opts, err := kwargs("to", kw, "dtype", "device", "copy", "non_blocking")
	if err != nil {
		return nil, err
	}
	dt := t.dtype
	for _, a := range append(args, opts["dtype"]) {
		switch a := a.(type) {
		case nil, starlark.String:
		case DType:
			dt = a.D
		case *Tensor:
			dt = a.dtype
		default:
			return nil, fmt.Errorf("to() expects a dtype, a device or a tensor, not %s", a.Type())
		}
	}
	return t.to(dt), nil
}

func castMethod(dt tensor.DType) func(*Tensor, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackArgs(torchNames[dt], args, kw); err != nil {
			return nil, err
		}
		return t.to(dt), nil
	}
}

// cloneMethod is x.clone(): a copy that owns its values.
func cloneMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs("clone", args, kw); err != nil {
		return nil, err
	}
	return t.clone(), nil
}

// identityMethod is contiguous, detach and cpu: tensors here are contiguous, on the CPU and have no
// autograd graph, so each returns the tensor itself (PyTorch too returns self in that case).
func identityMethod(t *Tensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 0 || len(kw) > 0 {
		return nil, fmt.Errorf("takes no arguments")
	}
	return t, nil
}

// ValuesIndices is what max and min along a dim return: a pair that unpacks (values, indices = ...),
// indexes ([0], [1]) and has PyTorch's .values and .indices fields.
type ValuesIndices struct{ Values, Indices *Tensor }

var (
	_ starlark.Sequence  = (*ValuesIndices)(nil)
	_ starlark.Indexable = (*ValuesIndices)(nil)
	_ starlark.HasAttrs  = (*ValuesIndices)(nil)
)

func (r *ValuesIndices) String() string {
	return fmt.Sprintf("(values=%s, indices=%s)", r.Values, r.Indices)
}
func (r *ValuesIndices) Type() string         { return "tuple" }
func (r *ValuesIndices) Freeze()              { r.Values.Freeze(); r.Indices.Freeze() }
func (r *ValuesIndices) Truth() starlark.Bool { return starlark.True }
func (r *ValuesIndices) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: tuple of Tensors")
}
func (r *ValuesIndices) Len() int { return 2 }
func (r *ValuesIndices) Index(i int) starlark.Value {
	if i == 0 {
		return r.Values
	}
	return r.Indices
}
func (r *ValuesIndices) Iterate() starlark.Iterator {
	return starlark.Tuple{r.Values, r.Indices}.Iterate()
}
func (r *ValuesIndices) Attr(name string) (starlark.Value, error) {
	switch name {
	case "values":
		return r.Values, nil
	case "indices":
		return r.Indices, nil
	}
	return nil, nil
}
func (r *ValuesIndices) AttrNames() []string { return []string{"indices", "values"} }
