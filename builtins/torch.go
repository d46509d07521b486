package builtins

import (
	"fmt"
	"slices"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/orchestrator/scripts/torch"
)

// Torch is the predeclared `torch` of driver scripts: a placeholder so that functions meant for the
// database, written as SmartSim users write TorchScript functions (`def scale(x): return torch.mul(x,
// 2)`), compile in the driver and can be shipped with add_function. The real tensor operations exist
// only inside the database's script engine (docs/design.md §6); calling one in the driver is an error that says
// so.
var Torch starlark.Value = torchPlaceholder{}

type torchPlaceholder struct{}

var _ starlark.HasAttrs = torchPlaceholder{}

func (torchPlaceholder) String() string        { return "<torch (database scripts only)>" }
func (torchPlaceholder) Type() string          { return "torch" }
func (torchPlaceholder) Freeze()               {} // stateless
func (torchPlaceholder) Truth() starlark.Bool  { return starlark.True }
func (torchPlaceholder) Hash() (uint32, error) { return starlark.String("torch").Hash() }

// torchNames are the database's torch members, so the driver knows exactly the same names.
var torchNames = torch.Names()

// Attr returns, for each name of the database's torch module, a builtin that explains where torch
// operations run; other names are missing attributes, as they would be in the database.
func (torchPlaceholder) Attr(name string) (starlark.Value, error) {
	if _, found := slices.BinarySearch(torchNames, name); !found {
		return nil, nil
	}
	return starlark.NewBuiltin("torch."+name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return nil, fmt.Errorf("torch.%s runs only inside the database: ship the function with add_function or add_script and run it there", name)
	}), nil
}

// AttrNames are the database torch module's names (dir(torch) in a driver lists what scripts can use).
func (torchPlaceholder) AttrNames() []string { return slices.Clone(torchNames) }
