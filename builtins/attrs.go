package builtins

import (
	"sort"

	"go.starlark.net/starlark"
)

// The method-table idiom of starlark-go's library.go: each type keeps a package-level
// map[string]*starlark.Builtin, Attr binds the receiver, and AttrNames lists methods and fields sorted,
// so dir() is right and unknown names get Starlark's "did you mean" hint.

// bindMethod returns methods[name] bound to recv, or (nil, nil) when there is no such method.
func bindMethod(recv starlark.Value, name string, methods map[string]*starlark.Builtin) (starlark.Value, error) {
	if b, ok := methods[name]; ok {
		return b.BindReceiver(recv), nil
	}
	return nil, nil
}

// methodTable joins method tables into one, for a type whose surface is partly shared (entityMethods)
// or generated from the runtime's tables (setterMethods). A name in two tables is a programming error.
func methodTable(tables ...map[string]*starlark.Builtin) map[string]*starlark.Builtin {
	out := map[string]*starlark.Builtin{}
	for _, t := range tables {
		for name, b := range t {
			if _, dup := out[name]; dup {
				panic("builtins: method " + name + " defined twice")
			}
			out[name] = b
		}
	}
	return out
}

// setterMethods makes one method per name, all served by fn, which tells them apart by b.Name(): the
// setters whose names the runtime lists (run and batch arguments by scheduler).
func setterMethods(names []string, fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) map[string]*starlark.Builtin {
	out := make(map[string]*starlark.Builtin, len(names))
	for _, name := range names {
		out[name] = starlark.NewBuiltin(name, fn)
	}
	return out
}

// attrNames returns the sorted union of a method table's names and the given field names.
func attrNames(methods map[string]*starlark.Builtin, fields ...string) []string {
	names := make([]string, 0, len(methods)+len(fields))
	for name := range methods {
		names = append(names, name)
	}
	names = append(names, fields...)
	sort.Strings(names)
	return names
}
