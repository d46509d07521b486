package runtime

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// Database engines: ssrun's own shard (`ssrun db`, the default) or Redis's redis-server for users who
// want it (no AI.* commands then).
const (
	EngineSsrun = "ssrun"
	EngineRedis = "redis"
)

// DefaultDBIdentifier is create_database's default db_identifier; its client variables have no suffix.
const DefaultDBIdentifier = "orchestrator"

// DatabaseArgs are create_database's arguments.
type DatabaseArgs struct {
	Port         int
	Path         string
	DBNodes      int
	Batch        bool
	Hosts        []string
	RunCommand   string // "" or "auto": the launcher's default
	Interface    string
	SingleCmd    bool
	DBIdentifier string
	Engine       string // "" or "ssrun", "redis"
	// Interfaces are interface=: one name or several. InterfaceNone is interface=None (bind the
	// address the scheduler knows each node by); InterfaceDefault says the user gave none, so SmartSim's
	// default (ipogif0) applies with a fallback where a node lacks it.
	Interfaces       []string
	InterfaceNone    bool
	InterfaceDefault bool
	// Alloc is the allocation to start the shards in (alloc=; default $SLURM_JOB_ID and the like).
	Alloc string
	// Batch database settings: time, account, queue and batch_args (batch=True).
	Time, Account, Queue string
	BatchArgs            []Arg
}

// Orchestrator is a database of the experiment (SmartSim's Orchestrator): db_nodes shards started by
// start() before any model, shut down by stop(). It is an Entity so it goes through the same
// generate/start/stop/get_status calls as models.
type Orchestrator struct {
	Name      string // the db_identifier
	Path      string
	Port      int
	DBNodes   int
	Interface string
	Hosts     []string
	SingleCmd bool
	Engine    string

	// On a workload manager (db_scheduler.go): the run command and its arguments (set_run_arg), the
	// allocation, the interfaces each shard resolves on its node (NodeAddress: the scheduler's address
	// of the node instead; InterfaceFallback: that address where a node lacks the interfaces), the
	// batch job's settings when Batch, and the CPUs per shard (set_cpus).
	RunCommand        string
	RunArgs           []Arg
	Alloc             string
	Interfaces        []string
	NodeAddress       bool
	InterfaceFallback bool
	Batch             bool
	BatchSettings     *BatchSettings
	CPUs              int
	userHosts         []string          // create_database's hosts, for reset_hosts (nil until set_hosts)
	conf              map[string]string // persistence settings given at run time, for restarts (db_restart.go)
	// Telemetry is db.telemetry: off by default, as in SmartSim; on, shards are sampled (telemetry_db.go).
	Telemetry TelemetryConfiguration

	exp *Experiment

	mu     sync.Mutex
	shards []*dbShard
	active bool // started and not stopped by the user
	launch int  // how many times it was started
	// reconnected: another driver launched it (exp.reconnect_orchestrator); this driver's end leaves
	// it running (db_checkpoint.go).
	reconnected bool
}

// EntityName implements Entity.
func (o *Orchestrator) EntityName() string { return o.Name }

// EntityType implements Entity.
func (o *Orchestrator) EntityType() string { return "Orchestrator" }

// maxRedisClusterPort is the highest port redis-server accepts in cluster mode: its cluster bus listens
// 10000 ports higher.
const maxRedisClusterPort = 65535 - 10000

