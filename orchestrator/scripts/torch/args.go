package torch

import (
	"fmt"

	"go.starlark.net/starlark"
)

// tensorArg requires a tensor argument.
func tensorArg(v starlark.Value, what string) (*Tensor, error) {
	t, ok := v.(*Tensor)
	if !ok {
		return nil, fmt.Errorf("%s must be a Tensor, not %s", what, typeOf(v))
	}
	return t, nil
}

func typeOf(v starlark.Value) string {
	if v == nil {
		return "nothing"
	}
	return v.Type()
}

// intArg requires an int argument.
func intArg(v starlark.Value, what string) (int, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, fmt.Errorf("%s must be an int, not %s", what, typeOf(v))
	}
	n, ok := i.Int64()
	if !ok || n != int64(int(n)) {
		return 0, fmt.Errorf("%s is out of range", what)
	}
	return int(n), nil
}

// sizeArgs reads a shape given either as separate ints (zeros(2, 3)) or as one tuple or list
// (zeros((2, 3))), as PyTorch accepts both.
func sizeArgs(args starlark.Tuple, what string) ([]int, error) {
	if len(args) == 1 {
		switch seq := args[0].(type) {
		case starlark.Tuple:
			return intList(seq, what)
		case *starlark.List:
			vals := make(starlark.Tuple, seq.Len())
			for k := range vals {
				vals[k] = seq.Index(k)
			}
			return intList(vals, what)
		}
	}
	return intList(args, what)
}

func intList(vals starlark.Tuple, what string) ([]int, error) {
	out := make([]int, len(vals))
	for k, v := range vals {
		n, err := intArg(v, what)
		if err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, nil
}

// dimsArg reads an optional dim: None (nil: every dim), an int, or a tuple or list of ints.
func dimsArg(v starlark.Value) ([]int, error) {
	switch v := v.(type) {
	case nil, starlark.NoneType:
		return nil, nil
	case starlark.Int:
		n, err := intArg(v, "dim")
		return []int{n}, err
	}
	dims, err := sizeArgs(starlark.Tuple{v}, "dim")
	if len(dims) == 0 {
		return nil, err // dim=() reduces over every dimension, as in PyTorch
	}
	return dims, err
}

// tensorsArg reads a list or tuple of tensors (cat, stack).
func tensorsArg(v starlark.Value, what string) ([]*Tensor, error) {
	seq, ok := v.(starlark.Indexable)
	if _, isTensor := v.(*Tensor); isTensor || !ok {
		return nil, fmt.Errorf("%s must be a list or tuple of Tensors, not %s", what, typeOf(v))
	}
	out := make([]*Tensor, seq.Len())
	for k := range out {
		t, err := tensorArg(seq.Index(k), fmt.Sprintf("%s[%d]", what, k))
		if err != nil {
			return nil, err
		}
		out[k] = t
	}
	return out, nil
}

// kwargs splits keyword arguments by name, refusing names the function does not take.
func kwargs(fn string, kw []starlark.Tuple, allowed ...string) (map[string]starlark.Value, error) {
	out := map[string]starlark.Value{}
	for _, pair := range kw {
		name := string(pair[0].(starlark.String))
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return nil, fmt.Errorf("%s: unexpected keyword argument %q", fn, name)
		}
		out[name] = pair[1]
	}
	return out, nil
}

// boolArg reads an optional bool.
func boolArg(v starlark.Value, what string) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case starlark.Bool:
		return bool(v), nil
	}
	return false, fmt.Errorf("%s must be a bool, not %s", what, v.Type())
}
