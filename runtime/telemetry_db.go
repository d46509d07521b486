package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Database collectors: with db.telemetry enabled (and the experiment's telemetry on, as SmartSim's
// collectors belong to its telemetry monitor), each shard of a started database is sampled every
// TelemetryInterval for as long as it runs, and the samples are appended to SmartSim's three CSV
// files in the shard's status directory:
//
//	memory.csv        timestamp,used_memory,used_memory_peak,total_system_memory
//	client.csv        timestamp,client_id,address        (one row per connected client)
//	client_count.csv  timestamp,num_clients
//
// Timestamps are milliseconds since the epoch. The collector's own connection is not counted.

// Collector file names and header rows, as SmartSim's collectors write them.
const (
	memoryCSV      = "memory.csv"
	clientCSV      = "client.csv"
	clientCountCSV = "client_count.csv"
)

var collectorHeaders = map[string]string{
	memoryCSV:      "timestamp,used_memory,used_memory_peak,total_system_memory",
	clientCSV:      "timestamp,client_id,address",
	clientCountCSV: "timestamp,num_clients",
}

// shardTelemetry is what the experiment knows about a launched shard beyond dbJob: where its
// collector files are (when collected) so the manifest can list them, and the shard for its times.
type shardTelemetry struct {
	shard      *dbShard
	collecting bool
}

// shardRegistry maps a shard's status directory to its telemetry.
type shardRegistry struct {
	mu     sync.Mutex
	shards map[string]*shardTelemetry
}

func (r *shardRegistry) put(dir string, t *shardTelemetry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shards == nil {
		r.shards = map[string]*shardTelemetry{}
	}
	r.shards[dir] = t
}

func (r *shardRegistry) get(dir string) *shardTelemetry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shards[dir]
}

// startShardTelemetry is called once a database's shards all answer: it records their start events,
// starts their collectors when the database's telemetry is on, and records their stop events when
// they end.
func (e *Experiment) startShardTelemetry(o *Orchestrator, shards []*dbShard) {
	if e.opts.DryRun {
		return
	}
	collect := o.Telemetry.IsEnabled() && e.Telemetry.IsEnabled()
	interval := e.opts.TelemetryInterval
	if interval <= 0 {
		interval = DefaultTelemetryInterval
	}
	for _, s := range shards {
		dir := filepath.Dir(s.stdout)
		e.shardTelemetry.put(dir, &shardTelemetry{shard: s, collecting: collect})
		e.writeTelemetryEvent(dir, telemetryEvent{Timestamp: s.started.UnixNano(), JobID: s.handle.ID(),
			StepID: s.handle.ID(), Type: "orchestrator", Action: "start"})
		e.journal.bg.Add(1)
		go func() {
			defer e.journal.bg.Done()
			if collect {
				e.collectShard(s, dir, interval)
			}
			select {
			case <-s.handle.Done():
			case <-e.closing:
				return
			}
			r := s.Result()
			rc := r.ExitCode
			e.writeTelemetryEvent(dir, telemetryEvent{Timestamp: e.opts.Now().UnixNano(), JobID: s.handle.ID(),
				StepID: s.handle.ID(), Type: "orchestrator", Action: "stop", Detail: stopDetail(r.Status, r.Err), ReturnCode: &rc})
		}()
	}
}

// collectShard samples one shard until it exits or the experiment closes. A failed sample (the shard
// busy, restarting, or a connection dropped) is logged at debug level and retried at the next tick.
func (e *Experiment) collectShard(s *dbShard, dir string, interval time.Duration) {
	c := newShardCollector(s.addr, dir)
	defer c.close()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := c.sample(e.opts.Now()); err != nil {
			e.opts.Log.Debug("telemetry sample failed", "shard", s.name, "error", err)
		}
		select {
		case <-s.handle.Done():
			return
		case <-e.closing:
			return
		case <-tick.C:
		}
	}
}

// shardCollector holds one connection to a shard (its CLIENT ID is left out of the client rows) and
// the three files it appends to.
type shardCollector struct {
	client *redis.Client
	conn   *redis.Conn
	selfID int64
	dir    string
}

