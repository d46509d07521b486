package builtins

import (
	"strings"

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

// Entity returns the runtime database.
func (x *Orchestrator) Entity() runtime.Entity { return x.o }

var orchestratorMethods = map[string]*starlark.Builtin{
	"is_active":             starlark.NewBuiltin("is_active", orchestratorIsActive),
	"get_address":           starlark.NewBuiltin("get_address", orchestratorGetAddress),
	"set_max_memory":        starlark.NewBuiltin("set_max_memory", orchestratorSetMaxMemory),
	"set_max_clients":       starlark.NewBuiltin("set_max_clients", orchestratorSetMaxClients),
	"set_db_conf":           starlark.NewBuiltin("set_db_conf", orchestratorSetDBConf),
	"set_batch_arg":         starlark.NewBuiltin("set_batch_arg", orchestratorSetBatchArg),
	"set_run_arg":           starlark.NewBuiltin("set_run_arg", orchestratorSetRunArg),
	"set_walltime":          starlark.NewBuiltin("set_walltime", orchestratorSetWalltime),
	"set_hosts":             starlark.NewBuiltin("set_hosts", orchestratorSetHosts),
	"reset_hosts":           starlark.NewBuiltin("reset_hosts", orchestratorResetHosts),
	"set_cpus":              starlark.NewBuiltin("set_cpus", orchestratorSetCPUs),
	"set_eviction_strategy": starlark.NewBuiltin("set_eviction_strategy", orchestratorSetEvictionStrategy),
	"set_max_message_size":  starlark.NewBuiltin("set_max_message_size", orchestratorSetMaxMessageSize),
	"remove_stale_files":    starlark.NewBuiltin("remove_stale_files", orchestratorRemoveStaleFiles),
	"enable_checkpoints":    starlark.NewBuiltin("enable_checkpoints", orchestratorEnableCheckpoints),
}

var orchestratorFields = []string{"batch", "checkpoint_file", "db_identifier", "db_nodes", "engine", "hosts", "interface", "name", "num_shards", "path", "port", "run_command", "telemetry", "type"}

func (x *Orchestrator) String() string {
	return "<orchestrator " + starlark.String(x.o.Name).String() + ">"
}
func (x *Orchestrator) Type() string          { return "orchestrator" }
func (x *Orchestrator) Freeze()               {}
func (x *Orchestrator) Truth() starlark.Bool  { return starlark.True }
func (x *Orchestrator) Hash() (uint32, error) { return starlark.String(x.o.Name).Hash() }

// CompareSameType makes two handles equal when they stand for the same database.
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
		return starlark.Bool(x.o.Batch), nil
	case "interface":
		if x.o.NodeAddress {
			return starlark.None, nil
		}
		return stringList(x.o.Interfaces), nil
	case "run_command":
		return starlark.String(x.o.EffectiveRunCommand()), nil
	case "type":
		return starlark.String(x.o.EntityType()), nil
	case "telemetry":
		return &Telemetry{&x.o.Telemetry}, nil
	case "checkpoint_file":
		return starlark.String(x.o.CheckpointFile()), nil
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
// single_cmd=True, db_identifier="orchestrator", engine="ssrun", alloc=None, batch_args=None).
func experimentCreateDatabase(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := runtime.DatabaseArgs{Port: 6379, DBNodes: 1, RunCommand: "auto", SingleCmd: true,
		DBIdentifier: runtime.DefaultDBIdentifier, Engine: runtime.EngineSsrun}
	var path, hosts, account, wall, queue, alloc, batchArgs starlark.Value
	var iface starlark.Value = starlark.String("ipogif0")
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "port?", &a.Port, "path?", &path, "db_nodes?", &a.DBNodes,
		"batch?", &a.Batch, "hosts?", &hosts, "run_command?", &a.RunCommand, "interface?", &iface,
		"account?", &account, "time?", &wall, "queue?", &queue, "single_cmd?", &a.SingleCmd,
		"db_identifier?", &a.DBIdentifier, "engine?", &a.Engine, "alloc?", &alloc, "batch_args?", &batchArgs); err != nil {
		return nil, err
	}
	var err error
	if a.Path, err = optionalString("path", path); err != nil {
		return nil, err
	}
	if err := unpackInterface(iface, kwargs, &a); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		v    starlark.Value
		dst  *string
	}{{"alloc", alloc, &a.Alloc}, {"account", account, &a.Account}, {"time", wall, &a.Time}, {"queue", queue, &a.Queue}} {
		if *f.dst, err = optionalString(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if batchArgs != nil && !isNone(batchArgs) {
		if a.BatchArgs, err = argsOf("batch_args", batchArgs); err != nil {
			return nil, err
		}
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

// experimentReconnectOrchestrator is reconnect_orchestrator(checkpoint): the database another driver
// launched, from the checkpoint file it wrote (db.checkpoint_file).
func experimentReconnectOrchestrator(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var checkpoint string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "checkpoint", &checkpoint); err != nil {
		return nil, err
	}
	db, err := receiverExp(b).ReconnectOrchestrator(checkpoint)
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

// unpackInterface reads interface=: a name, a list of names, or None; not given means SmartSim's
// default ipogif0, which ssrun replaces by the node's scheduler address where a node lacks it.
func unpackInterface(v starlark.Value, kwargs []starlark.Tuple, a *runtime.DatabaseArgs) error {
	given := false
	for _, kv := range kwargs {
		if k, _ := starlark.AsString(kv[0]); k == "interface" {
			given = true
		}
	}
	if isNone(v) {
		a.InterfaceNone = true
		return nil
	}
	list, ok := strOrStrings(v)
	if !ok || len(list) == 0 {
		return typeErrorf("interface must be a str, a list of str or None, not %s", v.Type())
	}
	a.Interface, a.Interfaces, a.InterfaceDefault = list[0], list, !given
	return nil
}

// setterArg unpacks (arg, value=None) of set_batch_arg and set_run_arg.
func setterArg(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (string, runtime.Arg, error) {
	var arg string
	var value starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "arg", &arg, "value?", &value); err != nil {
		return "", runtime.Arg{}, err
	}
	v, err := argOf(arg, value)
	return arg, v, err
}

func orchestratorSetBatchArg(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	arg, v, err := setterArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).SetBatchArg(arg, v)
}

func orchestratorSetRunArg(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	arg, v, err := setterArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	receiverDB(b).SetRunArg(arg, v)
	return starlark.None, nil
}

func orchestratorSetWalltime(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var walltime string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "walltime", &walltime); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).SetWalltime(walltime)
}

