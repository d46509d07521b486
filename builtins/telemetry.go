package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// Telemetry is exp.telemetry and db.telemetry (type "telemetry_configuration"), SmartSim's
// TelemetryConfiguration: enable(), disable() and the is_enabled property.
type Telemetry struct {
	t *runtime.TelemetryConfiguration
}

var _ starlark.HasAttrs = (*Telemetry)(nil)

var telemetryMethods = map[string]*starlark.Builtin{
	"enable":  starlark.NewBuiltin("enable", telemetryEnable),
	"disable": starlark.NewBuiltin("disable", telemetryDisable),
}

func (x *Telemetry) String() string {
	if x.t.IsEnabled() {
		return "<telemetry_configuration enabled>"
	}
	return "<telemetry_configuration disabled>"
}
func (x *Telemetry) Type() string         { return "telemetry_configuration" }
func (x *Telemetry) Freeze()              {}
func (x *Telemetry) Truth() starlark.Bool { return starlark.True }
func (x *Telemetry) Hash() (uint32, error) {
	return 0, typeErrorf("unhashable type: telemetry_configuration")
}

// Attr returns is_enabled or a bound method.
func (x *Telemetry) Attr(name string) (starlark.Value, error) {
	if name == "is_enabled" {
		return starlark.Bool(x.t.IsEnabled()), nil
	}
	return bindMethod(x, name, telemetryMethods)
}

// AttrNames lists fields and methods for dir().
func (x *Telemetry) AttrNames() []string { return attrNames(telemetryMethods, "is_enabled") }

func telemetryEnable(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Telemetry).t.Enable()
	return starlark.None, nil
}

func telemetryDisable(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Telemetry).t.Disable()
	return starlark.None, nil
}
