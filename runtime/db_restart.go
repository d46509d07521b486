package runtime

import (
	"slices"
	"strconv"
)

// A database keeps its data across a shard's death the way Redis does: with snapshots or the
// append-only log turned on (enable_checkpoints, set_db_conf("appendonly", "yes")), a shard that is
// started again loads them. Configuration set at run time lives only in the running shards, so the
// database remembers the persistence settings it was given and starts its shards with them; and
// start(db) of a database one of whose shards has died restarts it (SmartSim refuses it as an
// identifier already in use).

// persistentConf are the settings a restarted shard must get again to find its data, in the order
// their flags are written (`ssrun db` takes redis-server's flag names).
var persistentConf = []string{"dir", "dbfilename", "appendfilename", "save", "appendonly", "appendfsync"}

// rememberConf records a setting applied to the running shards when a restart needs it.
func (o *Orchestrator) rememberConf(key, value string) {
	if !slices.Contains(persistentConf, key) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conf == nil {
		o.conf = map[string]string{}
	}
	o.conf[key] = value
}

// confFlags are the remembered settings as `ssrun db` flags.
func (o *Orchestrator) confFlags() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, k := range persistentConf {
		if v, ok := o.conf[k]; ok {
			out = append(out, "--"+k, v)
		}
	}
	return out
}

// EnableCheckpoints is enable_checkpoints(frequency): a snapshot every frequency seconds when at least
// one key changed, as SmartSim sets it (CONFIG SET save "<frequency> 1").
func (o *Orchestrator) EnableCheckpoints(frequency int) error {
	if frequency < 1 {
		return Errorf(ValueError, "frequency must be a positive number of seconds, not %d", frequency)
	}
	return o.SetDBConf("save", strconv.Itoa(frequency)+" 1")
}

// failedShards reports whether a started database lost a shard it did not stop.
func (o *Orchestrator) failedShards() bool {
	o.mu.Lock()
	shards, active := append([]*dbShard(nil), o.shards...), o.active
	o.mu.Unlock()
	if !active {
		return false
	}
	for _, s := range shards {
		if s.Result().Status.Terminal() {
			return true
		}
	}
	return false
}

// clearFailedDatabases stops what is left of the databases among entities that lost a shard, so that
// start() can launch them again on the same ports, where the new shards load what the old ones saved.
func (e *Experiment) clearFailedDatabases(entities []Entity) {
	for _, o := range databasesOf(entities) {
		if o.failedShards() {
			e.opts.Log.Warn("Database " + o.Name + " lost a shard; stopping the others and starting it again")
			_ = e.StopDatabase(o)
		}
	}
}
