package builtins

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// This file converts Starlark arguments into runtime values. Type mistakes get SmartSim's TypeError
// texts, so a ported script fails the way the Python one did.

// typeErrorf is a runtime TypeError (printed "TypeError: ...").
func typeErrorf(format string, args ...any) error {
	return runtime.Errorf(runtime.TypeError, format, args...)
}

// isNone reports whether v is absent or None.
func isNone(v starlark.Value) bool {
	return v == nil || v == starlark.None
}

// exeArgsOf converts create_run_settings(exe_args=...): a string is split on whitespace, a list must
// hold only strings.
func exeArgsOf(v starlark.Value) ([]string, error) {
	const msg = "Executable arguments were not a list of str or a str."
	if isNone(v) {
		return nil, nil
	}
	if s, ok := v.(starlark.String); ok {
		return runtime.SplitArgs(string(s)), nil
	}
	list, ok := stringsOf(v)
	if !ok {
		return nil, typeErrorf("%s", msg)
	}
	return list, nil
}

// stringsOf returns the elements of a list or tuple of strings; ok is false for anything else.
func stringsOf(v starlark.Value) (out []string, ok bool) {
	switch v.(type) {
	case *starlark.List, starlark.Tuple:
	default:
		return nil, false
	}
	iter := starlark.Iterate(v)
	defer iter.Done()
	var x starlark.Value
	out = []string{}
	for iter.Next(&x) {
		s, isStr := x.(starlark.String)
		if !isStr {
			return nil, false
		}
		out = append(out, string(s))
	}
	return out, true
}

// strOrStrings accepts a string (one element) or a list/tuple of strings; None gives nil.
func strOrStrings(v starlark.Value) ([]string, bool) {
	if isNone(v) {
		return nil, true
	}
	if s, ok := v.(starlark.String); ok {
		return []string{string(s)}, true
	}
	return stringsOf(v)
}

// argsOf converts a dict of settings (run_args, env_vars, batch_args) whose keys are strings and whose
// values are strings, numbers, bools or None. what names the argument in errors.
func argsOf(what string, v starlark.Value) ([]runtime.Arg, error) {
	if isNone(v) {
		return nil, nil
	}
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, typeErrorf("%s must be a dict, not %s", what, v.Type())
	}
	out := make([]runtime.Arg, 0, d.Len())
	for _, item := range d.Items() {
		k, ok := item[0].(starlark.String)
		if !ok {
			return nil, typeErrorf("%s keys must be str, not %s", what, item[0].Type())
		}
		arg, err := argOf(string(k), item[1])
		if err != nil {
			return nil, typeErrorf("%s[%q]: %w", what, string(k), err)
		}
		out = append(out, arg)
	}
	return out, nil
}

// argOf converts one setting value: None stays None; str, int, float, bool become their str().
func argOf(key string, v starlark.Value) (runtime.Arg, error) {
	switch x := v.(type) {
	case starlark.NoneType:
		return runtime.Arg{Key: key, IsNone: true}, nil
	case starlark.String:
		return runtime.Arg{Key: key, Value: string(x)}, nil
	case starlark.Int, starlark.Float, starlark.Bool:
		return runtime.Arg{Key: key, Value: text(x)}, nil
	}
	return runtime.Arg{}, fmt.Errorf("value must be str, int, float, bool or None, not %s", v.Type())
}

// paramSpecsOf converts a params dict in key order. Values keep their kind so the runtime applies
// SmartSim's type rules and messages.
func paramSpecsOf(v starlark.Value) ([]runtime.ParamSpec, error) {
	if isNone(v) {
		return nil, nil
	}
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, typeErrorf("Ensemble initialization argument 'params' must be of type dict")
	}
	out := make([]runtime.ParamSpec, 0, d.Len())
	for _, item := range d.Items() {
		k, ok := item[0].(starlark.String)
		if !ok {
			return nil, typeErrorf("params keys must be str, not %s", item[0].Type())
		}
		out = append(out, runtime.ParamSpec{Name: string(k), Value: paramValueOf(item[1])})
	}
	return out, nil
}

// paramValueOf renders one parameter value with str(), remembering its kind.
func paramValueOf(v starlark.Value) runtime.ParamValue {
	switch x := v.(type) {
	case starlark.String:
		return runtime.ParamValue{Kind: runtime.KindString, Text: string(x), TypeName: "string"}
	case starlark.Int:
		return runtime.ParamValue{Kind: runtime.KindInt, Text: x.String(), TypeName: "int"}
	case starlark.Float:
		return runtime.ParamValue{Kind: runtime.KindFloat, Text: x.String(), TypeName: "float"}
	case starlark.Bool:
		return runtime.ParamValue{Kind: runtime.KindBool, Text: x.String(), TypeName: "bool"}
	case *starlark.List, starlark.Tuple:
		items := []string{}
		iter := starlark.Iterate(v)
		defer iter.Done()
		var e starlark.Value
		for iter.Next(&e) {
			items = append(items, text(e))
		}
		return runtime.ParamValue{Kind: runtime.KindList, Items: items, TypeName: v.Type()}
	}
	return runtime.ParamValue{Kind: runtime.KindOther, TypeName: v.Type()}
}

// paramsDict renders member params as a new Starlark dict in their order.
func paramsDict(p runtime.Params) *starlark.Dict {
	d := starlark.NewDict(len(p))
	for _, kv := range p {
		_ = d.SetKey(starlark.String(kv.Key), starlark.String(kv.Value))
	}
	return d
}

// argsDict renders settings as a new Starlark dict (None values as None).
func argsDict(args []runtime.Arg) *starlark.Dict {
	d := starlark.NewDict(len(args))
	for _, a := range args {
		var v starlark.Value = starlark.String(a.Value)
		if a.IsNone {
			v = starlark.None
		}
		_ = d.SetKey(starlark.String(a.Key), v)
	}
	return d
}

// stringList renders a Go string slice as a new Starlark list.
func stringList(items []string) *starlark.List {
	vals := make([]starlark.Value, len(items))
	for i, s := range items {
		vals[i] = starlark.String(s)
	}
	return starlark.NewList(vals)
}
