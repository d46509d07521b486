package slurm_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/runtime"
)

// TestCloseLeavesARunningBatchJobInTheQueue: the end of a script (Experiment.Close, then the
// launcher's Close) leaves a running batch job to Slurm: no scancel, Close returns at once, the job is
// still in squeue and the manifest records it Running under its id. The test scancels it afterwards.
func TestCloseLeavesARunningBatchJobInTheQueue(t *testing.T) {
	requireSlurm(t)
	t.Parallel()
	exp, l := newSlurmExp(t, nil)
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1, Time: "00:05:00"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := exp.CreateModel(runtime.ModelArgs{Name: "outliver", BatchSettings: bs, RunSettings: runSettings(t, exp, "sleep 120")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{m}, runtime.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	id := jobID(t, exp)
	t.Cleanup(func() { _ = exec.Command("scancel", id).Run() })
	deadline := time.Now().Add(20 * time.Second)
	for !inQueue(id, "R") {
		if time.Now().After(deadline) {
			t.Fatalf("job %s not running after 20s", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // two polls at 200ms: the launcher has seen it running
	began := time.Now()
	if err := exp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Fatalf("Close took %s with a batch job running", took)
	}
	if l.Cancels() != 0 {
		t.Fatalf("Close sent %d scancel calls", l.Cancels())
	}
	if !inQueue(id, "R") {
		t.Fatalf("job %s no longer running after Close", id)
	}
	if st, _ := exp.GetStatus(m); st[0] != launchers.StatusRunning {
		t.Errorf("status after Close %s, want Running", st[0])
	}
	recorded := false
	for _, md := range telemetryMetadata(t, filepath.Join(exp.Path, ".smartsim", "telemetry", "manifest.json")) {
		recorded = recorded || (md["job_id"] == id && md["status"] == "Running")
	}
	if !recorded {
		t.Errorf("manifest does not record job %s as Running", id)
	}
}

// inQueue reports whether squeue lists the job in one of the given states (squeue -t syntax).
func inQueue(id, states string) bool {
	out, err := exec.Command("squeue", "-h", "-j", id, "-t", states, "-o", "%i").Output()
	return err == nil && strings.TrimSpace(string(out)) == id
}
