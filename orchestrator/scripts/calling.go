package scripts

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/scripts/torch"
)

// callArguments maps a call's inputs onto the function's parameters.
//
// RedisAI has two conventions and ssrun keeps both, choosing by the call and the function:
//   - AI.SCRIPTEXECUTE with KEYS or ARGS, or a function of exactly three parameters that does not
//     take the inputs one by one, is called as RedisAI calls it: fn(tensors, keys, args), a list of
//     the input tensors, a list of the KEYS names and a list of the ARGS strings.
//   - Otherwise (AI.SCRIPTRUN, and AI.SCRIPTEXECUTE with INPUTS only) each input is one positional
//     argument, and AI.SCRIPTRUN's "$" inputs arrive as one list: fn(a, b) or fn(a, [c, d]).
//
// So `def negate(x): return torch.neg(x)` runs with INPUTS 1 x from either command.
func callArguments(fn *starlark.Function, call ai.ScriptCall) (starlark.Tuple, error) {
	tensors := make([]starlark.Value, len(call.Inputs))
	for k, in := range call.Inputs {
		t, err := torch.FromTensor(in)
		if err != nil {
			return nil, fmt.Errorf("input %d: %v", k, err)
		}
		tensors[k] = t
	}
	positional := positionalArgs(tensors, call.Variadic)
	fixed := fn.NumParams()
	if fn.HasVarargs() {
		fixed--
	}
	if fn.HasKwargs() {
		fixed--
	}
	required := fixed - defaultCount(fn)
	takesPositional := len(positional) >= required && (fn.HasVarargs() || len(positional) <= fixed)
	if len(call.Keys) > 0 || len(call.Args) > 0 || (fixed == 3 && !takesPositional) {
		return starlark.Tuple{starlark.NewList(tensors), stringList(call.Keys), stringList(call.Args)}, nil
	}
	return positional, nil
}

// positionalArgs is the inputs one per argument, with the variadic tail (from index variadic) as one
// list.
func positionalArgs(tensors []starlark.Value, variadic int) starlark.Tuple {
	if variadic < 0 || variadic > len(tensors) {
		return starlark.Tuple(tensors)
	}
	args := append(starlark.Tuple{}, tensors[:variadic]...)
	return append(args, starlark.NewList(append([]starlark.Value{}, tensors[variadic:]...)))
}

// defaultCount is how many of fn's parameters have default values.
func defaultCount(fn *starlark.Function) int {
	n := 0
	for k := range fn.NumParams() {
		if fn.ParamDefault(k) != nil {
			n++
		}
	}
	return n
}

func stringList(items [][]byte) *starlark.List {
	values := make([]starlark.Value, len(items))
	for k, b := range items {
		values[k] = starlark.String(b)
	}
	return starlark.NewList(values)
}
