package slurm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/slurm"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/launchers/wlm/wlmtest"
	"github.com/ssrun/ssrun/runtime"
)

var (
	slurmOnce sync.Once
	slurmErr  error
)

// requireSlurm skips when no Slurm answers here (run ci/setup-slurm.sh as root to get one), and fails
// under CI, which must never skip these tests. sinfo is asked once per test binary, with a short
// timeout: where it exists but no controller answers, it would otherwise wait its own minute per test.
func requireSlurm(t *testing.T) {
	t.Helper()
	slurmOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%T").Output()
		if err == nil && !regexp.MustCompile(`idle|mix|alloc`).Match(out) {
			err = fmt.Errorf("no node is up: %q", out)
		}
		slurmErr = err
	})
	if slurmErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("Slurm is required under CI but sinfo does not answer (%v); ci/setup-slurm.sh should have started it", slurmErr)
	}
	t.Skipf("no Slurm cluster answers sinfo (%v); run ci/setup-slurm.sh as root to start one", slurmErr)
}

func newSlurmExp(t *testing.T, environ []string) (*runtime.Experiment, *wlm.Launcher) {
	t.Helper()
	l := slurm.New(wlm.Options{Interval: 200 * time.Millisecond})
	dir := t.TempDir()
	exp, err := runtime.NewExperiment("wlm", dir, "slurm", runtime.Options{Cwd: dir, Launcher: l, Environ: environ})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exp.Close()
		// Close leaves batch jobs to Slurm; a test that failed half-way must not leave them queued.
		for _, r := range exp.SummaryRows() {
			if r.JobID != "" && !launchers.Status(r.Status).Terminal() {
				_ = exec.Command("scancel", r.JobID).Run()
			}
		}
	})
	return exp, l
}

