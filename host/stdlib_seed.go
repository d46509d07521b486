package host

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/builtins"
)

// stdlibSupport are Go builtins given to embedded stdlib modules only (beside builtins.AssertSupport):
// `_seed()` returns the run's seed (--seed, default 0), so @stdlib//sweep.star's sample() is seeded
// from the host and a script gives the same members on every machine and every run.
var stdlibSupport = starlark.StringDict{
	"_seed": starlark.NewBuiltin("_seed", hostSeed),
}

func hostSeed(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	env, err := builtins.EnvOf(thread)
	if err != nil {
		return nil, err
	}
	return starlark.MakeUint64(env.Seed), nil
}
