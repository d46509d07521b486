package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// This file holds what models and ensembles share: converting script values to runtime entities, and
// the methods both types offer (attach_generator_files, key prefixing, incoming entities, DB objects).

// EntityValue is a Starlark value standing for a runtime entity (a *Model or an *Ensemble).
type EntityValue interface {
	starlark.Value
	Entity() runtime.Entity
}

// entitiesOf converts the *entities of generate/start/stop/get_status. A list or tuple of entities is
// accepted as SmartSim accepts entity lists; anything else is SmartSim's TypeError.
func entitiesOf(args starlark.Tuple) ([]runtime.Entity, error) {
	out := make([]runtime.Entity, 0, len(args))
	for _, a := range args {
		switch v := a.(type) {
		case EntityValue:
			out = append(out, v.Entity())
		case *starlark.List, starlark.Tuple:
			inner, err := entityListOf(v)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
		default:
			return nil, runtime.NotAnEntity(a.Type())
		}
	}
	return out, nil
}

// entityListOf converts a list of entities; an empty list or a non-entity element is a TypeError.
func entityListOf(v starlark.Value) ([]runtime.Entity, error) {
	iter := starlark.Iterate(v)
	defer iter.Done()
	var out []runtime.Entity
	var x starlark.Value
	for iter.Next(&x) {
		e, ok := x.(EntityValue)
		if !ok {
			return nil, runtime.NotAnEntity(x.Type())
		}
		out = append(out, e.Entity())
	}
	if len(out) == 0 {
		return nil, runtime.NotAnEntity("empty " + v.Type())
	}
	return out, nil
}

// entityMethods are the methods models and ensembles share, bound to either.
var entityMethods = map[string]*starlark.Builtin{
	"attach_generator_files":   starlark.NewBuiltin("attach_generator_files", entityAttachGeneratorFiles),
	"enable_key_prefixing":     starlark.NewBuiltin("enable_key_prefixing", entityEnableKeyPrefixing),
	"query_key_prefixing":      starlark.NewBuiltin("query_key_prefixing", entityQueryKeyPrefixing),
	"register_incoming_entity": starlark.NewBuiltin("register_incoming_entity", entityRegisterIncoming),
	"add_ml_model":             starlark.NewBuiltin("add_ml_model", entityAddMLModel),
	"add_script":               starlark.NewBuiltin("add_script", entityAddScript),
	"add_function":             starlark.NewBuiltin("add_function", entityAddFunction),
}

// withMethods returns a method table made of entityMethods plus extra.
func withMethods(extra map[string]*starlark.Builtin) map[string]*starlark.Builtin {
	return methodTable(entityMethods, extra)
}

// entityAttachGeneratorFiles is attach_generator_files(to_copy=None, to_symlink=None, to_configure=None);
// each a path or a list of paths.
func entityAttachGeneratorFiles(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var toCopy, toSymlink, toConfigure starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "to_copy?", &toCopy, "to_symlink?", &toSymlink, "to_configure?", &toConfigure); err != nil {
		return nil, err
	}
	lists := make([][]string, 3)
	for i, f := range []struct {
		what string
		v    starlark.Value
	}{{"Copy", toCopy}, {"Symlink", toSymlink}, {"Configure", toConfigure}} {
		if isNone(f.v) {
			continue
		}
		if _, isStr := f.v.(starlark.String); !isStr {
			if _, isList := f.v.(*starlark.List); !isList {
				return nil, typeErrorf("%s argument was not of type list or str", f.what)
			}
		}
		paths, ok := strOrStrings(f.v)
		if !ok {
			return nil, typeErrorf("Not all %s files were of type str", f.what)
		}
		lists[i] = paths
	}
	var err error
	switch e := b.Receiver().(EntityValue).Entity().(type) {
	case *runtime.Model:
		err = e.AttachGeneratorFiles(lists[0], lists[1], lists[2])
	case *runtime.Ensemble:
		err = e.AttachGeneratorFiles(lists[0], lists[1], lists[2])
	}
	return starlark.None, err
}

func entityEnableKeyPrefixing(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	switch e := b.Receiver().(EntityValue).Entity().(type) {
	case *runtime.Model:
		e.EnableKeyPrefixing()
	case *runtime.Ensemble:
		e.EnableKeyPrefixing()
	}
	return starlark.None, nil
}

func entityQueryKeyPrefixing(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	switch e := b.Receiver().(EntityValue).Entity().(type) {
	case *runtime.Model:
		return starlark.Bool(e.QueryKeyPrefixing()), nil
	case *runtime.Ensemble:
		return starlark.Bool(e.QueryKeyPrefixing()), nil
	}
	return starlark.False, nil
}

func entityRegisterIncoming(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "incoming_entity", &v); err != nil {
		return nil, err
	}
	in, ok := v.(EntityValue)
	if !ok {
		return nil, runtime.NotAnEntity(v.Type())
	}
	var err error
	switch e := b.Receiver().(EntityValue).Entity().(type) {
	case *runtime.Model:
		err = e.RegisterIncomingEntity(in.Entity())
	case *runtime.Ensemble:
		err = e.RegisterIncomingEntity(in.Entity())
	}
	return starlark.None, err
}
