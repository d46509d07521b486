package runtime

import (
	"fmt"
	"math"
	"net"
	"path/filepath"
	"strconv"
	"time"
)

// dbJob is one launch of one database by one start() call. The experiment keeps it in the run that
// launched it, beside the models' jobs, so summary() lists its shards as DBNode rows and the manifest
// lists it in the run's "orchestrator" entries, also after the database was stopped. Everything but
// the shards' live statuses is a snapshot taken at launch.
type dbJob struct {
	name      string // the db_identifier
	engine    string
	iface     string
	run       string // the start() call that launched it ("run-000")
	runID     int    // per-database launch counter, as a model's RunID
	clustered bool
	path      string
	shards    []dbJobShard
}

// dbJobShard is one shard of a dbJob with the address it answered on at launch.
type dbJobShard struct {
	*dbShard
	host string
	port int
}

// newDBJob snapshots a database whose shards have all answered (their addresses are final).
func newDBJob(o *Orchestrator, run string, runID int, shards []*dbShard) *dbJob {
	j := &dbJob{name: o.Name, engine: o.Engine, iface: o.Interface, run: run, runID: runID,
		clustered: o.clustered(), path: o.Path}
	for _, s := range shards {
		host, portText, err := net.SplitHostPort(s.addr)
		if err != nil {
			host, portText = s.addr, ""
		}
		port, _ := strconv.Atoi(portText)
		j.shards = append(j.shards, dbJobShard{dbShard: s, host: host, port: port})
	}
	return j
}

// recordDBJob adds a launched database to its run: from now on summary() and the manifest show it.
func (e *Experiment) recordDBJob(run *manifestRun, j *dbJob) {
	e.runsMu.Lock()
	run.databases = append(run.databases, j)
	e.runsMu.Unlock()
}

// summaryRows are the database's rows of summary(): one DBNode per shard, in shard order. Index is
// left to the caller, which numbers every row of the table.
func (j *dbJob) summaryRows(now time.Time) []SummaryRow {
	rows := make([]SummaryRow, 0, len(j.shards))
	for _, s := range j.shards {
		r := s.Result()
		row := SummaryRow{Name: s.name, EntityType: "DBNode", JobID: s.ID(), RunID: j.runID,
			Time: math.Round(s.elapsed(now).Seconds()*1e4) / 1e4, Status: string(r.Status)}
		if r.Status.Terminal() {
			rc := r.ExitCode
			row.Returncode = &rc
		}
		rows = append(rows, row)
	}
	return rows
}

// manifestEntry is the database's entry in its run's "orchestrator" list, in SmartSim 0.7's layout
// (name, type, interface, and per shard name, hostname, port, cluster, conf_file, output files, the
// collectors' files and telemetry_metadata) with ssrun's additions to telemetry_metadata that model
// entries have too: job_id, run_id, step_name, status and return_code.
func (j *dbJob) manifestEntry() map[string]any {
	shards := make([]any, 0, len(j.shards))
	for _, s := range j.shards {
		r := s.Result()
		var rc any
		if r.Status.Terminal() {
			rc = r.ExitCode
		}
		var conf any // only a redis-server cluster shard has a cluster configuration file
		if j.clustered && j.engine == EngineRedis {
			conf = filepath.Join(j.path, fmt.Sprintf("nodes-%s-%d.conf", s.name, s.port))
		}
		jobID, managed := s.handle.ID(), s.jobID != ""
		if managed {
			jobID = s.jobID
		}
		shards = append(shards, map[string]any{
			"name": s.name, "hostname": s.host, "port": s.port, "cluster": j.clustered, "conf_file": conf,
			"node":     nilIfEmpty(s.node),
			"out_file": s.stdout, "err_file": s.stderr,
			"memory_file": "", "client_file": "", "client_count_file": "",
			"telemetry_metadata": map[string]any{"status_dir": filepath.Dir(s.stdout),
				"step_id": s.ID(), "task_id": s.handle.ID(), "managed": managed,
				"job_id": jobID, "run_id": j.runID, "step_name": stepNameOf(s, j.run),
				"status": string(r.Status), "return_code": rc},
		})
	}
	return map[string]any{"name": j.name, "type": j.engine, "interface": []string{j.iface}, "shards": shards}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stepNameOf is the launcher step that runs the shard: its own, or the MPMD step or batch job it
// shares with the other shards.
func stepNameOf(s dbJobShard, run string) string {
	if s.step != "" {
		return s.step
	}
	return s.name + "-" + run
}
