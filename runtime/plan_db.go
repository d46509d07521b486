package runtime

import (
	"fmt"
	"strings"
)

// PlanDatabase is a database started by the experiment: its shards (with their slot ranges in a
// cluster) and how the cluster is formed. The shard commands are in Launches (type DBNode).
type PlanDatabase struct {
	Name    string      `json:"name"`
	Engine  string      `json:"engine"`
	Shards  []PlanShard `json:"shards"`
	Cluster string      `json:"cluster,omitempty"`
	Stopped bool        `json:"stopped,omitempty"`
	// Checkpoint is set for a database this driver did not launch (db_checkpoint.go).
	Checkpoint *PlanCheckpoint `json:"checkpoint,omitempty"`
}

// PlanCheckpoint says where a database that was not launched came from: "reconnected"
// (exp.reconnect_orchestrator) or "reused" (--resume), the checkpoint file and the sha256 of its bytes.
type PlanCheckpoint struct {
	How    string `json:"how"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// recordCheckpoint marks the latest database named name as taken from a checkpoint.
func (p *Plan) recordCheckpoint(name, how, path, digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.Databases) - 1; i >= 0; i-- {
		if p.Databases[i].Name == name {
			p.Databases[i].Checkpoint = &PlanCheckpoint{How: how, Path: path, SHA256: digest}
			return
		}
	}
}

// PlanShard is one shard of a PlanDatabase.
type PlanShard struct {
	Name   string `json:"name"`
	Addr   string `json:"addr"`
	Slots  string `json:"slots,omitempty"`
	NodeID string `json:"node_id,omitempty"`
}

// PlanDBObject is an ML model, script or function stored into a database before its entity starts,
// identified by the sha256 of its content.
type PlanDBObject struct {
	Database string   `json:"database"`
	Entity   string   `json:"entity"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Backend  string   `json:"backend,omitempty"`
	Devices  []string `json:"devices"`
	SHA256   string   `json:"sha256"`
	// ScriptEngine is how a script or function will compile: "auto" (the shard compiles TorchScript
	// when it has the TORCH backend, else its Starlark dialect; `ssrun db --script-engine`).
	ScriptEngine string `json:"script_engine,omitempty"`
}

// scriptEngineAuto is the engine a shard started by an experiment uses: ssrun db's default.
const scriptEngineAuto = "auto"

func (p *Plan) recordDatabase(o *Orchestrator, plans []shardPlan) {
	d := PlanDatabase{Name: o.Name, Engine: o.Engine}
	var addrs []string
	for i, sp := range plans {
		addr := sp.addr()
		if i < len(o.shards) {
			addr = o.shards[i].addr
		}
		ps := PlanShard{Name: sp.name, Addr: addr, NodeID: sp.nodeID}
		if o.clustered() {
			ps.Slots = fmt.Sprintf("%d-%d", sp.start, sp.end)
		}
		d.Shards = append(d.Shards, ps)
		addrs = append(addrs, addr)
	}
	if o.clustered() {
		d.Cluster = "static slot map given to every shard on its command line"
		if o.onScheduler() {
			d.Cluster = "CLUSTER SETNODES to every shard, with the addresses the shards report from their nodes"
		}
		if o.Engine == EngineRedis {
			d.Cluster = "redis-cli --cluster create " + strings.Join(addrs, " ") + " --cluster-replicas 0 --cluster-yes"
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Databases = append(p.Databases, d)
}

func (p *Plan) recordDatabaseStop(o *Orchestrator) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.Databases) - 1; i >= 0; i-- {
		if p.Databases[i].Name == o.Name {
			p.Databases[i].Stopped = true
			return
		}
	}
}

func (p *Plan) recordDBObject(obj PlanDBObject) {
	if obj.Kind != "model" && obj.ScriptEngine == "" {
		obj.ScriptEngine = scriptEngineAuto
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.DBObjects = append(p.DBObjects, obj)
}

// writeDatabasesText renders the databases and stored objects for people (nothing without databases,
// so plans of experiments without one keep their bytes).
func writeDatabasesText(b *strings.Builder, p *Plan) {
	if len(p.Databases) > 0 {
		b.WriteString("\nDatabases:\n")
	}
	for _, d := range p.Databases {
		fmt.Fprintf(b, "  %s (%s, %d shard(s))", d.Name, d.Engine, len(d.Shards))
		if c := d.Checkpoint; c != nil {
			fmt.Fprintf(b, " %s from %s sha256:%s", c.How, c.Path, c.SHA256[:12])
		}
		if d.Stopped {
			b.WriteString(" stopped")
		}
		b.WriteString("\n")
		for _, s := range d.Shards {
			fmt.Fprintf(b, "    %s %s", s.Name, s.Addr)
			if s.Slots != "" {
				fmt.Fprintf(b, " slots %s node %s", s.Slots, s.NodeID)
			}
			b.WriteString("\n")
		}
		if d.Cluster != "" {
			fmt.Fprintf(b, "    cluster: %s\n", d.Cluster)
		}
	}
	if len(p.DBObjects) > 0 {
		b.WriteString("\nDatabase objects:\n")
	}
	for _, o := range p.DBObjects {
		fmt.Fprintf(b, "  %s %s of %s -> %s", o.Kind, o.Name, o.Entity, o.Database)
		if o.Backend != "" {
			fmt.Fprintf(b, " backend %s", o.Backend)
		}
		if o.ScriptEngine != "" {
			fmt.Fprintf(b, " engine %s", o.ScriptEngine)
		}
		fmt.Fprintf(b, " device %s sha256:%s\n", strings.Join(o.Devices, ","), o.SHA256[:12])
	}
}
