package runtime

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// The Orchestrator setters SmartSim 0.7 has for launch settings (set_batch_arg, set_run_arg,
// set_walltime, set_hosts, reset_hosts, set_cpus) and for a running database (set_eviction_strategy,
// set_max_message_size), with SmartSim's validation and messages. Launch settings apply to the next
// start().

// reservedDBRunArgs are the run arguments the database's own launch sets (SmartSim's
// Orchestrator._reserved_run_args, plus srun's nodelist, which ssrun sets to place each shard).
var reservedDBRunArgs = map[string][]string{
	"srun":  {"nodes", "N", "ntasks", "n", "ntasks-per-node", "output", "o", "error", "e", "job-name", "J", "jobid", "multi-prog", "w", "nodelist", "chdir", "D"},
	"mpi":   {"np", "N", "host"},
	"aprun": {"n", "N", "L"},
	"jsrun": {"chdir", "h", "stdio_stdout", "o", "stdio_stderr", "k", "tasks_per_rs", "a", "np", "p", "cpu_per_rs", "c", "nrs", "n", "rs_per_host", "r"},
}

// reservedDBBatchArgs are SmartSim's Orchestrator._reserved_batch_args.
var reservedDBBatchArgs = map[string][]string{
	"sbatch": {"nodes", "N", "ntasks", "n", "output", "o", "error", "e"},
	"qsub":   {"e", "o", "N", "l"},
	"bsub":   {"J", "o", "e", "m", "n", "nnodes"},
}

func (o *Orchestrator) warn(msg string) { o.exp.opts.Log.Warn(msg) }

// SetBatchArg is set_batch_arg(arg, value=None).
func (o *Orchestrator) SetBatchArg(arg string, value Arg) error {
	if !o.Batch {
		return Errorf(SmartSimError, "Not running as batch, cannot set batch_arg")
	}
	if slices.Contains(reservedDBBatchArgs[o.BatchSettings.Kind], arg) {
		o.warn("Can not set batch argument " + arg + ": it is a reserved keyword in Orchestrator")
		return nil
	}
	value.Key = arg
	o.BatchSettings.BatchArgs = mergeArgs(o.BatchSettings.BatchArgs, []Arg{value})
	return nil
}

// SetRunArg is set_run_arg(arg, value=None): for every shard's launch.
func (o *Orchestrator) SetRunArg(arg string, value Arg) {
	rc := (&RunSettings{RunCommand: o.exp.placement(o, "").Command()}).RunCommandStyle()
	if slices.Contains(reservedDBRunArgs[rc], arg) {
		o.warn("Can not set run argument " + arg + ": it is a reserved keyword in Orchestrator")
		return
	}
	value.Key = arg
	o.RunArgs = mergeArgs(o.RunArgs, []Arg{value})
}

// SetWalltime is set_walltime(walltime): the batch job's time limit.
func (o *Orchestrator) SetWalltime(walltime string) error {
	if !o.Batch {
		return Errorf(SmartSimError, "Not running as batch, cannot set walltime")
	}
	o.BatchSettings.Time = walltime
	return nil
}

// SetHosts is set_hosts(host_list): the shards run on these nodes, in order.
func (o *Orchestrator) SetHosts(hosts []string) {
	if o.userHosts == nil {
		o.userHosts = append([]string{}, o.Hosts...)
	}
	o.Hosts = append([]string(nil), hosts...)
}

// ResetHosts is reset_hosts(): back to the hosts given to create_database (none: the allocation's).
func (o *Orchestrator) ResetHosts() {
	if o.userHosts != nil {
		o.Hosts = append([]string(nil), o.userHosts...)
	}
}

// SetCPUs is set_cpus(num_cpus): CPUs each shard asks its scheduler for.
func (o *Orchestrator) SetCPUs(n int) error {
	if n < 1 {
		return Errorf(ValueError, "num_cpus must be a positive number, not %d", n)
	}
	o.CPUs = n
	return nil
}

// SetEvictionStrategy is set_eviction_strategy(strategy): CONFIG SET maxmemory-policy.
func (o *Orchestrator) SetEvictionStrategy(strategy string) error {
	return o.SetDBConf("maxmemory-policy", strategy)
}

// SetMaxMessageSize is set_max_message_size(size=1_073_741_824): CONFIG SET proto-max-bulk-len.
func (o *Orchestrator) SetMaxMessageSize(size int) error {
	return o.SetDBConf("proto-max-bulk-len", strconv.Itoa(size))
}

// RemoveStaleFiles is remove_stale_files(): the shards' output links and cluster files an earlier
// start left in the database's directory.
func (o *Orchestrator) RemoveStaleFiles() error {
	if o.exp.opts.DryRun {
		return nil
	}
	for _, p := range o.shardPlans() {
		for _, name := range []string{p.name + ".out", p.name + ".err"} {
			if err := os.Remove(filepath.Join(o.Path, name)); err != nil && !os.IsNotExist(err) {
				return Errorf(SmartSimError, "Could not remove %s: %w", name, err)
			}
		}
	}
	stale, _ := filepath.Glob(filepath.Join(o.Path, "nodes-*.conf"))
	for _, f := range stale {
		_ = os.Remove(f)
	}
	return nil
}

// EffectiveRunCommand is the run command the shards are started with ("" on the local launcher).
func (o *Orchestrator) EffectiveRunCommand() string {
	if !o.onScheduler() {
		return ""
	}
	return o.exp.placement(o, "").Command()
}
