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
