package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// This file converts the arguments of the experiment's create_* methods.

// entityNameOf accepts a str; None becomes "" so the runtime raises SmartSim's AttributeError.
func entityNameOf(v starlark.Value) (string, error) {
	if isNone(v) {
		return "", nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		return "", typeErrorf("Entity name must be of type str, not %s", v.Type())
	}
	return string(s), nil
}

func runSettingsOf(v starlark.Value) (*runtime.RunSettings, error) {
	if isNone(v) {
		return nil, nil
	}
	rs, ok := v.(*RunSettings)
	if !ok {
		return nil, typeErrorf("run_settings must be of type run_settings, not %s", v.Type())
	}
	return rs.rs, nil
}

func batchSettingsOf(v starlark.Value) (*runtime.BatchSettings, error) {
	if isNone(v) {
		return nil, nil
	}
	bs, ok := v.(*BatchSettings)
	if !ok {
		return nil, typeErrorf("batch_settings must be of type batch_settings, not %s", v.Type())
	}
	return bs.bs, nil
}

func optionalString(what string, v starlark.Value) (string, error) {
	if isNone(v) {
		return "", nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		return "", typeErrorf("%s must be of type str, not %s", what, v.Type())
	}
	return string(s), nil
}

func optionalInt(what string, v starlark.Value) (int, error) {
	if isNone(v) {
		return 0, nil
	}
	if _, ok := v.(starlark.Int); !ok {
		return 0, typeErrorf("%s must be of type int, not %s", what, v.Type())
	}
	var n int
	if err := starlark.AsInt(v, &n); err != nil {
		return 0, typeErrorf("%s: %w", what, err)
	}
	return n, nil
}

func optionalSeed(v starlark.Value) (*uint64, error) {
	if isNone(v) {
		return nil, nil
	}
	var n uint64
	if _, ok := v.(starlark.Int); !ok {
		return nil, typeErrorf("seed must be of type int, not %s", v.Type())
	}
	if err := starlark.AsInt(v, &n); err != nil {
		return nil, typeErrorf("seed: %w", err)
	}
	return &n, nil
}

func paramsAsArgsOf(v starlark.Value) ([]string, error) {
	list, ok := strOrStrings(v)
	if !ok {
		return nil, typeErrorf("params_as_args must be a list of str")
	}
	return list, nil
}

// strategyOf converts perm_strategy: a strategy name, or a callable run as SmartSim runs a custom
// strategy, strategy(param_names, param_values, n_models=N), which must return a list of dicts.
func strategyOf(thread *starlark.Thread, v starlark.Value) (runtime.Strategy, error) {
	switch s := v.(type) {
	case starlark.String:
		return runtime.Strategy{Name: string(s)}, nil
	case starlark.Callable:
		return runtime.Strategy{Name: s.Name(), User: userStrategy(thread, s)}, nil
	}
	return runtime.Strategy{}, typeErrorf("perm_strategy must be a str or a function, not %s", v.Type())
}

// userStrategy wraps a Starlark callable as a runtime strategy. An error raised inside the callable is
// returned as is, so its backtrace points into the user's function; a wrong result type is SmartSim's
// UserStrategyError.
func userStrategy(thread *starlark.Thread, fn starlark.Callable) runtime.UserStrategy {
	return func(names []string, values [][]string, nModels int) ([]runtime.Params, error) {
		vals := make([]starlark.Value, len(values))
		for i, v := range values {
			vals[i] = stringList(v)
		}
		args := starlark.Tuple{stringList(names), starlark.NewList(vals)}
		kwargs := []starlark.Tuple{{starlark.String("n_models"), starlark.MakeInt(nModels)}}
		res, err := starlark.Call(thread, fn, args, kwargs)
		if err != nil {
			return nil, err
		}
		return strategyResultOf(fn.Name(), res)
	}
}

func strategyResultOf(name string, res starlark.Value) ([]runtime.Params, error) {
	list, ok := res.(*starlark.List)
	if !ok {
		return nil, runtime.UserStrategyErr(name)
	}
	out := make([]runtime.Params, 0, list.Len())
	for i := 0; i < list.Len(); i++ {
		d, ok := list.Index(i).(*starlark.Dict)
		if !ok {
			return nil, runtime.UserStrategyErr(name)
		}
		p := make(runtime.Params, 0, d.Len())
		for _, kv := range d.Items() {
			p = append(p, runtime.Param{Key: text(kv[0]), Value: text(kv[1])})
		}
		out = append(out, p)
	}
	return out, nil
}
