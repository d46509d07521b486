package builtins

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/runtime"
)

// Model is the Starlark handle of a runtime.Model (type "model"), made by exp.create_model or as an
// ensemble member. Handles compare equal when they stand for the same model.
type Model struct {
	m *runtime.Model
}

var (
	_ EntityValue         = (*Model)(nil)
	_ starlark.HasAttrs   = (*Model)(nil)
	_ starlark.Comparable = (*Model)(nil)
)

// NewModelValue wraps m.
func NewModelValue(m *runtime.Model) *Model { return &Model{m: m} }

// Entity returns the runtime model.
func (m *Model) Entity() runtime.Entity { return m.m }

// modelMethods are every method of model: entityMethods (shared with ensembles), and the colocated
// database's, whose adapters are in colocated.go (colocate_db is colocate_db_tcp, kept for old scripts).
var modelMethods = withMethods(map[string]*starlark.Builtin{
	"colocate_db_tcp":       starlark.NewBuiltin("colocate_db_tcp", modelColocateDBTCP),
	"colocate_db":           starlark.NewBuiltin("colocate_db", modelColocateDBTCP),
	"colocate_db_uds":       starlark.NewBuiltin("colocate_db_uds", modelColocateDBUDS),
	"disable_key_prefixing": starlark.NewBuiltin("disable_key_prefixing", modelDisableKeyPrefixing),
	"params_to_args":        starlark.NewBuiltin("params_to_args", modelParamsToArgs),
	"print_attached_files":  starlark.NewBuiltin("print_attached_files", modelPrintAttachedFiles),
})

var modelFields = []string{"attached_files_table", "batch_settings", "colocated", "db_models", "db_scripts", "incoming_entities", "name", "params", "params_as_args", "path", "run_settings", "type"}

func (m *Model) String() string { return "<model " + starlark.String(m.m.Name).String() + ">" }
func (m *Model) Type() string   { return "model" }

// Freeze is a no-op: the value is a handle onto host state, which the host, not Starlark, owns.
func (m *Model) Freeze()              {}
func (m *Model) Truth() starlark.Bool { return starlark.True }

// Hash hashes the name, which SmartSim uses for model identity and which never changes.
func (m *Model) Hash() (uint32, error) { return starlark.String(m.m.Name).Hash() }

// CompareSameType supports == and != (same underlying model).
func (m *Model) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	same := m.m == y.(*Model).m
	switch op {
	case syntax.EQL:
		return same, nil
	case syntax.NEQ:
		return !same, nil
	}
	return false, typeErrorf("model values support only == and !=")
}

// Attr returns a field or a bound method. params is a fresh dict; run_settings is a live handle.
func (m *Model) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(m.m.Name), nil
	case "path":
		return starlark.String(m.m.Path), nil
	case "params":
		return paramsDict(m.m.Params), nil
	case "params_as_args":
		return stringList(m.m.ParamsAsArgs), nil
	case "incoming_entities":
		return stringList(m.m.Incoming), nil
	case "type":
		return starlark.String(m.m.EntityType()), nil
	case "attached_files_table":
		return starlark.String(m.m.AttachedFilesTable()), nil
	case "colocated":
		return starlark.Bool(runtime.ColocationOf(m.m) != nil), nil
	case "db_models":
		vals := make([]starlark.Value, len(m.m.MLModels))
		for i, ml := range m.m.MLModels {
			vals[i] = dbModelValue(ml)
		}
		return starlark.NewList(vals), nil
	case "db_scripts":
		vals := make([]starlark.Value, len(m.m.Scripts))
		for i, s := range m.m.Scripts {
			vals[i] = dbScriptValue(s)
		}
		return starlark.NewList(vals), nil
	case "run_settings":
		if m.m.RunSettings == nil {
			return starlark.None, nil
		}
		return NewRunSettingsValue(m.m.RunSettings), nil
	case "batch_settings":
		if m.m.BatchSettings == nil {
			return starlark.None, nil
		}
		return NewBatchSettingsValue(m.m.BatchSettings), nil
	}
	return bindMethod(m, name, modelMethods)
}

// AttrNames lists fields and methods for dir().
func (m *Model) AttrNames() []string { return attrNames(modelMethods, modelFields...) }

func modelDisableKeyPrefixing(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Model).m.DisableKeyPrefixing()
	return starlark.None, nil
}

// modelParamsToArgs appends the params named in params_as_args to the exe args (SmartSim does this
// itself for ensemble members only).
func modelParamsToArgs(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*Model).m.ParamsToArgs()
}

// modelPrintAttachedFiles logs the attached-files table, as ensemble.print_attached_files does.
func modelPrintAttachedFiles(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	env.logger().Info(b.Receiver().(*Model).m.AttachedFilesTable())
	return starlark.None, nil
}
