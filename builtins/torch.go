package builtins

import (
	"fmt"

	"go.starlark.net/starlark"
)

// Torch is the predeclared `torch` of driver scripts: a placeholder so that functions meant for the
// database, written as SmartSim users write TorchScript functions (`def scale(x): return torch.mul(x,
// 2)`), compile in the driver and can be shipped with add_function. The real tensor operations exist
// only inside the database's script engine (DESIGN §6); calling one in the driver is an error that says
// so.
var Torch starlark.Value = torchPlaceholder{}

type torchPlaceholder struct{}

var _ starlark.HasAttrs = torchPlaceholder{}

func (torchPlaceholder) String() string        { return "<torch (database scripts only)>" }
func (torchPlaceholder) Type() string          { return "torch" }
func (torchPlaceholder) Freeze()               {} // stateless
func (torchPlaceholder) Truth() starlark.Bool  { return starlark.True }
func (torchPlaceholder) Hash() (uint32, error) { return starlark.String("torch").Hash() }

// Attr returns, for any name, a builtin that explains where torch operations run.
func (torchPlaceholder) Attr(name string) (starlark.Value, error) {
	return starlark.NewBuiltin("torch."+name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return nil, fmt.Errorf("torch.%s runs only inside the database: ship the function with add_function or add_script and run it there", name)
	}), nil
}

// AttrNames is empty: the operations are the database's, listed in its documentation.
func (torchPlaceholder) AttrNames() []string { return nil }
