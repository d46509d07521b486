package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/wlm"
)

// queueScheduler is an in-memory scheduler whose jobs stay queued or running until cancelled, and
// which counts the cancel calls it receives.
type queueScheduler struct {
	mu      sync.Mutex
	next    int
	states  map[string]launchers.Status
	cancels []string
}

func (q *queueScheduler) Name() string { return "slurm" }

func (q *queueScheduler) Submit(context.Context, launchers.BatchJob) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	id := fmt.Sprint(1000 + q.next)
	q.states[id] = launchers.StatusRunning
	return id, nil
}

func (q *queueScheduler) Query(_ context.Context, ids []string) (map[string]launchers.Result, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]launchers.Result{}
	for _, id := range ids {
		if st, ok := q.states[id]; ok {
			out[id] = launchers.Result{Status: st, ExitCode: -1}
		}
	}
	return out, nil
}

func (q *queueScheduler) Cancel(_ context.Context, ids []string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range ids {
		q.cancels = append(q.cancels, id)
		q.states[id] = launchers.StatusCancelled
	}
	return nil
}

func (q *queueScheduler) Forgotten() (launchers.Result, bool) { return launchers.Result{}, false }

func (q *queueScheduler) cancelled() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.cancels...)
}

// TestCloseLeavesBatchJobsToTheScheduler: at script end a running batch ensemble and a queued batch
// model are not cancelled, Close returns at once although their handles never end, and the final
// manifest records every member with the batch job's id and latest status; a local-style stop of the
// same kind of job (exp.stop) still cancels it.
func TestCloseLeavesBatchJobsToTheScheduler(t *testing.T) {
	sched := &queueScheduler{states: map[string]launchers.Status{}}
	l := wlm.New(sched, wlm.Options{Interval: 5 * time.Millisecond})
	defer l.Close()
	logs := &logBuffer{}
	dir := t.TempDir()
	exp, err := NewExperiment("exp", dir, "slurm", Options{Cwd: dir, Launcher: l, Log: testLogger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := exp.CreateBatchSettings(BatchSettingsArgs{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", BatchSettings: bs, RunSettings: mustRS(t, exp, "/bin/sleep", "600"), Replicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	queued, err := exp.CreateModel(ModelArgs{Name: "queued", BatchSettings: bs.Clone(), RunSettings: mustRS(t, exp, "/bin/sleep", "600")})
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := exp.CreateModel(ModelArgs{Name: "stopped", BatchSettings: bs.Clone(), RunSettings: mustRS(t, exp, "/bin/sleep", "600")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []Entity{ens, queued, stopped}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	sched.mu.Lock()
	sched.states["1002"] = launchers.StatusPaused // "queued" waits in the queue (PENDING)
	sched.mu.Unlock()
	if err := exp.Stop(stopped); err != nil {
		t.Fatal(err)
	}
	if got := sched.cancelled(); len(got) != 1 || got[0] != "1003" {
		t.Fatalf("exp.stop cancelled %v, want [1003]", got)
	}
	waitUntil(t, func() bool { // the launcher has polled "queued" waiting in the queue
		return exp.jobs.last("queued").handle.Result().Status == launchers.StatusPaused
	})

	began := time.Now()
	if err := exp.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("Close took %s with batch jobs running", took)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := sched.cancelled(); len(got) != 1 {
		t.Fatalf("Close cancelled batch jobs: %v", got)
	}
	want := map[string][2]string{"ens_0": {"1001", "Running"}, "ens_1": {"1001", "Running"},
		"queued": {"1002", "Paused"}, "stopped": {"1003", "Cancelled"}}
	got := manifestJobs(t, exp.ManifestPath())
	for name, w := range want {
		if g := got[name]; g != w {
			t.Errorf("manifest %s: id/status %v, want %v", name, g, w)
		}
	}
	if !strings.Contains(logs.String(), "batch job ens (id 1001) left to the scheduler: Running") ||
		strings.Count(logs.String(), "(id 1001) left to the scheduler") != 1 {
		t.Errorf("log should name the ensemble's batch job once:\n%s", logs.String())
	}
}

// TestInterruptLeavesBatchJobsStopsLocalOnes: SIGINT during a blocking start (kill_on_interrupt=True)
// stops the local job but cancels no batch job (docs/design.md §4); the interrupted start reports the
// KeyboardInterrupt.
func TestInterruptLeavesBatchJobsStopsLocalOnes(t *testing.T) {
	sched := &queueScheduler{states: map[string]launchers.Status{}}
	l := wlm.New(sched, wlm.Options{Interval: 5 * time.Millisecond})
	defer l.Close()
	dir := t.TempDir()
	exp, err := NewExperiment("exp", dir, "slurm", Options{Cwd: dir, Launcher: l, Log: testLogger(&logBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := exp.CreateBatchSettings(BatchSettingsArgs{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", BatchSettings: bs, RunSettings: mustRS(t, exp, "/bin/sleep", "600"), Replicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	// A literal run command makes the model a plain process the launcher runs itself, like a step.
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "/bin/sleep", ExeArgs: []string{"600"}, RunCommand: "/bin/env"})
	if err != nil {
		t.Fatal(err)
	}
	step, err := exp.CreateModel(ModelArgs{Name: "step", RunSettings: rs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, interrupt := context.WithCancel(context.Background())
	go func() {
		waitUntil(t, func() bool { j := exp.jobs.last("step"); return j != nil })
		interrupt()
	}()
	err = exp.Start(ctx, []Entity{ens, step}, StartOptions{Block: true, KillOnInterrupt: true})
	if err == nil || !strings.Contains(err.Error(), "KeyboardInterrupt") {
		t.Fatalf("interrupted start: %v, want KeyboardInterrupt", err)
	}
	if got := exp.jobs.last("step").Result().Status; got != launchers.StatusCancelled {
		t.Errorf("local step after SIGINT: %s, want Cancelled", got)
	}
	if got := sched.cancelled(); len(got) != 0 {
		t.Errorf("SIGINT cancelled batch jobs %v; they belong to the scheduler", got)
	}
	if err := exp.Close(); err != nil {
		t.Fatal(err)
	}
	if got := sched.cancelled(); len(got) != 0 {
		t.Errorf("Close cancelled batch jobs %v", got)
	}
}

// manifestJobs maps each job's name in the manifest to its job id and status.
func manifestJobs(t *testing.T, path string) map[string][2]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if md, ok := x["telemetry_metadata"].(map[string]any); ok {
				name, _ := x["name"].(string)
				id, _ := md["job_id"].(string)
				st, _ := md["status"].(string)
				out[name] = [2]string{id, st}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	return out
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