// CreateDatabase validates create_database's arguments in SmartSim's order: run command for the
// launcher, batch on local, db_nodes == 2, then ssrun's own rules (a positive shard count, a known
// engine available on this machine).
func (e *Experiment) CreateDatabase(a DatabaseArgs) (*Orchestrator, error) {
	if a.DBIdentifier == "" {
		a.DBIdentifier = DefaultDBIdentifier
	}
	if err := checkEntityName(a.DBIdentifier); err != nil {
		return nil, err
	}
	local := e.LauncherName == "local" || e.LauncherName == "dryrun"
	if err := checkDBRunCommand(e.LauncherName, a.RunCommand); err != nil {
		return nil, err
	}
	if a.Batch && local {
		return nil, Errorf(SmartSimError, "Local orchestrator can not be launched with batch=True")
	}
	if a.DBNodes == 2 {
		return nil, Errorf(SSUnsupportedError, "Orchestrator does not support clusters of size 2")
	}
	if a.DBNodes < 1 {
		return nil, Errorf(ValueError, "db_nodes must be a positive number of shards, not %d", a.DBNodes)
	}
	if !local && (a.RunCommand == "mpirun" || a.RunCommand == "mpiexec") && len(a.Hosts) == 0 && !a.Batch {
		return nil, Errorf(SmartSimError, "hosts argument is required when launching Orchestrator with %s", a.RunCommand)
	}
	if !local && a.Engine == EngineRedis {
		return nil, Errorf(SSUnsupportedError, "engine=\"redis\" runs on the local launcher only; on %s use ssrun's own shards (the default engine)", e.LauncherName)
	}
	if a.Port < 0 || a.Port+a.DBNodes-1 > 65535 {
		return nil, Errorf(ValueError, "port %d cannot hold %d shards (ports %d..%d)", a.Port, a.DBNodes, a.Port, a.Port+a.DBNodes-1)
	}
	if a.Port == 0 && (a.DBNodes > 1 || !local) {
		return nil, Errorf(ValueError, "a database of %d shards needs a fixed port (the shards use port..port+%d); port=0 works for one local shard only", a.DBNodes, a.DBNodes-1)
	}
	engine := strings.ToLower(a.Engine)
	switch engine {
	case "", EngineSsrun:
		engine = EngineSsrun
	case EngineRedis:
		if _, err := e.opts.LookPath("redis-server"); err != nil && !e.opts.DryRun {
			return nil, Errorf(SSConfigError, "engine=\"redis\" needs redis-server on PATH: %w", err)
		}
		if last := a.Port + a.DBNodes - 1; a.DBNodes > 1 && last > maxRedisClusterPort {
			return nil, Errorf(ValueError, "engine=\"redis\" with %d shards needs port %d or lower, not %d: each redis-server cluster node also listens on its port + 10000 (its cluster bus), so the last shard's port may be %d at most",
				a.DBNodes, maxRedisClusterPort-a.DBNodes+1, a.Port, maxRedisClusterPort)
		}
	default:
		return nil, Errorf(ValueError, "Database engine %q is not supported. Options are ['ssrun', 'redis']", a.Engine)
	}
	iface := a.Interface
	if iface == "" {
		iface = "lo"
	}
	o := &Orchestrator{Name: a.DBIdentifier, Path: e.entityPath(a.DBIdentifier, a.Path), Port: a.Port,
		DBNodes: a.DBNodes, Interface: iface, Hosts: append([]string(nil), a.Hosts...), SingleCmd: a.SingleCmd,
		Engine: engine, exp: e, RunCommand: a.RunCommand, Alloc: a.Alloc, Batch: a.Batch,
		Interfaces: append([]string(nil), a.Interfaces...), NodeAddress: a.InterfaceNone, InterfaceFallback: a.InterfaceDefault}
	if len(o.Interfaces) == 0 && !o.NodeAddress && a.Interface != "" {
		o.Interfaces = []string{a.Interface}
	}
	if o.NodeAddress {
		o.Interface = ""
	} else if len(o.Interfaces) > 0 {
		o.Interface = strings.Join(o.Interfaces, ",")
	}
	if a.Batch {
		kind, err := batchKindFor(e.LauncherName)
		if err != nil {
			return nil, err
		}
		o.BatchSettings = &BatchSettings{Kind: kind, Nodes: a.DBNodes, Time: a.Time, Queue: a.Queue, Account: a.Account,
			BatchArgs: append([]Arg(nil), a.BatchArgs...)}
	}
	return o, nil
}

// dbRunCommands are the run commands SmartSim's Orchestrator accepts per launcher.
var dbRunCommands = map[string][]string{
	"slurm": {"srun", "mpirun", "mpiexec"},
	"pbs":   {"aprun", "mpirun", "mpiexec"},
	"pals":  {"mpiexec"},
	"lsf":   {"jsrun"},
}

// checkDBRunCommand is SmartSim's check that the run command suits the launcher ("auto" always does).
func checkDBRunCommand(launcher, rc string) error {
	if rc == "" || rc == "auto" {
		return nil
	}
	allowed := dbRunCommands[launcher]
	for _, a := range allowed {
		if a == rc {
			return nil
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	return Errorf(SmartSimError, "Run command %s is not supported on launcher %s\nSupported run commands for the given launcher are: [%s]", rc, launcher, strings.Join(quoted, ", "))
}

// launched reports whether the database was ever started in its experiment (stop() of one that was
// not is SmartSim's KeyError).
func (o *Orchestrator) launched() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.shards) > 0
}

// databasesOf picks the databases among a start/stop call's entities, in argument order.
func databasesOf(entities []Entity) []*Orchestrator {
	var out []*Orchestrator
	for _, ent := range entities {
		if o, ok := ent.(*Orchestrator); ok {
			out = append(out, o)
		}
	}
	return out
}

// NumShards is db_nodes.
func (o *Orchestrator) NumShards() int { return o.DBNodes }

