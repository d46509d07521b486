package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/runtime/dbsched"
)

// onScheduler reports whether the database's shards go through a workload manager (one shard per node
// of an allocation, or a batch job) rather than being local processes of this host.
func (o *Orchestrator) onScheduler() bool {
	l := o.exp.LauncherName
	return l != "local" && l != "dryrun"
}

// schedulerName maps the launcher to the scheduler family dbsched knows.
func schedulerName(launcher string) string {
	switch launcher {
	case "pbs", "pals":
		return "pbs"
	case "lsf":
		return "lsf"
	}
	return "slurm"
}

// allocation is the allocation shards join outside a batch job: alloc= given, else the one the
// driver runs in ($SLURM_JOB_ID, $PBS_JOBID, $LSB_JOBID).
func (e *Experiment) allocation(o *Orchestrator) string {
	if o.Alloc != "" {
		return o.Alloc
	}
	switch schedulerName(e.LauncherName) {
	case "pbs":
		return e.environValue("PBS_JOBID")
	case "lsf":
		return e.environValue("LSB_JOBID")
	}
	return e.environValue("SLURM_JOB_ID")
}

// dbNodes are the nodes the shards run on, one each: hosts= when given, else the allocation's nodes
// as its scheduler lists them. Fewer nodes than shards is SmartSim's error class with the nodes named.
// A dry run without hosts plans placeholders, so that the plan does not depend on the machine.
func (e *Experiment) dbNodes(ctx context.Context, o *Orchestrator, alloc string) ([]string, error) {
	nodes := append([]string(nil), o.Hosts...)
	if len(nodes) == 0 {
		if e.opts.DryRun {
			for i := 0; i < o.DBNodes; i++ {
				nodes = append(nodes, fmt.Sprintf("<alloc-node-%d>", i))
			}
			return nodes, nil
		}
		if alloc == "" {
			return nil, Errorf(SmartSimError, "Database %s: no allocation to start its %d shard(s) in: run the driver inside one (salloc, qsub -I, bsub -Is), pass alloc= to create_database, or use batch=True", o.Name, o.DBNodes)
		}
		var err error
		if nodes, err = e.allocationNodes(ctx, alloc); err != nil {
			return nil, Errorf(SmartSimError, "Database %s: could not list the nodes of allocation %s: %w", o.Name, alloc, err)
		}
	}
	if len(nodes) < o.DBNodes {
		return nil, Errorf(SmartSimError, "Database %s needs %d nodes, one per shard, but %s has %d (%s): ask for %d nodes or lower db_nodes",
			o.Name, o.DBNodes, nodesSource(o, alloc), len(nodes), strings.Join(nodes, ", "), o.DBNodes)
	}
	return nodes[:o.DBNodes], nil
}

func nodesSource(o *Orchestrator, alloc string) string {
	if len(o.Hosts) > 0 {
		return "hosts="
	}
	return "allocation " + alloc
}

