package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// This file adapts a model's colocated database: colocate_db_tcp, colocate_db_uds and colocate_db
// (tcp, kept for old scripts). Keyword arguments other than the named ones become options of the
// database process (--key-with-dashes value), as SmartSim passes them to redis.

var colocateCommon = map[string]bool{"db_cpus": true, "custom_pinning": true, "debug": true, "db_identifier": true}

// splitKwargs keeps the named keyword arguments and turns the others into database options.
func splitKwargs(kwargs []starlark.Tuple, named map[string]bool) (known []starlark.Tuple, extra []runtime.Arg, err error) {
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		if named[k] {
			known = append(known, kv)
			continue
		}
		a, err := argOf(k, kv[1])
		if err != nil {
			return nil, nil, typeErrorf("%s: %w", k, err)
		}
		extra = append(extra, a)
	}
	return known, extra, nil
}

// colocateArgsOf unpacks the arguments both colocate forms share.
func colocateArgsOf(name string, args starlark.Tuple, kwargs []starlark.Tuple, own map[string]bool, ownVars ...any) (runtime.ColocateArgs, error) {
	named := map[string]bool{}
	for k := range colocateCommon {
		named[k] = true
	}
	for k := range own {
		named[k] = true
	}
	known, extra, err := splitKwargs(kwargs, named)
	if err != nil {
		return runtime.ColocateArgs{}, err
	}
	a := runtime.ColocateArgs{DBCPUs: 1, Extra: extra}
	var pinning starlark.Value
	pairs := append(ownVars, "db_cpus?", &a.DBCPUs, "custom_pinning?", &pinning, "debug?", &a.Debug, "db_identifier?", &a.DBIdentifier)
	if err := starlark.UnpackArgs(name, args, known, pairs...); err != nil {
		return a, err
	}
	if a.Pinning, err = pinningOf(pinning); err != nil {
		return a, err
	}
	return a, nil
}

// pinningOf flattens custom_pinning: None (SmartSim's default), an int, or an iterable of ints and
// iterables of ints (e.g. [range(2), 3]).
func pinningOf(v starlark.Value) ([]int, error) {
	if isNone(v) {
		return nil, nil
	}
	out := []int{}
	var walk func(x starlark.Value) error
	walk = func(x starlark.Value) error {
		if i, ok := x.(starlark.Int); ok {
			n, ok := i.Int64()
			if !ok {
				return typeErrorf("Expected a cpu ID, got %s", x.String())
			}
			out = append(out, int(n))
			return nil
		}
		it, ok := x.(starlark.Iterable)
		if !ok {
			return typeErrorf("Expected a cpu ID or an iterable of cpu IDs, got %s", x.Type())
		}
		iter := it.Iterate()
		defer iter.Done()
		var el starlark.Value
		for iter.Next(&el) {
			if err := walk(el); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	return out, nil
}

// modelColocateDBTCP is colocate_db_tcp(port=6379, ifname="lo", db_cpus=1, custom_pinning=None,
// debug=False, db_identifier="", **kwargs).
func modelColocateDBTCP(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	port, ifname := 6379, "lo"
	a, err := colocateArgsOf(b.Name(), args, kwargs, map[string]bool{"port": true, "ifname": true},
		"port?", &port, "ifname?", &ifname)
	if err != nil {
		return nil, err
	}
	return starlark.None, receiverModel(b).ColocateDBTCP(port, ifname, a)
}

// modelColocateDBUDS is colocate_db_uds(unix_socket="/tmp/redis.socket", socket_permissions=755,
// db_cpus=1, custom_pinning=None, debug=False, db_identifier="", **kwargs).
func modelColocateDBUDS(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	socket, perms := "/tmp/redis.socket", 755
	a, err := colocateArgsOf(b.Name(), args, kwargs, map[string]bool{"unix_socket": true, "socket_permissions": true},
		"unix_socket?", &socket, "socket_permissions?", &perms)
	if err != nil {
		return nil, err
	}
	return starlark.None, receiverModel(b).ColocateDBUDS(socket, perms, a)
}

func receiverModel(b *starlark.Builtin) *runtime.Model { return b.Receiver().(*Model).m }