func runSettings(t *testing.T, exp *runtime.Experiment, script string) *runtime.RunSettings {
	t.Helper()
	rs, err := exp.CreateRunSettings(runtime.RunSettingsArgs{Exe: "/bin/sh", ExeArgs: []string{"-c", script}, RunCommand: "srun",
		RunArgs: []runtime.Arg{{Key: "ntasks", Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func readLink(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBatchEnsembleOfFourCompletesWithOutputsInMemberDirs(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	exp, l := newSlurmExp(t, nil)
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1, Time: "00:05:00",
		BatchArgs: []runtime.Arg{{Key: "ntasks", Value: "4"}, {Key: "overcommit", IsNone: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(runtime.EnsembleArgs{Name: "ens", BatchSettings: bs, Replicas: 4,
		RunSettings: runSettings(t, exp, `echo "member in $(basename "$PWD")"`)})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := exp.Start(context.Background(), []runtime.Entity{ens}, runtime.StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("4-member batch ensemble: submit to completion %v, %d scheduler queries", time.Since(start), l.Queries())
	st, _ := exp.GetStatus(ens)
	script := readLink(t, filepath.Join(ens.Path, "ens.sh"))
	for i, m := range ens.Models() {
		if st[i] != launchers.StatusCompleted {
			t.Errorf("%s: %s, want Completed; script:\n%s", m.Name, st[i], script)
		}
		if got, want := strings.TrimSpace(readLink(t, filepath.Join(m.Path, m.Name+".out"))), "member in "+m.Name; got != want {
			t.Errorf("%s output %q, want %q", m.Name, got, want)
		}
	}
	// The manifest keeps each member's final state with the batch job's id, so it survives Slurm
	// forgetting the job MinJobAge seconds later.
	id := jobID(t, exp)
	finals := 0
	for _, md := range telemetryMetadata(t, filepath.Join(exp.Path, ".smartsim", "telemetry", "manifest.json")) {
		if md["job_id"] == id && md["status"] == "Completed" {
			finals++
		}
	}
	if finals != 4 {
		t.Errorf("manifest records %d members Completed under job %s, want 4", finals, id)
	}
	if n := strings.Count(script, " ; } &\n"); n != 4 || !strings.HasPrefix(script, "#!/bin/bash\n\n#SBATCH --output=") ||
		!strings.HasSuffix(script, "\nexit $ssrun_failed\n") {
		t.Errorf("script does not have SmartSim's shape (%d members):\n%s", n, script)
	}
}

// allocation returns a Slurm allocation that lives for the test (salloc --no-shell).
func allocation(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("salloc", "--no-shell", "-n", "1", "--overcommit", "-J", "ssrun-test-alloc").CombinedOutput()
	m := regexp.MustCompile(`Granted job allocation (\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("salloc: %v: %s", err, out)
	}
	id := string(m[1])
	t.Cleanup(func() { _ = exec.Command("scancel", id).Run() })
	return id
}

func TestSrunModelsInsideAnAllocation(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	alloc := allocation(t)
	exp, _ := newSlurmExp(t, append(os.Environ(), "SLURM_JOB_ID="+alloc))
	good, err := exp.CreateModel(runtime.ModelArgs{Name: "good", RunSettings: runSettings(t, exp, "echo in job $SLURM_JOB_ID")})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := exp.CreateModel(runtime.ModelArgs{Name: "bad", RunSettings: runSettings(t, exp, "echo failing >&2; exit 3")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{good, bad}, runtime.StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := exp.GetStatus(good, bad)
	if st[0] != launchers.StatusCompleted || st[1] != launchers.StatusFailed {
		t.Fatalf("statuses %v, want [Completed Failed]", st)
	}
	if got := strings.TrimSpace(readLink(t, filepath.Join(good.Path, "good.out"))); got != "in job "+alloc {
		t.Errorf("good.out = %q, want the step to run in allocation %s", got, alloc)
	}
	rows := exp.SummaryRows()
	for _, r := range rows {
		if r.Name == "bad" && (r.Returncode == nil || *r.Returncode != 3) {
			t.Errorf("bad's return code %v, want 3", r.Returncode)
		}
	}
}

func TestStopCancelsARunningBatchJob(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	exp, _ := newSlurmExp(t, nil)
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := exp.CreateModel(runtime.ModelArgs{Name: "sleeper", BatchSettings: bs, RunSettings: runSettings(t, exp, "sleep 60")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{m}, runtime.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := exp.GetStatus(m)
		if st[0] == launchers.StatusRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	id := jobID(t, exp)
	if err := exp.Stop(m); err != nil {
		t.Fatal(err)
	}
	if st, _ := exp.GetStatus(m); st[0] != launchers.StatusCancelled {
		t.Fatalf("status after stop %s, want Cancelled", st[0])
	}
	out, _ := exec.Command("squeue", "-h", "-j", id, "-t", "PD,R,CG,S").Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Fatalf("job %s still in squeue after stop: %s", id, out)
	}
}

func jobID(t *testing.T, exp *runtime.Experiment) string {
	t.Helper()
	for _, r := range exp.SummaryRows() {
		if r.JobID != "" {
			return r.JobID
		}
	}
	t.Fatal("no job id in the summary")
	return ""
}

// telemetryMetadata returns every "telemetry_metadata" object of a manifest file.
func telemetryMetadata(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if md, ok := x["telemetry_metadata"].(map[string]any); ok {
				out = append(out, md)
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

// threeSteps runs members as srun steps of a one-node batch job, three at once: the test nodes have
// two CPUs, so the steps share them (srun --overlap).
func threeSteps(t *testing.T, exp *runtime.Experiment) wlmtest.Batch {
	rs := func(script string) *runtime.RunSettings {
		rs, err := exp.CreateRunSettings(runtime.RunSettingsArgs{Exe: "/bin/sh", ExeArgs: []string{"-c", script}, RunCommand: "srun",
			RunArgs: []runtime.Arg{{Key: "ntasks", Value: "1"}, {Key: "overlap", IsNone: true}}})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	return wlmtest.Batch{RunSettings: rs, Args: []runtime.Arg{{Key: "ntasks", Value: "3"}, {Key: "overcommit", IsNone: true}}}
}

// slurmExitStatus waits until Slurm has ended job id and returns the exit status of its batch script
// (scontrol's ExitCode=<code>:<signal>; accounting is not needed).
func slurmExitStatus(t *testing.T, id string) int {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out, err := exec.Command("scontrol", "-o", "show", "job", id).Output()
		if err != nil {
			t.Fatal(err)
		}
		state := regexp.MustCompile(`JobState=(\S+)`).FindSubmatch(out)
		code := regexp.MustCompile(`\bExitCode=(\d+):(\d+)`).FindSubmatch(out)
		if state != nil && code != nil && slurm.MapState(string(state[1])).Terminal() {
			return wlm.SignalExit(string(code[1]), string(code[2]))
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s has not ended 30 s after its members: %s", id, out)
		}
	}
}

// TestBatchMembersKeepTheirOwnExitCodes: a batch ensemble of three srun members on the cluster where
// ens_1 exits 7: ens_1 is Failed (7), the others Completed (0) in get_status, summary and manifest,
// and Slurm records the batch job's own exit code as non-zero.
func TestBatchMembersKeepTheirOwnExitCodes(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	exp, _ := newSlurmExp(t, nil)
	wlmtest.MemberExitCodes(t, exp, threeSteps(t, exp), func(id string) int { return slurmExitStatus(t, id) })
}

// TestStopCancelsTheMembersStillRunning: while ens_2 runs, ens_1 (exit 7) and ens_0 already show their
// own results; exp.stop(ens) cancels the batch job (nothing left in squeue) and ens_2 ends Cancelled.
func TestStopCancelsTheMembersStillRunning(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	exp, _ := newSlurmExp(t, nil)
	wlmtest.MemberStop(t, exp, threeSteps(t, exp))
	id := jobID(t, exp)
	out, _ := exec.Command("squeue", "-h", "-j", id, "-t", "PD,R,CG,S").Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Fatalf("job %s still in squeue after stop: %s", id, out)
	}
}

// TestMembersOfAJobCancelledOutsideTakeItsStatus: scancel by hand (not exp.stop) ends the batch job;
// the member still running ends Cancelled with Slurm's code, the ones that had ended keep theirs.
func TestMembersOfAJobCancelledOutsideTakeItsStatus(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	exp, _ := newSlurmExp(t, nil)
	wlmtest.MemberCancelledOutside(t, exp, threeSteps(t, exp), func(id string) {
		if out, err := exec.Command("scancel", id).CombinedOutput(); err != nil {
			t.Fatalf("scancel %s: %v: %s", id, err, out)
		}
	}, launchers.StatusCancelled)
}
