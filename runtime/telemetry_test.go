package runtime

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// collectorRows reads a collector CSV: its header and its data rows split on commas.
func collectorRows(t *testing.T, path string) (string, [][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, ","))
	}
	return lines[0], rows
}

// waitForRows waits until the CSV at path has at least n data rows.
func waitForRows(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.Count(string(data), "\n") >= n+1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s has fewer than %d rows after 10 s", path, n)
}

// checkCollectors runs a one-shard database of engine with db.telemetry on, sampling every 50 ms,
// connects two clients that write data, and checks SmartSim's three CSV files, the manifest's paths to
// them and the shard's start/stop events.
func checkCollectors(t *testing.T, engine string) {
	exp, _ := newExp(t, "local", func(o *Options) { o.TelemetryInterval = 50 * time.Millisecond })
	port := freePorts(t, 1)
	db, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 1, Port: port, DBIdentifier: "tdb", Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	if db.Telemetry.IsEnabled() || !exp.Telemetry.IsEnabled() {
		t.Fatalf("defaults: db telemetry %v (want off), experiment telemetry %v (want on)", db.Telemetry.IsEnabled(), exp.Telemetry.IsEnabled())
	}
	db.Telemetry.Enable()
	if err := exp.Start(context.Background(), []Entity{db}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, PoolSize: 1})
		defer c.Close()
		if err := c.Set(ctx, "k"+strconv.Itoa(i), strings.Repeat("x", 200<<10), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(exp.Path, ".smartsim", "telemetry", "exp", "run-000", "database", "tdb", "tdb_0")
	countFile := filepath.Join(dir, "client_count.csv")
	// Wait for a sample taken after both clients wrote: 2 clients and both values counted.
	memFile := filepath.Join(dir, "memory.csv")
	deadline := time.Now().Add(10 * time.Second)
	for {
		waitForRows(t, countFile, 1)
		waitForRows(t, memFile, 1)
		_, rows := collectorRows(t, countFile)
		_, mem := collectorRows(t, memFile)
		used, _ := strconv.ParseInt(mem[len(mem)-1][1], 10, 64)
		if rows[len(rows)-1][1] == "2" && used >= 400<<10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sample with the 2 clients and their 400 KiB: client_count %v, memory %v", rows, mem)
		}
		time.Sleep(20 * time.Millisecond)
	}
	header, mem := collectorRows(t, memFile)
	if header != "timestamp,used_memory,used_memory_peak,total_system_memory" {
		t.Errorf("memory.csv header %q", header)
	}
	last := mem[len(mem)-1]
	used, _ := strconv.ParseInt(last[1], 10, 64)
	peak, _ := strconv.ParseInt(last[2], 10, 64)
	total, _ := strconv.ParseInt(last[3], 10, 64)
	ts, _ := strconv.ParseInt(last[0], 10, 64)
	if len(last) != 4 || used < 400<<10 || peak < used || total < 1<<20 || time.Since(time.UnixMilli(ts)) > time.Minute {
		t.Errorf("memory.csv last row %v: want used >= 400 KiB (two 200 KiB values), peak >= used, total system memory, a recent ms timestamp", last)
	}
	header, cl := collectorRows(t, filepath.Join(dir, "client.csv"))
	if header != "timestamp,client_id,address" {
		t.Errorf("client.csv header %q", header)
	}
	lastTS := cl[len(cl)-1][0]
	n := 0
	for _, r := range cl {
		if r[0] == lastTS {
			n++
			if len(r) != 3 || !strings.HasPrefix(r[2], "127.0.0.1:") {
				t.Errorf("client.csv row %v", r)
			}
		}
	}
	if n != 2 {
		t.Errorf("client.csv lists %d clients at its last sample, want 2 (the collector's own connection left out): %v", n, cl)
	}

	exp.flushJournal()
	var manifest struct {
		Runs []struct {
			Orchestrator []struct {
				Shards []map[string]any `json:"shards"`
			} `json:"orchestrator"`
		} `json:"runs"`
	}
	data, _ := os.ReadFile(exp.ManifestPath())
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	shard := manifest.Runs[0].Orchestrator[0].Shards[0]
	for key, file := range map[string]string{"memory_file": "memory.csv", "client_file": "client.csv", "client_count_file": "client_count.csv"} {
		if shard[key] != filepath.Join(dir, file) {
			t.Errorf("manifest %s = %v, want %s", key, shard[key], filepath.Join(dir, file))
		}
	}
	if meta, _ := shard["telemetry_metadata"].(map[string]any); meta["start_time"] == nil {
		t.Errorf("manifest shard has no start_time: %v", meta)
	}

	if err := exp.StopDatabase(db); err != nil {
		t.Fatal(err)
	}
	exp.Close()
	for _, ev := range []string{"start.json", "stop.json"} {
		var e telemetryEvent
		data, err := os.ReadFile(filepath.Join(dir, ev))
		if err != nil || json.Unmarshal(data, &e) != nil || e.Type != "orchestrator" || e.Timestamp == 0 {
			t.Errorf("%s: %v %s", ev, err, data)
		}
	}
	// Sampling stopped with the shard: the files do not grow any more.
	before, _ := os.ReadFile(filepath.Join(dir, "memory.csv"))
	time.Sleep(200 * time.Millisecond)
	after, _ := os.ReadFile(filepath.Join(dir, "memory.csv"))
	if len(after) != len(before) {
		t.Errorf("memory.csv still grows after the database stopped")
	}
}

