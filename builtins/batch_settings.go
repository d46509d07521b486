package builtins

import (
	"maps"
	"slices"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// BatchSettings is the Starlark handle of a runtime.BatchSettings (type "batch_settings"), made by
// exp.create_batch_settings for the slurm, pbs and lsf launchers.
type BatchSettings struct {
	bs *runtime.BatchSettings
}

var _ starlark.HasAttrs = (*BatchSettings)(nil)

// NewBatchSettingsValue wraps bs.
func NewBatchSettingsValue(bs *runtime.BatchSettings) *BatchSettings { return &BatchSettings{bs: bs} }

// Settings returns the runtime settings behind the handle.
func (b *BatchSettings) Settings() *runtime.BatchSettings { return b.bs }

// batchSettingsMethods are every method of batch_settings. set_partition is sbatch's name for the queue,
// set_project bsub's for the account; the scheduler-specific setters, one per runtime.BatchArgSetters
// name, are in batch_settings_setters.go.
var batchSettingsMethods = methodTable(map[string]*starlark.Builtin{
	"format_batch_args": starlark.NewBuiltin("format_batch_args", batchSettingsFormat),
	"add_preamble":      starlark.NewBuiltin("add_preamble", batchSettingsAddPreamble),
	"set_nodes":         starlark.NewBuiltin("set_nodes", batchSettingsSetNodes),
	"set_walltime":      starlark.NewBuiltin("set_walltime", batchSettingsSetString(func(bs *runtime.BatchSettings, s string) { bs.Time = s })),
	"set_queue":         starlark.NewBuiltin("set_queue", batchSettingsSetString(func(bs *runtime.BatchSettings, s string) { bs.Queue = s })),
	"set_account":       starlark.NewBuiltin("set_account", batchSettingsSetString(func(bs *runtime.BatchSettings, s string) { bs.Account = s })),
	"set_partition":     starlark.NewBuiltin("set_partition", batchSettingsSetString(func(bs *runtime.BatchSettings, s string) { bs.Queue = s })),
	"set_project":       starlark.NewBuiltin("set_project", batchSettingsSetString(func(bs *runtime.BatchSettings, s string) { bs.Account = s })),
}, setterMethods(slices.Sorted(maps.Keys(runtime.BatchArgSetters)), batchSettingsArgSetter))

var batchSettingsFields = []string{"batch_args", "batch_cmd", "preamble"}

func (b *BatchSettings) String() string { return "<batch_settings " + b.bs.TypeName() + ">" }
func (b *BatchSettings) Type() string   { return "batch_settings" }

// Freeze is a no-op: the value is a handle onto host state, which the host, not Starlark, owns.
func (b *BatchSettings) Freeze()              {}
func (b *BatchSettings) Truth() starlark.Bool { return starlark.True }
func (b *BatchSettings) Hash() (uint32, error) {
	return 0, typeErrorf("unhashable type: batch_settings")
}

// Attr returns a field or a bound method.
func (b *BatchSettings) Attr(name string) (starlark.Value, error) {
	switch name {
	case "batch_cmd":
		return starlark.String(b.bs.Kind), nil
	case "batch_args":
		return argsDict(b.bs.BatchArgs), nil
	case "preamble":
		return stringList(b.bs.Preamble), nil
	}
	return bindMethod(b, name, batchSettingsMethods)
}

// AttrNames lists fields and methods for dir().
func (b *BatchSettings) AttrNames() []string {
	return attrNames(batchSettingsMethods, batchSettingsFields...)
}

func batchSettingsFormat(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return stringList(b.Receiver().(*BatchSettings).bs.FormatBatchArgs()), nil
}

// batchSettingsAddPreamble is bs.add_preamble(lines): a string or a list of strings.
func batchSettingsAddPreamble(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "lines", &v); err != nil {
		return nil, err
	}
	lines, ok := strOrStrings(v)
	if !ok {
		return nil, typeErrorf("Expected string or list of strings for preamble")
	}
	b.Receiver().(*BatchSettings).bs.AddPreamble(lines...)
	return starlark.None, nil
}

func batchSettingsSetNodes(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "num_nodes", &n); err != nil {
		return nil, err
	}
	b.Receiver().(*BatchSettings).bs.Nodes = n
	return starlark.None, nil
}

func batchSettingsSetString(set func(*runtime.BatchSettings, string)) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
			return nil, err
		}
		set(b.Receiver().(*BatchSettings).bs, s)
		return starlark.None, nil
	}
}