// allocationNodes asks the launcher (Slurm: scontrol) or reads the environment the scheduler gives
// the driver inside an allocation (PBS: $PBS_NODEFILE, LSF: $LSB_MCPU_HOSTS without the launch host).
func (e *Experiment) allocationNodes(ctx context.Context, alloc string) ([]string, error) {
	switch schedulerName(e.LauncherName) {
	case "pbs":
		path := e.environValue("PBS_NODEFILE")
		if path == "" {
			return nil, fmt.Errorf("$PBS_NODEFILE is not set")
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return uniqueFields(strings.Fields(string(data))), nil
	case "lsf":
		f := strings.Fields(e.environValue("LSB_MCPU_HOSTS"))
		var hosts []string
		for i := 0; i+1 < len(f); i += 2 {
			hosts = append(hosts, f[i])
		}
		if len(hosts) > 1 { // the first host is the batch (launch) node, where no step runs
			hosts = hosts[1:]
		}
		return uniqueFields(hosts), nil
	}
	nl, ok := e.opts.Launcher.(launchers.NodeLister)
	if !ok {
		return nil, fmt.Errorf("the %s launcher cannot list allocation nodes", e.opts.Launcher.Name())
	}
	return nl.AllocationNodes(ctx, alloc)
}

func uniqueFields(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// schedulerShardArgv is a shard's `ssrun db` command on a workload manager: the address is resolved
// on its node from the interfaces (or the node's scheduler address), clients from other nodes are
// accepted, the ready line goes to a file of its own, and a cluster node starts knowing only its slots
// until the driver sends the map.
func (o *Orchestrator) schedulerShardArgv(exe string, p shardPlan, readyFile string) []string {
	argv := []string{exe, "db", "--name", p.name, "--port", strconv.Itoa(p.port)}
	if o.NodeAddress || len(o.Interfaces) == 0 {
		argv = append(argv, "--node-address")
	} else {
		argv = append(argv, "--interface", strings.Join(o.Interfaces, ","))
		if o.InterfaceFallback {
			argv = append(argv, "--interface-fallback")
		}
	}
	// Clients and peers on other nodes reach the shard at its node's address, which Redis's protected
	// mode refuses without a password (SmartSim's database configuration turns it off too).
	argv = append(argv, "--protected-mode", "no", "--ready-file", readyFile)
	argv = append(argv, o.confFlags()...)
	if o.clustered() {
		argv = append(argv, "--cluster-slots", fmt.Sprintf("%d-%d", p.start, p.end), "--cluster-node-id", p.nodeID, "--cluster-pending")
	}
	return argv
}

// placement is how this database's shards are started on its launcher's scheduler.
func (e *Experiment) placement(o *Orchestrator, alloc string) dbsched.Placement {
	p := dbsched.Placement{Scheduler: schedulerName(e.LauncherName), RunCommand: o.RunCommand, Alloc: alloc, CPUs: o.CPUs}
	rs := &RunSettings{RunCommand: p.Command(), RunArgs: o.RunArgs}
	p.RunArgs = rs.FormatRunArgs()
	if p.Scheduler == "slurm" {
		p.Export = "ALL"
	}
	return p
}

// startSchedulerDatabase launches the shards through the workload manager: srun/mpirun/jsrun steps
// inside the allocation, or one batch job. It waits until every shard has written its ready file
// (with the address it bound on its node) and answers PING there, forms the cluster from those
// addresses, and registers the database. A failure stops whatever was started and names the shard,
// its node and its output file.
func (e *Experiment) startSchedulerDatabase(ctx context.Context, run *manifestRun, o *Orchestrator, exe string) error {
	plans := o.shardPlans()
	alloc := ""
	var nodes []string
	if !o.Batch {
		alloc = e.allocation(o)
		var err error
		if nodes, err = e.dbNodes(ctx, o, alloc); err != nil {
			return err
		}
	} else if len(o.Hosts) > 0 {
		nodes = o.Hosts
	}
	shards := make([]dbsched.Shard, len(plans))
	runShards := make([]*dbShard, len(plans))
	for i, p := range plans {
		statusDir := filepath.Join(e.telemetryDir(), e.Name, run.id, "database", o.Name, p.name)
		if err := e.opts.FS.MkdirAll(statusDir); err != nil {
			return Errorf(SmartSimError, "Could not create directory %s: %w", statusDir, err)
		}
		ready := filepath.Join(statusDir, p.name+".ready")
		if !e.opts.DryRun {
			_ = os.Remove(ready) // a ready file of an earlier start must not pass for this one
		}
		shards[i] = dbsched.Shard{Name: p.name, Argv: o.schedulerShardArgv(exe, p, ready),
			Stdout: filepath.Join(statusDir, p.name+".out"), Stderr: filepath.Join(statusDir, p.name+".err")}
		if i < len(nodes) {
			shards[i].Node = nodes[i]
		}
		runShards[i] = &dbShard{name: p.name, stdout: shards[i].Stdout, stderr: shards[i].Stderr, readyFile: ready,
			node: shards[i].Node, dry: e.opts.DryRun, started: e.opts.Now(), addr: plannedAddr(shards[i].Node, p.port)}
	}
	pl := e.placement(o, alloc)
	stepName := func(shard string) string { return shard + "-" + run.id }
	var err error
	if o.Batch {
		err = e.submitDatabase(ctx, run, o, pl, shards, runShards)
	} else {
		err = e.launchDatabaseSteps(ctx, run, o, pl, shards, runShards, stepName)
	}
	if err != nil {
		stopShards(launchedShards(runShards))
		return err
	}
	return e.finishDatabaseStart(ctx, run, o, plans, runShards)
}

// plannedAddr is the address a shard is expected at before it reports the one it bound.
func plannedAddr(node string, port int) string {
	if node == "" {
		node = "<node>"
	}
	return node + ":" + strconv.Itoa(port)
}

func launchedShards(shards []*dbShard) []*dbShard {
	var out []*dbShard
	for _, s := range shards {
		if s != nil && s.handle != nil {
			out = append(out, s)
		}
	}
	return out
}

// launchDatabaseSteps starts the shards as steps of the allocation (one MPMD step with single_cmd).
// Shards of one step share its handle: the step ends when all of them have.
func (e *Experiment) launchDatabaseSteps(ctx context.Context, run *manifestRun, o *Orchestrator, pl dbsched.Placement,
	shards []dbsched.Shard, runShards []*dbShard, stepName func(string) string) error {
	for _, st := range pl.Steps(shards, o.SingleCmd, stepName) {
		lj := launchers.Job{Name: st.Name, Argv: st.Argv, Env: e.opts.Environ, Dir: o.Path, Stdout: st.Stdout, Stderr: st.Stderr}
		if st.WritesOutputs { // the run command's own messages ("srun: error: ...") beside the shard's files
			base := strings.TrimSuffix(st.Stdout, filepath.Ext(st.Stdout))
			lj.Stdout, lj.Stderr = base+".launcher.out", base+".launcher.err"
		}
		h, err := e.opts.Launcher.Launch(ctx, lj)
		if err != nil {
			return Errorf(SmartSimError, "Database %s: step %s failed to launch: %w", o.Name, st.Name, err)
		}
		e.plan.recordLaunch(PlanLaunch{Name: st.Name, Entity: o.Name, Type: "DBNode", Run: run.id, Argv: st.Argv,
			Cwd: o.Path, Stdout: st.Stdout, Stderr: st.Stderr})
		for _, i := range st.Shards {
			runShards[i].handle, runShards[i].step, runShards[i].launcherErr = h, st.Name, lj.Stderr
			runShards[i].jobID = pl.Alloc
			e.linkShardOutputs(o.Path, runShards[i].name, launchers.Job{Stdout: runShards[i].stdout, Stderr: runShards[i].stderr})
		}
	}
	return nil
}

// submitDatabase writes <db path>/<db id>.sh and submits it: one batch job runs every shard.
func (e *Experiment) submitDatabase(ctx context.Context, run *manifestRun, o *Orchestrator, pl dbsched.Placement,
	shards []dbsched.Shard, runShards []*dbShard) error {
	bs := o.batchSettings()
	statusDir := filepath.Join(e.telemetryDir(), e.Name, run.id, "database", o.Name)
	stepName := o.Name + "-" + run.id
	bj := launchers.BatchJob{Name: stepName, Script: filepath.Join(o.Path, o.Name+".sh"), Dir: o.Path,
		Stdout: filepath.Join(statusDir, o.Name+".out"), Stderr: filepath.Join(statusDir, o.Name+".err")}
	header := batchHeader(bs, stepName, bj.Stdout, bj.Stderr)
	script := pl.BatchScript(header, o.Path, shards, o.SingleCmd, func(s string) string { return s + "-" + run.id })
	if err := e.opts.FS.WriteFile(bj.Script, []byte(script), 0o755); err != nil {
		return Errorf(SmartSimError, "Could not write batch script %s: %w", bj.Script, err)
	}
	submit := batchSubmitArgv(bs.Kind, bj.Script)
	h, err := e.submitBatch(ctx, bj, submit)
	if err != nil {
		return Errorf(SmartSimError, "Database %s: batch job %s failed to launch: %w", o.Name, stepName, err)
	}
	e.plan.recordLaunch(PlanLaunch{Name: stepName, Entity: o.Name, Type: "Batch", Run: run.id, Argv: submit,
		Cwd: bj.Dir, Stdout: bj.Stdout, Stderr: bj.Stderr, Script: script})
	for _, s := range runShards {
		s.handle, s.step, s.jobID, s.queued = h, stepName, h.ID(), true
		e.linkShardOutputs(o.Path, s.name, launchers.Job{Stdout: s.stdout, Stderr: s.stderr})
	}
	return nil
}

// batchSettings are the batch database's settings: one node per shard plus what the user set.
func (o *Orchestrator) batchSettings() *BatchSettings {
	bs := o.BatchSettings.Clone()
	if bs == nil {
		kind, _ := batchKindFor(o.exp.LauncherName)
		bs = &BatchSettings{Kind: kind}
	}
	bs.Nodes = o.DBNodes
	if len(o.Hosts) > 0 {
		switch bs.Kind {
		case "sbatch":
			bs.BatchArgs = mergeArgs(bs.BatchArgs, []Arg{{Key: "nodelist", Value: strings.Join(o.Hosts, ",")}})
		case "qsub":
			bs.BatchArgs = mergeArgs(bs.BatchArgs, []Arg{{Key: "l", Value: "host=" + strings.Join(o.Hosts, "+host=")}})
		case "bsub":
			bs.BatchArgs = mergeArgs(bs.BatchArgs, []Arg{{Key: "m", Value: strings.Join(o.Hosts, " ")}})
		}
	}
	return bs
}

// finishDatabaseStart waits for every shard's ready file and PING, forms the cluster and registers
// the database, as the local path does after launching.
func (e *Experiment) finishDatabaseStart(ctx context.Context, run *manifestRun, o *Orchestrator, plans []shardPlan, shards []*dbShard) error {
	if err := waitShards(ctx, shards, true); err != nil {
		stopShards(shards)
		return Errorf(SmartSimError, "Database %s failed to start: %w", o.Name, err)
	}
	if o.clustered() && !e.opts.DryRun {
		if err := setClusterMap(ctx, o, plans, shards); err != nil {
			stopShards(shards)
			return err
		}
	}
	e.registerDatabase(run, o, plans, shards)
	return nil
}

// setClusterMap sends every shard the whole slot map with the addresses the shards bound, then checks
// that each reports cluster_state:ok.
func setClusterMap(ctx context.Context, o *Orchestrator, plans []shardPlan, shards []*dbShard) error {
	args := []string{"CLUSTER", "SETNODES"}
	for i, p := range plans {
		args = append(args, p.nodeID, shards[i].addr, fmt.Sprintf("%d-%d", p.start, p.end))
	}
	for _, s := range shards {
		if reply, err := respCommand(ctx, s.addr, 10*time.Second, args...); err != nil || reply != "OK" {
			return Errorf(SmartSimError, "Database %s: shard %s on %s refused the cluster map: %w %s; see its output %s", o.Name, s.name, s.node, err, reply, s.stderr)
		}
	}
	for _, s := range shards {
		if !clusterOK(ctx, s) {
			return Errorf(SmartSimError, "Database %s: shard %s on %s does not report cluster_state:ok; see its output %s", o.Name, s.name, s.node, s.stderr)
		}
	}
	return nil
}