func newShardCollector(addr, dir string) *shardCollector {
	opts := &redis.Options{Addr: addr, PoolSize: 1, MaxRetries: -1, DialTimeout: 2 * time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second, DisableIdentity: true}
	if path, ok := strings.CutPrefix(addr, "unix://"); ok {
		opts.Network, opts.Addr = "unix", path
	}
	return &shardCollector{client: redis.NewClient(opts), dir: dir}
}

func (c *shardCollector) close() {
	if c.conn != nil {
		c.conn.Close()
	}
	c.client.Close()
}

// sample takes one reading of memory and clients and appends it.
func (c *shardCollector) sample(now time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if c.conn == nil {
		c.conn = c.client.Conn()
		id, err := c.conn.ClientID(ctx).Result()
		if err != nil {
			c.conn.Close()
			c.conn = nil
			return err
		}
		c.selfID = id
	}
	info, err := c.conn.Info(ctx, "memory").Result()
	if err != nil {
		c.conn.Close()
		c.conn = nil
		return err
	}
	list, err := c.conn.ClientList(ctx).Result()
	if err != nil {
		c.conn.Close()
		c.conn = nil
		return err
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	fields := infoFields(info)
	mem := fmt.Sprintf("%s,%s,%s,%s\n", ts, numberOr0(fields["used_memory"]), numberOr0(fields["used_memory_peak"]), numberOr0(fields["total_system_memory"]))
	var rows strings.Builder
	n := 0
	for _, line := range strings.Split(list, "\n") {
		kv := infoPairs(line)
		if kv["id"] == "" || kv["id"] == strconv.FormatInt(c.selfID, 10) {
			continue
		}
		n++
		fmt.Fprintf(&rows, "%s,%s,%s\n", ts, kv["id"], kv["addr"])
	}
	for _, w := range []struct{ name, data string }{
		{memoryCSV, mem}, {clientCSV, rows.String()}, {clientCountCSV, fmt.Sprintf("%s,%d\n", ts, n)},
	} {
		if err := appendCSV(filepath.Join(c.dir, w.name), collectorHeaders[w.name], w.data); err != nil {
			return err
		}
	}
	return nil
}

// appendCSV appends rows to path, writing the header first when the file is new. One write call per
// sample, so a reader sees whole rows or, at worst, one row being written (readers skip it).
func appendCSV(path, header, rows string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		rows = header + "\n" + rows
	}
	if rows == "" {
		return nil
	}
	_, err = f.WriteString(rows)
	return err
}

// infoFields parses an INFO reply's key:value lines.
func infoFields(info string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}

// infoPairs parses a CLIENT LIST line's key=value fields.
func infoPairs(line string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}

func numberOr0(s string) string {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "0"
	}
	return s
}

// addShardTelemetry completes a database's manifest entry with what the runtime knows per shard
// beyond dbJob: the collector files (SmartSim's memory_file, client_file, client_count_file; empty
// when not collected) and the start and end times.
func (e *Experiment) addShardTelemetry(entry map[string]any) map[string]any {
	shards, _ := entry["shards"].([]any)
	for _, raw := range shards {
		shard, _ := raw.(map[string]any)
		meta, _ := shard["telemetry_metadata"].(map[string]any)
		if meta == nil {
			continue
		}
		dir, _ := meta["status_dir"].(string)
		t := e.shardTelemetry.get(dir)
		if t == nil {
			continue
		}
		if t.collecting {
			shard["memory_file"] = filepath.Join(dir, memoryCSV)
			shard["client_file"] = filepath.Join(dir, clientCSV)
			shard["client_count_file"] = filepath.Join(dir, clientCountCSV)
		}
		t.shard.elapsed(e.opts.Now()) // records the end once it has been seen
		t.shard.mu.Lock()
		started, ended := t.shard.started, t.shard.ended
		t.shard.mu.Unlock()
		meta["start_time"], meta["end_time"] = timeDoc(started), timeDoc(ended)
	}
	return entry
}