// orchestratorSetHosts is set_hosts(host_list): a str or a list of str, as SmartSim checks it.
func orchestratorSetHosts(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "host_list", &v); err != nil {
		return nil, err
	}
	if s, ok := v.(starlark.String); ok {
		receiverDB(b).SetHosts([]string{strings.TrimSpace(string(s))})
		return starlark.None, nil
	}
	if _, ok := v.(*starlark.List); !ok {
		return nil, typeErrorf("host_list argument must be a list of strings")
	}
	hosts, ok := strOrStrings(v)
	if !ok {
		return nil, typeErrorf("host_list argument must be list of strings")
	}
	receiverDB(b).SetHosts(hosts)
	return starlark.None, nil
}

func orchestratorResetHosts(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	receiverDB(b).ResetHosts()
	return starlark.None, nil
}

func orchestratorSetCPUs(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "num_cpus", &n); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).SetCPUs(n)
}

func orchestratorSetEvictionStrategy(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var strategy string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "strategy", &strategy); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).SetEvictionStrategy(strategy)
}

func orchestratorSetMaxMessageSize(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	size := 1_073_741_824
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "size?", &size); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).SetMaxMessageSize(size)
}

// orchestratorEnableCheckpoints is enable_checkpoints(frequency): snapshots every frequency seconds.
func orchestratorEnableCheckpoints(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var frequency int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "frequency", &frequency); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).EnableCheckpoints(frequency)
}

func orchestratorRemoveStaleFiles(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, receiverDB(b).RemoveStaleFiles()
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
