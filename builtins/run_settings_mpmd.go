package builtins

import "go.starlark.net/starlark"

// runSettingsMakeMPMD is rs.make_mpmd(other): other (run settings of the same class) becomes a further
// program of rs's launch.
func runSettingsMakeMPMD(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	other, ok := v.(*RunSettings)
	if !ok {
		return nil, typeErrorf("make_mpmd expects run_settings, not %s", v.Type())
	}
	if err := b.Receiver().(*RunSettings).rs.MakeMPMD(other.rs); err != nil {
		return nil, err
	}
	return starlark.None, nil
}
