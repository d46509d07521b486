package slurm_test

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers/slurm"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/runtime"
)

// Run on a Slurm machine with: go test ./launchers/slurm -run XXX -bench . -benchtime 3x
// Each benchmark submits 100 members and cancels them afterwards.

const benchMembers = 100

func benchExp(b *testing.B) (*runtime.Experiment, *wlm.Launcher, *runtime.RunSettings) {
	b.Helper()
	if err := exec.Command("sinfo").Run(); err != nil {
		b.Skip("no Slurm")
	}
	l := slurm.New(wlm.Options{})
	dir := b.TempDir()
	exp, err := runtime.NewExperiment("bench", dir, "slurm", runtime.Options{Cwd: dir, Launcher: l})
	if err != nil {
		b.Fatal(err)
	}
	rs, err := exp.CreateRunSettings(runtime.RunSettingsArgs{Exe: "/bin/sleep", ExeArgs: []string{"30"}, RunCommand: "srun"})
	if err != nil {
		b.Fatal(err)
	}
	return exp, l, rs
}

// BenchmarkSubmit100MemberBatchEnsemble: exp.start of one batch ensemble of 100 members (one sbatch).
func BenchmarkSubmit100MemberBatchEnsemble(b *testing.B) {
	for i := 0; i < b.N; i++ {
		exp, _, rs := benchExp(b)
		bs, _ := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
		ens, err := exp.CreateEnsemble(runtime.EnsembleArgs{Name: "ens", BatchSettings: bs, Replicas: benchMembers, RunSettings: rs})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := exp.Start(context.Background(), []runtime.Entity{ens}, runtime.StartOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-submit-100")
		_ = exp.Close()
	}
}

// BenchmarkSubmit100BatchModels: exp.start of 100 batch models, one sbatch per member (the baseline).
func BenchmarkSubmit100BatchModels(b *testing.B) {
	for i := 0; i < b.N; i++ {
		exp, _, rs := benchExp(b)
		var ents []runtime.Entity
		for j := 0; j < benchMembers; j++ {
			bs, _ := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
			m, err := exp.CreateModel(runtime.ModelArgs{Name: fmt.Sprintf("m%d", j), BatchSettings: bs, RunSettings: rs.Clone()})
			if err != nil {
				b.Fatal(err)
			}
			ents = append(ents, m)
		}
		start := time.Now()
		if err := exp.Start(context.Background(), ents, runtime.StartOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-submit-100")
		_ = exp.Close()
	}
}

// BenchmarkPoll100Jobs follows 100 submitted batch jobs for a few polls and reports scheduler calls
// per second at the default 1 s interval (ssrun: one squeue call per poll for all of them) and the cost
// of one poll next to the per-job baseline of one `scontrol show job ID` per job.
func BenchmarkPoll100Jobs(b *testing.B) {
	exp, l, rs := benchExp(b)
	defer exp.Close()
	var ents []runtime.Entity
	for j := 0; j < benchMembers; j++ {
		bs, _ := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
		m, err := exp.CreateModel(runtime.ModelArgs{Name: fmt.Sprintf("p%d", j), BatchSettings: bs, RunSettings: rs.Clone()})
		if err != nil {
			b.Fatal(err)
		}
		ents = append(ents, m)
	}
	if err := exp.Start(context.Background(), ents, runtime.StartOptions{}); err != nil {
		b.Fatal(err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, r := range exp.SummaryRows() {
		if !seen[r.JobID] {
			seen[r.JobID] = true
			ids = append(ids, r.JobID)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q0 := l.Queries()
		time.Sleep(wlm.DefaultInterval * 5)
		b.ReportMetric(float64(l.Queries()-q0)/5, "scheduler-calls-per-second")
		t1 := time.Now()
		res, err := slurm.Scheduler{}.Query(context.Background(), ids)
		if err != nil || len(res) != len(ids) {
			b.Fatalf("query: %d of %d jobs, %v", len(res), len(ids), err)
		}
		b.ReportMetric(float64(time.Since(t1).Microseconds())/1000, "ms-one-query-all-jobs")
		t2 := time.Now()
		for _, id := range ids {
			if err := exec.Command("scontrol", "-o", "show", "job", id).Run(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(t2).Microseconds())/1000, "ms-per-job-queries-baseline")
		b.ReportMetric(float64(len(ids)), "jobs")
	}
}
