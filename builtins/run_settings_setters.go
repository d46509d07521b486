package builtins

import (
	"strings"

	"go.starlark.net/starlark"
)

// The run-command setters (set_nodes, set_tasks, set_hostlist, ...) of run_settings' methods: each
// converts its Starlark argument to the run argument's text and lets the runtime pick the option for
// the settings' run command (runtime.RunArgSetters).

// runSettingsSetter accepts what SmartSim's setters accept: an int (nodes, tasks, memory in MB), a str
// (walltime, binding, task map), a str or list of str (hosts, features, het groups, joined with
// commas), or a bool (verbose/quiet: True sets the bare flag, False removes it).
func runSettingsSetter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	rs := b.Receiver().(*RunSettings).rs
	switch x := v.(type) {
	case starlark.Bool:
		rs.ApplySetter(b.Name(), "", bool(x), !bool(x))
	case starlark.Int:
		n, ok := x.Int64()
		if !ok || n < 0 {
			return nil, typeErrorf("%s expects a non-negative int, got %s", b.Name(), x)
		}
		s := x.String()
		if b.Name() == "set_memory_per_node" {
			s += "M"
		}
		rs.ApplySetter(b.Name(), s, false, false)
	case starlark.String:
		rs.ApplySetter(b.Name(), string(x), false, false)
	default:
		list, ok := stringsOf(v)
		if !ok {
			ints, isInts := intsOf(v)
			if !isInts {
				return nil, typeErrorf("%s expects a str, an int or a list of str, not %s", b.Name(), v.Type())
			}
			list = ints
		}
		if len(list) == 0 {
			return nil, typeErrorf("%s expects at least one value", b.Name())
		}
		rs.ApplySetter(b.Name(), strings.Join(list, ","), false, false)
	}
	return starlark.None, nil
}

// intsOf returns a list or tuple of ints as their decimal strings (het groups, CPU lists).
func intsOf(v starlark.Value) ([]string, bool) {
	iterable, ok := v.(starlark.Iterable)
	if !ok {
		return nil, false
	}
	iter := iterable.Iterate()
	defer iter.Done()
	var out []string
	var x starlark.Value
	for iter.Next(&x) {
		i, isInt := x.(starlark.Int)
		if !isInt {
			return nil, false
		}
		out = append(out, i.String())
	}
	return out, true
}
