package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// RunSettings is the Starlark handle of a runtime.RunSettings (type "run_settings"), made by
// exp.create_run_settings and reached through model.run_settings. It is a handle, not a copy: changing
// m.run_settings changes how m runs, as in SmartSim.
type RunSettings struct {
	rs *runtime.RunSettings
}

var (
	_ starlark.HasAttrs    = (*RunSettings)(nil)
	_ starlark.HasSetField = (*RunSettings)(nil)
)

// NewRunSettingsValue wraps rs.
func NewRunSettingsValue(rs *runtime.RunSettings) *RunSettings { return &RunSettings{rs: rs} }

// Settings returns the runtime settings behind the handle.
func (r *RunSettings) Settings() *runtime.RunSettings { return r.rs }

// runSettingsMethods are every method of run_settings: make_mpmd is in run_settings_mpmd.go, and the
// run-command setters (set_nodes, set_tasks, set_hostlist, ...), one per runtime.RunArgSetters name,
// in run_settings_setters.go.
var runSettingsMethods = methodTable(map[string]*starlark.Builtin{
	"add_exe_args":              starlark.NewBuiltin("add_exe_args", runSettingsAddExeArgs),
	"set":                       starlark.NewBuiltin("set", runSettingsSet),
	"update_env":                starlark.NewBuiltin("update_env", runSettingsUpdateEnv),
	"format_run_args":           starlark.NewBuiltin("format_run_args", runSettingsFormatRunArgs),
	"format_env_vars":           starlark.NewBuiltin("format_env_vars", runSettingsFormatEnvVars),
	"format_comma_sep_env_vars": starlark.NewBuiltin("format_comma_sep_env_vars", runSettingsFormatCommaSepEnvVars),
	"make_mpmd":                 starlark.NewBuiltin("make_mpmd", runSettingsMakeMPMD),
}, setterMethods(runtime.RunArgSetterNames(), runSettingsSetter))

// runSettingsFields are the attributes besides methods.
var runSettingsFields = []string{"env_vars", "exe", "exe_args", "run_args", "run_command"}

func (r *RunSettings) String() string {
	return "<run_settings " + starlark.String(r.rs.Exe).String() + ">"
}
func (r *RunSettings) Type() string { return "run_settings" }

// Freeze is a no-op: the value is a handle onto host state, which the host, not Starlark, owns.
func (r *RunSettings) Freeze()              {}
func (r *RunSettings) Truth() starlark.Bool { return starlark.True }
func (r *RunSettings) Hash() (uint32, error) {
	return 0, typeErrorf("unhashable type: run_settings")
}

// Attr returns a field (a fresh copy for lists and dicts) or a bound method.
func (r *RunSettings) Attr(name string) (starlark.Value, error) {
	switch name {
	case "exe":
		return starlark.String(r.rs.Exe), nil
	case "exe_args":
		return stringList(r.rs.ExeArgs), nil
	case "run_command":
		if r.rs.RunCommand == "" {
			return starlark.None, nil
		}
		return starlark.String(r.rs.RunCommand), nil
	case "run_args":
		return argsDict(r.rs.RunArgs), nil
	case "env_vars":
		return argsDict(r.rs.EnvVars), nil
	}
	return bindMethod(r, name, runSettingsMethods)
}

// AttrNames lists fields and methods for dir().
func (r *RunSettings) AttrNames() []string {
	return attrNames(runSettingsMethods, runSettingsFields...)
}

// SetField supports the assignments SmartSim scripts make: rs.exe_args = [...] or "a b",
// rs.run_args = {...}, rs.env_vars = {...}.
func (r *RunSettings) SetField(name string, v starlark.Value) error {
	switch name {
	case "exe_args":
		args, err := exeArgsOf(v)
		if err != nil {
			return err
		}
		r.rs.ExeArgs = args
		return nil
	case "run_args":
		args, err := argsOf("run_args", v)
		if err != nil {
			return err
		}
		r.rs.RunArgs = args
		return nil
	case "env_vars":
		args, err := argsOf("env_vars", v)
		if err != nil {
			return err
		}
		r.rs.EnvVars = args
		return nil
	}
	return starlark.NoSuchAttrError("run_settings has no settable field ." + name)
}

func runSettingsAddExeArgs(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "args", &v); err != nil {
		return nil, err
	}
	rs := b.Receiver().(*RunSettings).rs
	if s, ok := v.(starlark.String); ok {
		rs.AddExeArgsString(string(s))
		return starlark.None, nil
	}
	list, ok := stringsOf(v)
	if !ok {
		return nil, typeErrorf("Executable arguments should be a list of str")
	}
	rs.AddExeArgs(list...)
	return starlark.None, nil
}

// runSettingsSet is rs.set(arg, value=None, condition=True): arg must be a str, value a str or None.
func runSettingsSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var arg, value starlark.Value
	condition := true
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "arg", &arg, "value?", &value, "condition?", &condition); err != nil {
		return nil, err
	}
	key, ok := arg.(starlark.String)
	if !ok {
		return nil, typeErrorf("The argument name should be of type str, not %s", arg.Type())
	}
	if isNone(value) {
		b.Receiver().(*RunSettings).rs.Set(string(key), "", true, condition)
		return starlark.None, nil
	}
	s, ok := value.(starlark.String)
	if !ok {
		return nil, typeErrorf("The value of argument %s should be of type str or None, not %s", string(key), value.Type())
	}
	b.Receiver().(*RunSettings).rs.Set(string(key), string(s), false, condition)
	return starlark.None, nil
}

// runSettingsUpdateEnv is rs.update_env(env_vars): values must be str, int, float or bool.
func runSettingsUpdateEnv(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var d *starlark.Dict
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "env_vars", &d); err != nil {
		return nil, err
	}
	vars := make([]runtime.Arg, 0, d.Len())
	for _, item := range d.Items() {
		k, ok := item[0].(starlark.String)
		if !ok {
			return nil, typeErrorf("env_vars keys must be str, not %s", item[0].Type())
		}
		switch item[1].(type) {
		case starlark.String, starlark.Int, starlark.Float, starlark.Bool:
		default:
			return nil, typeErrorf("env_vars[%s] was of type %s, not str, int, float or bool", string(k), item[1].Type())
		}
		vars = append(vars, runtime.Arg{Key: string(k), Value: text(item[1])})
	}
	b.Receiver().(*RunSettings).rs.UpdateEnv(vars)
	return starlark.None, nil
}

func runSettingsFormatRunArgs(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return stringList(b.Receiver().(*RunSettings).rs.FormatRunArgs()), nil
}

func runSettingsFormatEnvVars(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return stringList(b.Receiver().(*RunSettings).rs.UserFormatEnvVars()), nil
}

// runSettingsFormatCommaSepEnvVars is SrunSettings.format_comma_sep_env_vars(): a tuple of the
// --export list and the list of K=V pairs whose value holds a comma. Other run commands have no such
// method in SmartSim, so it is refused for them.
func runSettingsFormatCommaSepEnvVars(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	rs := b.Receiver().(*RunSettings).rs
	if rs.RunCommandStyle() != "srun" {
		return nil, runtime.Errorf(runtime.AttributeError, "format_comma_sep_env_vars is a method of SrunSettings: these run settings use run_command %q", rs.RunCommand)
	}
	export, compound := rs.FormatCommaSepEnvVars()
	return starlark.Tuple{starlark.String(export), stringList(compound)}, nil
}
