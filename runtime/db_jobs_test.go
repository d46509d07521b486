package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ssrun/ssrun/launchers"
)

// manifestOrchestrator is the part of a manifest run's "orchestrator" entry these tests read.
type manifestOrchestrator struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Interface []string `json:"interface"`
	Shards    []struct {
		Name      string         `json:"name"`
		Hostname  string         `json:"hostname"`
		Port      int            `json:"port"`
		Cluster   bool           `json:"cluster"`
		ConfFile  *string        `json:"conf_file"`
		OutFile   string         `json:"out_file"`
		ErrFile   string         `json:"err_file"`
		Telemetry map[string]any `json:"telemetry_metadata"`
	} `json:"shards"`
}

func readManifestOrchestrators(t *testing.T, exp *Experiment) [][]manifestOrchestrator {
	t.Helper()
	var doc struct {
		Runs []struct {
			Orchestrator []manifestOrchestrator `json:"orchestrator"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(readFile(t, exp.ManifestPath())), &doc); err != nil {
		t.Fatal(err)
	}
	out := make([][]manifestOrchestrator, len(doc.Runs))
	for i, r := range doc.Runs {
		out[i] = r.Orchestrator
	}
	return out
}

// rowShape is what a summary row says apart from its timing and process id.
type rowShape struct {
	Name, Type, Status string
	RunID              int
	Returncode         string
}

func rowShapes(rows []SummaryRow) []rowShape {
	out := make([]rowShape, len(rows))
	for i, r := range rows {
		rc := "None"
		if r.Returncode != nil {
			rc = strconv.Itoa(*r.Returncode)
		}
		out[i] = rowShape{r.Name, r.EntityType, r.Status, r.RunID, rc}
	}
	return out
}

// shardPIDs are the process ids every shard of the databases reported in its ready line.
func shardPIDs(t *testing.T, dbs ...*Orchestrator) []int {
	t.Helper()
	var pids []int
	for _, db := range dbs {
		for i := range db.ShardOutputs() {
			pids = append(pids, shardPID(t, db, i))
		}
	}
	return pids
}

// wantGone fails unless none of the processes exists any more and nothing listens on the ports.
func wantGone(t *testing.T, pids []int, ports []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("shard process %d still exists (kill 0: %v)", pid, err)
		}
	}
	for _, port := range ports {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
			c.Close()
			t.Errorf("something still listens on shard port %d", port)
		}
	}
}

// TestDatabasesInSummaryManifestAndStop starts a 1-shard and a 3-shard database with a model in one
// blocking start, as a user script does, and checks that the start returns when the model ends (the
// databases keep running), that summary() has a DBNode row per shard, that stop() through the
// experiment ends every shard Cancelled, and that the manifest lists both databases shard by shard.
func TestDatabasesInSummaryManifestAndStop(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local")
	small, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 1, Port: freePorts(t, 1), DBIdentifier: "small"})
	if err != nil {
		t.Fatal(err)
	}
	big, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 3, Port: freePorts(t, 3), DBIdentifier: "big"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := exp.CreateModel(ModelArgs{Name: "hello", RunSettings: mustRS(t, exp, "echo", "hi")})
	if err := exp.Start(context.Background(), []Entity{small, big, m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	if !small.IsActive() || !big.IsActive() {
		t.Fatal("a blocking start stopped or waited out a database")
	}
	running := []rowShape{
		{"small_0", "DBNode", "Running", 0, "None"},
		{"big_0", "DBNode", "Running", 0, "None"}, {"big_1", "DBNode", "Running", 0, "None"},
		{"big_2", "DBNode", "Running", 0, "None"},
		{"hello", "Model", "Completed", 0, "0"},
	}
	rows := exp.SummaryRows()
	if diff := cmp.Diff(running, rowShapes(rows)); diff != "" {
		t.Fatalf("summary while the databases run (-want +got):\n%s", diff)
	}
	pids := shardPIDs(t, small, big)
	for i, pid := range pids { // the local launcher's job id of a shard is its process id
		if rows[i].JobID != strconv.Itoa(pid) || rows[i].Index != i {
			t.Fatalf("row %d: %+v, shard pid %d", i, rows[i], pid)
		}
	}
	st, err := exp.GetStatus(big, m)
	if err != nil || len(st) != 4 || st[0] != launchers.StatusRunning || st[3] != launchers.StatusCompleted {
		t.Fatalf("get_status(big, hello) = %v, %v", st, err)
	}

	if err := exp.Stop(small, big); err != nil {
		t.Fatal(err)
	}
	ports := []int{small.Port, big.Port, big.Port + 1, big.Port + 2}
	wantGone(t, pids, ports)
	stopped := exp.SummaryRows()
	for i, r := range stopped[:4] {
		if r.Status != string(launchers.StatusCancelled) || r.Returncode == nil || r.Time <= 0 {
			t.Errorf("row %d after stop: %+v", i, r)
		}
	}
	plain, _ := exp.Summary("plain")
	if lines := strings.Split(plain, "\n"); len(lines) != 6 || !strings.Contains(lines[2], "big_0") ||
		!strings.Contains(lines[2], "DBNode") || !strings.Contains(lines[2], "Cancelled") {
		t.Fatalf("plain summary:\n%s", plain)
	}
	if err := exp.Stop(big); err != nil { // stopping a stopped database changes nothing
		t.Fatalf("second stop: %v", err)
	}

	runs := readManifestOrchestrators(t, exp)
	if len(runs) != 1 || len(runs[0]) != 2 {
		t.Fatalf("manifest orchestrators: %+v", runs)
	}
	for i, want := range []*Orchestrator{small, big} {
		got := runs[0][i]
		if got.Name != want.Name || got.Type != EngineSsrun || len(got.Shards) != want.DBNodes ||
			!cmp.Equal(got.Interface, []string{"lo"}) {
			t.Fatalf("manifest entry %d: %+v", i, got)
		}
		for k, s := range got.Shards {
			if s.Name != want.Name+"_"+strconv.Itoa(k) || s.Hostname != "127.0.0.1" || s.Port != want.Port+k ||
				s.Cluster != (want.DBNodes >= 3) || s.ConfFile != nil || s.OutFile != want.ShardOutputs()[k] ||
				s.ErrFile != strings.TrimSuffix(s.OutFile, ".out")+".err" {
				t.Fatalf("manifest shard %s: %+v", s.Name, s)
			}
			tm := s.Telemetry
			statusDir := filepath.Join(exp.Path, ".smartsim", "telemetry", "exp", "run-000", "database", want.Name, s.Name)
			if tm["status_dir"] != statusDir || filepath.Dir(s.OutFile) != statusDir || tm["managed"] != false ||
				tm["step_id"] != tm["task_id"] || tm["job_id"] == "" || tm["status"] != "Cancelled" || tm["return_code"] == nil {
				t.Fatalf("manifest shard %s telemetry: %+v", s.Name, tm)
			}
		}
	}
}

// TestCloseStopsDatabases: Experiment.Close, which the driver calls at script end or on SIGINT, shuts
// down every database and leaves no shard process; the final manifest shows them Cancelled. A second
// start after a stop is a new launch of the database (RunID 1), listed in its own run.
func TestCloseStopsDatabases(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local")
	db, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 3, Port: freePorts(t, 3)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := exp.Start(ctx, []Entity{db}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Stop(db); err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, []Entity{db}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	pids := shardPIDs(t, db)
	if err := exp.Close(); err != nil {
		t.Fatal(err)
	}
	wantGone(t, pids, []int{db.Port, db.Port + 1, db.Port + 2})
	var want []rowShape
	for _, runID := range []int{0, 1} {
		for k := 0; k < 3; k++ {
			want = append(want, rowShape{"orchestrator_" + strconv.Itoa(k), "DBNode", "Cancelled", runID, "0"})
		}
	}
	if diff := cmp.Diff(want, rowShapes(exp.SummaryRows())); diff != "" {
		t.Fatalf("summary after Close (-want +got):\n%s", diff)
	}
	runs := readManifestOrchestrators(t, exp)
	if len(runs) != 2 || len(runs[1]) != 1 || len(runs[1][0].Shards) != 3 {
		t.Fatalf("manifest orchestrators: %+v", runs)
	}
	for _, s := range runs[1][0].Shards {
		if s.Telemetry["status"] != "Cancelled" || s.Telemetry["run_id"] != 1.0 {
			t.Fatalf("manifest shard after Close: %+v", s)
		}
	}
}
