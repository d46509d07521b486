package runtime

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// DBExecutable is the ssrun binary that runs `ssrun db` shards; "" means this process's own executable
// (os.Executable), which is ssrun itself. Tests that drive the runtime from a test binary set it to an
// ssrun they built.
var DBExecutable = ""

// clusterSlots is Redis Cluster's hash slot count.
const clusterSlots = 16384

// shardPlan is one shard to launch: its name, port, and in a cluster its node id and slot range.
type shardPlan struct {
	name       string
	port       int
	nodeID     string
	start, end int
}

func (p shardPlan) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// shardPlans names the shards and their ports (port, port+1, ...); for db_nodes >= 3 it splits the
// 16384 slots into contiguous ranges differing by at most one slot, and gives each node a stable id.
//
// On a workload manager every shard has a node of its own, so all use the same port (as SmartSim's)
// and the node id cannot depend on an address that is only known once the shard runs.
func (o *Orchestrator) shardPlans() []shardPlan {
	out := make([]shardPlan, o.DBNodes)
	for i := range out {
		p := shardPlan{name: fmt.Sprintf("%s_%d", o.Name, i), port: o.Port + i}
		idSeed := p.name + "@" + p.addr()
		if o.onScheduler() {
			p.port = o.Port
			idSeed = p.name + "@" + o.Name + ":" + strconv.Itoa(o.Port)
		}
		if o.DBNodes >= 3 {
			p.start, p.end = i*clusterSlots/o.DBNodes, (i+1)*clusterSlots/o.DBNodes-1
			sum := sha1.Sum([]byte(idSeed))
			p.nodeID = hex.EncodeToString(sum[:])
		}
		out[i] = p
	}
	return out
}

func (o *Orchestrator) clustered() bool { return o.DBNodes >= 3 }

