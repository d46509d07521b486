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
// launcher's Close) leaves a running batch job to Slurm: no scancel, Close returns while the job
// runs, the job is still in squeue and the manifest records it Running under its id. The test
// scancels it afterwards.
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
	// The launcher has seen it running once a poll begun after squeue said R has ended: the second
	// poll from now has begun (get_status alone says Running from submission until the first poll).
	for polled := l.Queries(); l.Queries() < polled+2; {
		if time.Now().After(deadline) {
			t.Fatalf("the launcher stopped polling job %s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Close must return while the job still runs (it sleeps 120 s): watch the queue until it does.
	closed := make(chan error, 1)
	go func() {
		err := exp.Close()
		if err == nil {
			err = l.Close()
		}
		closed <- err
	}()
	for done := false; !done; {
		select {
		case err := <-closed:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		case <-time.After(200 * time.Millisecond):
			if !inQueue(id, "R") {
				t.Fatalf("Close waited for job %s to leave the queue", id)
			}
		}
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
	if !recordedRunning(t, filepath.Join(exp.Path, ".smartsim", "telemetry", "manifest.json"), id) {
		t.Errorf("manifest does not record job %s as Running", id)
	}
}

// recordedRunning reports whether the manifest records job id as Running.
func recordedRunning(t *testing.T, manifest, id string) bool {
	for _, md := range telemetryMetadata(t, manifest) {
		if md["job_id"] == id && md["status"] == "Running" {
			return true
		}
	}
	return false
}

// inQueue reports whether squeue lists the job in one of the given states (squeue -t syntax).
func inQueue(id, states string) bool {
	out, err := exec.Command("squeue", "-h", "-j", id, "-t", states, "-o", "%i").Output()
	return err == nil && strings.TrimSpace(string(out)) == id
}