// IsActive reports whether every shard of the started database answers PING now.
func (o *Orchestrator) IsActive() bool {
	o.mu.Lock()
	shards, active := append([]*dbShard(nil), o.shards...), o.active
	o.mu.Unlock()
	if !active || len(shards) == 0 {
		return false
	}
	if o.exp.opts.DryRun {
		return true
	}
	for _, s := range shards {
		if s.Result().Status.Terminal() || s.ping(context.Background(), 2*time.Second) != nil {
			return false
		}
	}
	return true
}

// GetAddress returns the shards' addresses ("host:port"); SmartSim's SmartSimError before start.
func (o *Orchestrator) GetAddress() ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.shards) == 0 {
		return nil, Errorf(SmartSimError, "Database is not active")
	}
	return o.addressesLocked(), nil
}

func (o *Orchestrator) addressesLocked() []string {
	out := make([]string, len(o.shards))
	for i, s := range o.shards {
		out[i] = s.addr
	}
	return out
}

// ShardHosts are the distinct hosts the shards run on, in shard order (db.hosts once launched; the
// hosts given to create_database before).
func (o *Orchestrator) ShardHosts() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.shards) == 0 {
		return append([]string(nil), o.Hosts...)
	}
	var out []string
	for _, s := range o.shards {
		host := s.addr
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		if !contains(out, host) {
			out = append(out, host)
		}
	}
	return out
}

// SetMaxMemory is set_max_memory(mem): CONFIG SET maxmemory on every shard of the running database.
func (o *Orchestrator) SetMaxMemory(mem string) error { return o.SetDBConf("maxmemory", mem) }

// SetMaxClients is set_max_clients(n): CONFIG SET maxclients.
func (o *Orchestrator) SetMaxClients(n int) error { return o.SetDBConf("maxclients", fmt.Sprint(n)) }

// SetDBConf is set_db_conf(key, value): CONFIG SET on every shard; the database must be running.
func (o *Orchestrator) SetDBConf(key, value string) error {
	o.mu.Lock()
	shards, active := append([]*dbShard(nil), o.shards...), o.active
	o.mu.Unlock()
	if !active {
		return Errorf(SmartSimError, "The SmartSim Orchestrator must be active in order to set the database's configurations.")
	}
	if o.exp.opts.DryRun {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range shards {
		if _, err := respCommand(ctx, s.addr, 5*time.Second, "CONFIG", "SET", key, value); err != nil {
			return Errorf(SmartSimError, "Invalid CONFIG key-value pair (%s: %s): shard %s answered %w", key, value, s.name, err)
		}
	}
	o.rememberConf(key, value)
	return nil
}

// ShardStatuses are the shards' statuses in shard order (Cancelled once stopped by the user).
func (o *Orchestrator) ShardStatuses() []launchers.Status {
	o.mu.Lock()
	shards := append([]*dbShard(nil), o.shards...)
	o.mu.Unlock()
	if len(shards) == 0 {
		out := make([]launchers.Status, o.DBNodes)
		for i := range out {
			out[i] = launchers.StatusNeverStarted
		}
		return out
	}
	out := make([]launchers.Status, len(shards))
	for i, s := range shards {
		out[i] = s.Result().Status
	}
	return out
}

// ShardOutputs are the shards' output files (stdout), in shard order.
func (o *Orchestrator) ShardOutputs() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, len(o.shards))
	for i, s := range o.shards {
		out[i] = s.stdout
	}
	return out
}

// generate is generate()'s treatment of a database: its directory is always wiped and recreated.
func (o *Orchestrator) generate(fsys FS) error {
	if ok, _ := fsys.Exists(o.Path); ok {
		if err := fsys.RemoveAll(o.Path); err != nil {
			return Errorf(SmartSimError, "Could not remove %s: %w", o.Path, err)
		}
	}
	if err := fsys.MkdirAll(o.Path); err != nil {
		return Errorf(SmartSimError, "Could not create directory %s: %w", o.Path, err)
	}
	return nil
}

// GenerateDatabase is generate() for a database: SmartSim always deletes and recreates exp_path/<id>.
// Under --resume, a database of the previous driver that still answers keeps its directory (its
// checkpoint and outputs): start() reuses it (db_checkpoint.go).
func (e *Experiment) GenerateDatabase(o *Orchestrator) error {
	o.Path = e.entityPath(o.Name, "")
	if _, _, ok := e.reusableDatabase(o, false); ok {
		return nil
	}
	if err := o.generate(e.opts.FS); err != nil {
		return err
	}
	e.plan.recordFileOps(FileOp{Op: "mkdir", Path: o.Path})
	return nil
}