// shardArgv is the command of one shard: `ssrun db` with its cluster flags (every shard is told its own
// slot range and its peers', so the cluster exists the moment they are all up), or redis-server.
func (o *Orchestrator) shardArgv(exe string, plans []shardPlan, i int) []string {
	p := plans[i]
	if o.Engine == EngineRedis {
		argv := []string{exe, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
		if o.clustered() {
			argv = append(argv, "--cluster-enabled", "yes", "--cluster-config-file",
				filepath.Join(o.Path, fmt.Sprintf("nodes-%s-%d.conf", p.name, p.port)))
		}
		return argv
	}
	argv := []string{exe, "db", "--name", p.name, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1"}
	argv = append(argv, o.confFlags()...)
	if o.clustered() {
		argv = append(argv, "--cluster-slots", fmt.Sprintf("%d-%d", p.start, p.end), "--cluster-node-id", p.nodeID)
		for j, q := range plans {
			if j != i {
				argv = append(argv, "--cluster-peer", fmt.Sprintf("%s,%s,%d-%d", q.nodeID, q.addr(), q.start, q.end))
			}
		}
	}
	return argv
}

// engineExe is the program a shard runs: ssrun itself, or redis-server from PATH. A dry run names them
// without resolving so plans are byte-stable across machines.
func (e *Experiment) engineExe(engine string) (string, error) {
	if engine == EngineRedis {
		if e.opts.DryRun {
			return "redis-server", nil
		}
		p, err := e.opts.LookPath("redis-server")
		if err != nil {
			return "", Errorf(SSConfigError, "engine=\"redis\" needs redis-server on PATH: %w", err)
		}
		return p, nil
	}
	if e.opts.DryRun {
		return "ssrun", nil
	}
	if DBExecutable != "" {
		return DBExecutable, nil
	}
	if bin := e.environValue("SSRUN_BIN"); bin != "" { // a copy on a file system the compute nodes mount
		return bin, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", Errorf(SmartSimError, "Cannot find the ssrun executable to start database shards: %w", err)
	}
	return exe, nil
}

// checkDatabaseIDs refuses, before anything is launched, a database whose identifier is already
// running (SmartSim's SSDBIDConflictError), also when two of this start() share one.
func (e *Experiment) checkDatabaseIDs(entities []Entity) error {
	e.clearFailedDatabases(entities)
	seen := map[string]bool{}
	for _, o := range e.dbs().list() {
		seen[dbSuffix(o.Name)] = true
	}
	for _, ent := range entities {
		o, ok := ent.(*Orchestrator)
		if !ok {
			continue
		}
		if seen[dbSuffix(o.Name)] {
			return dbIDConflict(o.Name)
		}
		seen[dbSuffix(o.Name)] = true
	}
	return nil
}

func dbIDConflict(id string) error {
	return Errorf(SSDBIDConflictError, "Database identifier %s has already been used. Pass in a unique name for db_identifier", id)
}

// startDatabases launches the databases among entities, first thing in start() as SmartSim does, and
// returns when each answers on every shard. Runs with e.mu held.
func (e *Experiment) startDatabases(ctx context.Context, run *manifestRun, entities []Entity) error {
	for _, ent := range entities {
		if o, ok := ent.(*Orchestrator); ok {
			if err := e.startDatabase(ctx, run, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// startDatabase launches every shard through the experiment's launcher, waits until each answers PING,
// forms a redis-server cluster with redis-cli, and registers the database as running. If a shard
// fails, the others are stopped and the error names the failed shard's output file.
func (e *Experiment) startDatabase(ctx context.Context, run *manifestRun, o *Orchestrator) error {
	if o.Engine == EngineRedis && o.Port == 0 {
		return Errorf(ValueError, "engine=\"redis\" needs a fixed port, not 0")
	}
	exe, err := e.engineExe(o.Engine)
	if err != nil {
		return err
	}
	if err := e.opts.FS.MkdirAll(o.Path); err != nil {
		return Errorf(SmartSimError, "Could not create directory %s: %w", o.Path, err)
	}
	if e.reuseDatabase(run, o) { // --resume: the previous driver's database still answers
		return nil
	}
	if o.onScheduler() {
		return e.startSchedulerDatabase(ctx, run, o, exe)
	}
	plans := o.shardPlans()
	shards := make([]*dbShard, 0, len(plans))
	for i, p := range plans {
		statusDir := filepath.Join(e.telemetryDir(), e.Name, run.id, "database", o.Name, p.name)
		lj := launchers.Job{Name: p.name + "-" + run.id, Argv: o.shardArgv(exe, plans, i), Env: e.opts.Environ,
			Dir: o.Path, Stdout: filepath.Join(statusDir, p.name+".out"), Stderr: filepath.Join(statusDir, p.name+".err")}
		s, err := e.launchShard(ctx, run, lj, o.Name)
		if err != nil {
			stopShards(shards)
			return err
		}
		s.addr = p.addr()
		shards = append(shards, s)
		e.linkShardOutputs(o.Path, p.name, lj)
	}
	if err := waitShards(ctx, shards, o.Engine == EngineSsrun); err != nil {
		stopShards(shards)
		return Errorf(SmartSimError, "Database %s failed to start: %w", o.Name, err)
	}
	if o.clustered() {
		if err := e.formCluster(ctx, o, shards); err != nil {
			stopShards(shards)
			return err
		}
	}
	e.registerDatabase(run, o, plans, shards)
	return nil
}

// registerDatabase records a database whose shards all answer: it counts as running, its shards
// are watched, and the summary, manifest and plan show it.
func (e *Experiment) registerDatabase(run *manifestRun, o *Orchestrator, plans []shardPlan, shards []*dbShard) {
	o.mu.Lock()
	o.shards, o.active = shards, true
	o.launch++
	runID := o.launch - 1
	addrs := o.addressesLocked()
	o.mu.Unlock()
	e.dbs().add(o)
	e.recordDBJob(run, newDBJob(o, run.id, runID, shards))
	e.plan.recordDatabase(o, plans)
	e.writeCheckpoint(o, shards)
	e.startShardTelemetry(o, shards)
	for _, s := range shards {
		e.journal.bg.Add(1) // Close waits for the watchers, so no journal write follows its final one
		go e.watchShard(o, s)
	}
	ready := e.opts.Now().Sub(shards[0].started).Seconds()
	e.opts.Log.Info(fmt.Sprintf("Orchestrator %s launched: %d shard(s) at %s, all answering PING %.3f s after launch", o.Name, len(shards), strings.Join(addrs, ","), ready))
}

// launchShard launches one database process and records it in the plan.
func (e *Experiment) launchShard(ctx context.Context, run *manifestRun, lj launchers.Job, entity string) (*dbShard, error) {
	if err := e.opts.FS.MkdirAll(filepath.Dir(lj.Stdout)); err != nil {
		return nil, Errorf(SmartSimError, "Could not create directory %s: %w", filepath.Dir(lj.Stdout), err)
	}
	h, err := e.opts.Launcher.Launch(ctx, lj)
	if err != nil {
		return nil, Errorf(SmartSimError, "Job step %s failed to launch: %w", lj.Name, err)
	}
	e.plan.recordLaunch(PlanLaunch{Name: lj.Name, Entity: entity, Type: "DBNode", Run: run.id,
		Argv: lj.Argv, EnvDelta: lj.EnvDelta, Cwd: lj.Dir, Stdout: lj.Stdout, Stderr: lj.Stderr})
	return &dbShard{name: strings.TrimSuffix(lj.Name, "-"+run.id), stdout: lj.Stdout, stderr: lj.Stderr, handle: h,
		dry: e.opts.DryRun, started: e.opts.Now()}, nil
}

// linkShardOutputs makes <db path>/<shard>.out/.err point at this run's output files.
func (e *Experiment) linkShardOutputs(dir, name string, lj launchers.Job) {
	for _, pair := range [][2]string{{lj.Stdout, ".out"}, {lj.Stderr, ".err"}} {
		link := filepath.Join(dir, name+pair[1])
		_ = e.opts.FS.RemoveAll(link)
		if err := e.opts.FS.Symlink(pair[0], link); err != nil {
			e.opts.Log.Warn("could not link output file", "link", link, "error", err)
		}
	}
}

// waitShards waits for every shard concurrently; the first failure is returned.
func waitShards(ctx context.Context, shards []*dbShard, readyFromLine bool) error {
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.waitReady(ctx, readyFromLine)
		}()
	}
	wg.Wait()
	var died errShardDied
	for _, err := range errs { // a shard that died explains the others' failures best
		if errors.As(err, &died) {
			return err
		}
	}
	return errors.Join(errs...)
}

// stopShards ends shards concurrently (SHUTDOWN, then the launcher's stop).
func stopShards(shards []*dbShard) {
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.shutdown(5 * time.Second)
		}()
	}
	wg.Wait()
}

// formCluster joins redis-server shards with `redis-cli --cluster create` and waits until every node
// reports cluster_state:ok. `ssrun db` shards need nothing: their command lines carry the slot map.
func (e *Experiment) formCluster(ctx context.Context, o *Orchestrator, shards []*dbShard) error {
	if o.Engine != EngineRedis || e.opts.DryRun {
		return nil
	}
	cli, err := e.opts.LookPath("redis-cli")
	if err != nil {
		return Errorf(SSConfigError, "forming a redis-server cluster needs redis-cli on PATH: %w", err)
	}
	argv := []string{"--cluster", "create"}
	for _, s := range shards {
		argv = append(argv, s.addr)
	}
	argv = append(argv, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, argv...).CombinedOutput(); err != nil {
		return Errorf(SmartSimError, "Database %s: redis-cli --cluster create failed: %w\n%s", o.Name, err, out)
	}
	deadline := time.Now().Add(dbStartTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for _, s := range shards {
		for !clusterOK(ctx, s) {
			if time.Now().After(deadline) {
				return Errorf(SmartSimError, "Database %s: shard %s never reported cluster_state:ok", o.Name, s.name)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}
	return nil
}

func clusterOK(ctx context.Context, s *dbShard) bool {
	info, err := respCommand(ctx, s.addr, time.Second, "CLUSTER", "INFO")
	return err == nil && strings.Contains(info, "cluster_state:ok")
}

// watchShard reports a shard that ends while its database is meant to run: Failed, with its output
// file named so the user can see why.
func (e *Experiment) watchShard(o *Orchestrator, s *dbShard) {
	defer e.journal.bg.Done()
	if s.dry {
		return
	}
	<-s.handle.Done()
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	s.elapsed(e.opts.Now()) // records the end for the summary's Time
	if stopped {
		return
	}
	e.journalChanged() // the manifest shows the shard Failed
	r := s.Result()
	msg := fmt.Sprintf("Database %s: shard %s(%s): %s (exit code %d); see its output %s and %s",
		o.Name, s.name, s.handle.ID(), r.Status, r.ExitCode, s.stdout, s.stderr)
	if last := lastLine(s.stderr); last != "" {
		msg += ": " + last
	}
	e.opts.Log.Error(msg)
}

// StopDatabase is stop(db): SHUTDOWN to every shard (the launcher's stop as fallback); the shards end
// Cancelled and the database no longer counts as running. A database never started is SmartSim's raw
// KeyError; one already stopped is left alone.
func (e *Experiment) StopDatabase(o *Orchestrator) error {
	o.mu.Lock()
	shards, active := append([]*dbShard(nil), o.shards...), o.active
	o.active = false
	o.mu.Unlock()
	if len(shards) == 0 {
		return Errorf(KeyError, "'%s'", o.Name)
	}
	if !active {
		return nil
	}
	stopShards(shards)
	now := e.opts.Now()
	for _, s := range shards {
		s.elapsed(now)
	}
	e.dbs().remove(o)
	e.plan.recordDatabaseStop(o)
	e.flushJournal()
	return nil
}

// StopDatabases stops every running database of the experiment (script end, SIGINT), except those
// reconnected from another driver's checkpoint: they were running before this driver and stay so.
func (e *Experiment) StopDatabases() {
	for _, o := range e.dbs().list() {
		o.mu.Lock()
		borrowed := o.reconnected
		o.mu.Unlock()
		if borrowed {
			e.opts.Log.Info(fmt.Sprintf("Orchestrator %s (reconnected from %s) left running; exp.stop(db) shuts it down", o.Name, o.CheckpointFile()))
			continue
		}
		_ = e.StopDatabase(o)
	}
	registries.Delete(e)
}

// checkDatabases is start()'s database checks, made before anything is launched: identifiers free,
// colocated databases valid, and somewhere to store the ML objects of the models.
func (e *Experiment) checkDatabases(entities []Entity, steps []step) error {
	if err := e.checkDatabaseIDs(entities); err != nil {
		return err
	}
	if err := e.checkColocations(steps); err != nil {
		return err
	}
	return e.checkDBObjects(entities, steps)
}

// prepareDatabases is start()'s first launch phase: databases first, then the models' ML objects
// stored into them, so every model finds its objects when it starts.
func (e *Experiment) prepareDatabases(ctx context.Context, run *manifestRun, entities []Entity, steps []step) error {
	if err := e.startDatabases(ctx, run, entities); err != nil {
		return err
	}
	return e.loadDBObjects(ctx, steps)
}
