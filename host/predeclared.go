package host

import (
	"sort"

	"go.starlark.net/lib/json"
	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/ssrun/ssrun/builtins"
)

// predeclared returns the names every script sees, exactly docs/design.md §3's list: the experiment API
// (Experiment, status, get_logger), the script variables, and starlark-go's pure json, math and struct.
// Nothing here reads a clock, the environment or files. The one addition is `torch`, a placeholder
// that lets functions meant for the database compile in the driver so add_function can ship them; its
// operations fail in the driver with a message saying where they run.
func predeclared(vars map[string]string) starlark.StringDict {
	return starlark.StringDict{
		"Experiment": builtins.NewExperiment,
		"status":     builtins.Status,
		"get_logger": builtins.GetLogger,
		"vars":       varsDict(vars),
		"json":       json.Module,
		"math":       math.Module,
		"struct":     starlark.NewBuiltin("struct", starlarkstruct.Make),
		"torch":      builtins.Torch,
	}
}

// varsDict builds the frozen dict `vars`, keys inserted in sorted order so iteration is reproducible.
func varsDict(vars map[string]string) *starlark.Dict {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d := starlark.NewDict(len(keys))
	for _, k := range keys {
		_ = d.SetKey(starlark.String(k), starlark.String(vars[k]))
	}
	d.Freeze()
	return d
}
