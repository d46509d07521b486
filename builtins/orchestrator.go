package builtins

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/runtime"
)

// Orchestrator is the Starlark handle of a runtime.Orchestrator (type "orchestrator"), made by
// exp.create_database. It goes through generate/start/stop/get_status like any entity.
type Orchestrator struct {
	o *runtime.Orchestrator
}

var (
	_ EntityValue         = (*Orchestrator)(nil)
	_ starlark.HasAttrs   = (*Orchestrator)(nil)
	_ starlark.Comparable = (*Orchestrator)(nil)
)

func init() {
	experimentMethods["create_database"] = starlark.NewBuiltin("create_database", experimentCreateDatabase)
}

// Entity returns the runtime database.
func (x *Orchestrator) Entity() runtime.Entity { return x.o }

var orchestratorMethods = map[string]*starlark.Builtin{
	"is_active":       starlark.NewBuiltin("is_active", orchestratorIsActive),
	"get_address":     starlark.NewBuiltin("get_address", orchestratorGetAddress),
	"set_max_memory":  starlark.NewBuiltin("set_max_memory", orchestratorSetMaxMemory),
	"set_max_clients": starlark.NewBuiltin("set_max_clients", orchestratorSetMaxClients),
	"set_db_conf":     starlark.NewBuiltin("set_db_conf", orchestratorSetDBConf),
}

var orchestratorFields = []string{"batch", "db_identifier", "db_nodes", "engine", "hosts", "name", "num_shards", "path", "port", "type"}

func (x *Orchestrator) String() string {
	return "<orchestrator " + starlark.String(x.o.Name).String() + ">"
}
func (x *Orchestrator) Type() string          { return "orchestrator" }
func (x *Orchestrator) Freeze()               {}
func (x *Orchestrator) Truth() starlark.Bool  { return starlark.True }
func (x *Orchestrator) Hash() (uint32, error) { return starlark.String(x.o.Name).Hash() }

// CompareSameType: two handles are equal when they stand for the same database.
func (x *Orchestrator) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	same := x.o == y.(*Orchestrator).o
	switch op {
	case syntax.EQL:
		return same, nil
	case syntax.NEQ:
		return !same, nil
	}
	return false, typeErrorf("%s not supported for orchestrator", op)
}

// Attr returns a field or a bound method.
func (x *Orchestrator) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name", "db_identifier":
		return starlark.String(x.o.Name), nil
	case "path":
		return starlark.String(x.o.Path), nil
	case "num_shards", "db_nodes":
		return starlark.MakeInt(x.o.NumShards()), nil
	case "port":
		return starlark.MakeInt(x.o.Port), nil
	case "hosts":
		return stringList(x.o.ShardHosts()), nil
	case "engine":
		return starlark.String(x.o.Engine), nil
	case "batch":
		return starlark.False, nil
	case "type":
		return starlark.String(x.o.EntityType()), nil
	}
	return bindMethod(x, name, orchestratorMethods)
}

// AttrNames lists fields and methods for dir().
func (x *Orchestrator) AttrNames() []string {
	return attrNames(orchestratorMethods, orchestratorFields...)
}

func receiverDB(b *starlark.Builtin) *runtime.Orchestrator { return b.Receiver().(*Orchestrator).o }

// experimentCreateDatabase is create_database(port=6379, path=None, db_nodes=1, batch=False,
// hosts=None, run_command="auto", interface="ipogif0", account=None, time=None, queue=None,
// single_cmd=True, db_identifier="orchestrator", engine="ssrun").
func experimentCreateDatabase(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := runtime.DatabaseArgs{Port: 6379, DBNodes: 1, RunCommand: "auto", Interface: "ipogif0", SingleCmd: true,
		DBIdentifier: runtime.DefaultDBIdentifier, Engine: runtime.EngineSsrun}
	var path, hosts, account, wall, queue starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "port?", &a.Port, "path?", &path, "db_nodes?", &a.DBNodes,
		"batch?", &a.Batch, "hosts?", &hosts, "run_command?", &a.RunCommand, "interface?", &a.Interface,
		"account?", &account, "time?", &wall, "queue?", &queue, "single_cmd?", &a.SingleCmd,
		"db_identifier?", &a.DBIdentifier, "engine?", &a.Engine); err != nil {
		return nil, err
	}
	var err error
	if a.Path, err = optionalString("path", path); err != nil {
		return nil, err
	}
	if !isNone(hosts) {
		list, ok := strOrStrings(hosts)
		if !ok {
			return nil, typeErrorf("hosts must be a str or a list of str, not %s", hosts.Type())
		}
		a.Hosts = list
	}
	db, err := receiverExp(b).CreateDatabase(a)
	if err != nil {
		return nil, err
	}
	return &Orchestrator{o: db}, nil
}

func orchestratorIsActive(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(receiverDB(b).IsActive()), nil
}

func orchestratorGetAddress(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	addrs, err := receiverDB(b).GetAddress()
	if err != nil {
		return nil, err
	}
	return stringList(addrs), nil
}

// orchestratorSetMaxMemory is set_max_memory(mem): "1gb", "100mb" or a number of bytes.
func orchestratorSetMaxMemory(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mem starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "mem", &mem); err != nil {
		return nil, err
	}
	v, err := argOf("mem", mem)
	if err != nil || v.IsNone {
		return nil, typeErrorf("mem must be a str or an int, not %s", mem.Type())
	}
	return starlark.None, receiverDB(b).SetMaxMemory(v.Value)
}

// orchestratorSetMaxClients is set_max_clients(clients=50000).
func orchestratorSetMaxClients(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 50000
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "clients?", &n); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).SetMaxClients(n)
}

// orchestratorSetDBConf is set_db_conf(key, value): CONFIG SET on every shard.
func orchestratorSetDBConf(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var key string
	var value starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "key", &key, "value", &value); err != nil {
		return nil, err
	}
	v, err := argOf(key, value)
	if err != nil || v.IsNone {
		return nil, typeErrorf("value must be a str or a number, not %s", value.Type())
	}
	return starlark.None, receiverDB(b).SetDBConf(key, v.Value)
}

// splitDatabases separates the databases from the other entities of a start/stop/generate call.
func splitDatabases(entities []runtime.Entity) (dbs []*runtime.Orchestrator, rest []runtime.Entity) {
	for _, e := range entities {
		if o, ok := e.(*runtime.Orchestrator); ok {
			dbs = append(dbs, o)
		} else {
			rest = append(rest, e)
		}
	}
	return dbs, rest
}
