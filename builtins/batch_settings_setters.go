package builtins

import "go.starlark.net/starlark"

// Setters of SmartSim's batch-settings classes beyond nodes, walltime, queue and account: the batch
// arguments of runtime.BatchArgSetters (batchSettingsMethods lists them).

// batchSettingsArgSetter takes an int, a str or a list of str (hosts).
func batchSettingsArgSetter(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	var values []string
	switch x := v.(type) {
	case starlark.Int:
		values = []string{x.String()}
	case starlark.String:
		values = []string{string(x)}
	default:
		list, ok := stringsOf(v)
		if !ok || len(list) == 0 {
			return nil, typeErrorf("%s expects an int, a str or a non-empty list of str, not %s", b.Name(), v.Type())
		}
		values = list
	}
	warn := func(msg string) {
		if env, err := EnvOf(thread); err == nil {
			env.logger().Warn(msg)
		}
	}
	b.Receiver().(*BatchSettings).bs.ApplyBatchSetter(b.Name(), values, warn)
	return starlark.None, nil
}
