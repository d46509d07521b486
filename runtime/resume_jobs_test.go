package runtime

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/wlm"
)

// batchDriver is one driver of a 4-member batch ensemble on the in-memory scheduler sched: what a
// script run once (resume false) or again with --resume does, returned before Close.
func batchDriver(t *testing.T, dir string, sched *queueScheduler, resume bool) (*Experiment, *Ensemble, *logBuffer) {
	t.Helper()
	l := wlm.New(sched, wlm.Options{Interval: 5 * time.Millisecond})
	t.Cleanup(func() { l.Close() })
	logs := &logBuffer{}
	exp, err := NewExperiment("exp", dir, "slurm", Options{Cwd: dir, Launcher: l, Log: testLogger(logs), Resume: resume})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := exp.CreateBatchSettings(BatchSettingsArgs{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", BatchSettings: bs, RunSettings: mustRS(t, exp, "/bin/sleep", "600"), Replicas: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Generate([]Entity{ens}, GenerateOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	return exp, ens, logs
}

// TestResumeFollowsBatchJobs: a driver submits a batch ensemble and goes away while the job runs;
// two members end unwatched (codes 0 and 7 in the batch script's exit-code file). The resumed driver
// asks the scheduler once, submits nothing for the running job: the member that completed is skipped,
// the one that failed reruns (in a new batch job of its own), the two still running are followed and
// settle from the file with their real codes. A job the scheduler no longer knows reruns its members,
// and the dry run says why.
func TestResumeFollowsBatchJobs(t *testing.T) {
	sched := &queueScheduler{states: map[string]launchers.Status{}}
	dir := t.TempDir()
	exp, ens, _ := batchDriver(t, dir, sched, false)
	if err := exp.Start(context.Background(), []Entity{ens}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	exits := filepath.Join(exp.telemetryDir(), "exp", "run-000", "ensemble", "ens", "ens.exitcodes")
	if err := exp.Close(); err != nil { // the driver leaves; job 1001 runs on
		t.Fatal(err)
	}
	appendLine(t, exits, "ens_0 0\nens_1 7\n")

	exp2, ens2, _ := batchDriver(t, dir, sched, true)
	if err := exp2.Start(context.Background(), []Entity{ens2}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	sched.mu.Lock()
	submitted := sched.next
	sched.mu.Unlock()
	if submitted != 2 {
		t.Fatalf("%d batch jobs submitted in all, want 2 (the first, and one for ens_1 alone)", submitted)
	}
	want := map[string]string{"ens_0": "skip", "ens_1": "run", "ens_2": "attach", "ens_3": "attach"}
	for _, r := range exp2.Plan().Resume {
		if want[r.Name] != r.Action {
			t.Errorf("%s: %s (%s), want %s", r.Name, r.Action, r.Reason, want[r.Name])
		}
		if r.Name == "ens_1" && r.Reason != "previously Failed (code 7)" || r.Name == "ens_2" && r.Reason != "still running (job 1001 since run-000): re-attached" {
			t.Errorf("%s: reason %q", r.Name, r.Reason)
		}
	}
	appendLine(t, exits, "ens_2 3\n")
	waitUntil(t, func() bool { st, _ := exp2.GetStatus(ens2.Models()[2]); return st[0] == launchers.StatusFailed })
	if r := exp2.jobs.last("ens_2").Result(); r.ExitCode != 3 {
		t.Errorf("ens_2 settled with %+v, want its recorded code 3", r)
	}
	sched.mu.Lock()
	sched.states["1001"] = launchers.StatusCancelled // ens_3 never recorded: it takes the job's end
	sched.mu.Unlock()
	waitUntil(t, func() bool { st, _ := exp2.GetStatus(ens2.Models()[3]); return st[0] == launchers.StatusCancelled })
	if err := exp2.Close(); err != nil {
		t.Fatal(err)
	}
	if len(sched.cancelled()) != 0 {
		t.Errorf("resume cancelled jobs: %v", sched.cancelled())
	}

	// Job 1002 (ens_1's rerun) is forgotten by the scheduler without ens_1 recording anything.
	sched.mu.Lock()
	delete(sched.states, "1002")
	sched.mu.Unlock()
	dry, ens3, _ := batchDriver(t, dir, sched, true)
	dry.opts.DryRun = true
	if _, err := dry.applyResume(&manifestRun{id: "run-002"}, stepsOf([]Entity{ens3})); err != nil {
		t.Fatal(err)
	}
	for _, r := range dry.Plan().Resume {
		if r.Name == "ens_1" && r.Reason != "never finished (job 1002 gone)" {
			t.Errorf("ens_1 after its job was forgotten: %q", r.Reason)
		}
		if r.Name == "ens_3" && r.Reason != "previously Cancelled" {
			t.Errorf("ens_3: %q", r.Reason)
		}
	}
}