func TestCollectorsSsrunDB(t *testing.T) {
	useSsrun(t)
	checkCollectors(t, "")
}

func TestCollectorsRedisServer(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed (ci/setup-redis.sh installs it)")
		}
		t.Skip("redis-server is not installed (ci/setup-redis.sh installs it)")
	}
	checkCollectors(t, "redis")
}

// TestTelemetryOff: with the experiment's telemetry off (SMARTSIM_FLAG_TELEMETRY=0 through the host),
// no event files are written and a database's collectors do not run even when enabled; the manifest
// lists no collector files.
func TestTelemetryOff(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local", func(o *Options) { o.NoTelemetry = true; o.TelemetryInterval = 20 * time.Millisecond })
	if exp.Telemetry.IsEnabled() {
		t.Fatal("NoTelemetry left telemetry on")
	}
	port := freePorts(t, 1)
	db, _ := exp.CreateDatabase(DatabaseArgs{DBNodes: 1, Port: port, DBIdentifier: "tdb"})
	db.Telemetry.Enable()
	if err := exp.Start(context.Background(), []Entity{db}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "/bin/true")})
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	dir := filepath.Join(exp.Path, ".smartsim", "telemetry", "exp", "run-000", "database", "tdb", "tdb_0")
	for _, f := range []string{filepath.Join(dir, "memory.csv"), filepath.Join(dir, "start.json"),
		filepath.Join(exp.Path, ".smartsim", "telemetry", "exp", "run-001", "model", "m", "start.json")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s written with telemetry off", f)
		}
	}
	exp.Telemetry.Enable() // on again: the next start records its events
	m2, _ := exp.CreateModel(ModelArgs{Name: "m2", RunSettings: mustRS(t, exp, "/bin/true")})
	if err := exp.Start(context.Background(), []Entity{m2}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	exp.Close()
	var stop telemetryEvent
	data, err := os.ReadFile(filepath.Join(exp.Path, ".smartsim", "telemetry", "exp", "run-002", "model", "m2", "stop.json"))
	if err != nil || json.Unmarshal(data, &stop) != nil || stop.Action != "stop" || stop.ReturnCode == nil || *stop.ReturnCode != 0 {
		t.Errorf("m2 stop.json: %v %s", err, data)
	}
}
