package builtins

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/runtime"
)

// Ensemble is the Starlark handle of a runtime.Ensemble (type "ensemble"): iterable over its members,
// len() is their number, and ens["ens_0"] looks a member up by name (None when absent, as SmartSim).
type Ensemble struct {
	e *runtime.Ensemble
}

var (
	_ EntityValue         = (*Ensemble)(nil)
	_ starlark.HasAttrs   = (*Ensemble)(nil)
	_ starlark.Iterable   = (*Ensemble)(nil)
	_ starlark.Sequence   = (*Ensemble)(nil)
	_ starlark.Mapping    = (*Ensemble)(nil)
	_ starlark.Container  = (*Ensemble)(nil)
	_ starlark.Comparable = (*Ensemble)(nil)
)

// NewEnsembleValue wraps e.
func NewEnsembleValue(e *runtime.Ensemble) *Ensemble { return &Ensemble{e: e} }

// Entity returns the runtime ensemble.
func (e *Ensemble) Entity() runtime.Entity { return e.e }

var ensembleMethods = withMethods(map[string]*starlark.Builtin{
	"add_model":            starlark.NewBuiltin("add_model", ensembleAddModel),
	"print_attached_files": starlark.NewBuiltin("print_attached_files", ensemblePrintAttachedFiles),
})

var ensembleFields = []string{"attached_files_table", "batch_settings", "models", "name", "path", "perm_strategy", "run_settings", "type"}

func (e *Ensemble) String() string { return "<ensemble " + starlark.String(e.e.Name).String() + ">" }
func (e *Ensemble) Type() string   { return "ensemble" }

// Freeze is a no-op: the value is a handle onto host state, which the host, not Starlark, owns.
func (e *Ensemble) Freeze()              {}
func (e *Ensemble) Truth() starlark.Bool { return starlark.True }
func (e *Ensemble) Hash() (uint32, error) {
	return starlark.String(e.e.Name).Hash()
}

// CompareSameType supports == and != (same underlying ensemble).
func (e *Ensemble) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	same := e.e == y.(*Ensemble).e
	switch op {
	case syntax.EQL:
		return same, nil
	case syntax.NEQ:
		return !same, nil
	}
	return false, typeErrorf("ensemble values support only == and !=")
}

// Len is the number of members.
func (e *Ensemble) Len() int { return e.e.Len() }

// Iterate yields the members as they are when iteration starts.
func (e *Ensemble) Iterate() starlark.Iterator {
	return &memberIterator{models: e.e.Models()}
}

// Get implements ens["name"]: the member named so, or None.
func (e *Ensemble) Get(k starlark.Value) (starlark.Value, bool, error) {
	name, ok := k.(starlark.String)
	if !ok {
		return nil, false, typeErrorf("ensemble members are looked up by name (str), not %s", k.Type())
	}
	if m := e.e.Member(string(name)); m != nil {
		return NewModelValue(m), true, nil
	}
	return starlark.None, true, nil
}

// Has implements `x in ens`: x is a member model, or the name of one.
func (e *Ensemble) Has(x starlark.Value) (bool, error) {
	switch v := x.(type) {
	case starlark.String:
		return e.e.Member(string(v)) != nil, nil
	case *Model:
		for _, m := range e.e.Models() {
			if m == v.m {
				return true, nil
			}
		}
	}
	return false, nil
}

type memberIterator struct {
	models []*runtime.Model
	i      int
}

func (it *memberIterator) Next(p *starlark.Value) bool {
	if it.i >= len(it.models) {
		return false
	}
	*p = NewModelValue(it.models[it.i])
	it.i++
	return true
}

func (it *memberIterator) Done() {}

// Attr returns a field or a bound method.
func (e *Ensemble) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(e.e.Name), nil
	case "path":
		return starlark.String(e.e.Path), nil
	case "type":
		return starlark.String(e.e.EntityType()), nil
	case "perm_strategy":
		return starlark.String(e.e.Strategy), nil
	case "attached_files_table":
		return starlark.String(e.e.AttachedFilesTable()), nil
	case "models":
		models := e.e.Models()
		vals := make([]starlark.Value, len(models))
		for i, m := range models {
			vals[i] = NewModelValue(m)
		}
		return starlark.NewList(vals), nil
	case "run_settings":
		if e.e.RunSettings == nil {
			return starlark.None, nil
		}
		return NewRunSettingsValue(e.e.RunSettings), nil
	case "batch_settings":
		if e.e.BatchSettings == nil {
			return starlark.None, nil
		}
		return NewBatchSettingsValue(e.e.BatchSettings), nil
	}
	return bindMethod(e, name, ensembleMethods)
}

// AttrNames lists fields and methods for dir().
func (e *Ensemble) AttrNames() []string { return attrNames(ensembleMethods, ensembleFields...) }

// ensembleAddModel is ens.add_model(model): a non-model is SmartSim's TypeError.
func ensembleAddModel(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "model", &v); err != nil {
		return nil, err
	}
	m, ok := v.(*Model)
	if !ok {
		return nil, typeErrorf("%s is not a Model", v.String())
	}
	return starlark.None, b.Receiver().(*Ensemble).e.AddModel(m.m)
}

// ensemblePrintAttachedFiles logs the attached-files table (print() goes to the log too).
func ensemblePrintAttachedFiles(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	env.logger().Info(b.Receiver().(*Ensemble).e.AttachedFilesTable())
	return starlark.None, nil
}
