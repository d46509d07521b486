package lsf_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/lsf"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/launchers/wlm/wlmtest"
	"github.com/ssrun/ssrun/runtime"
)

func fakeLSF(t *testing.T) string { return wlmtest.FakeScheduler(t, "FAKE_LSF_DIR") }

func newLSFExp(t *testing.T) (*runtime.Experiment, *wlm.Launcher) {
	l := lsf.New(wlm.Options{Interval: 50 * time.Millisecond})
	return wlmtest.Experiment(t, l), l
}

func TestBatchEnsembleThroughBsubAndOneBjobsPerPoll(t *testing.T) {
	state := fakeLSF(t)
	exp, l := newLSFExp(t)
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1, Time: "00:10:00", Queue: "workq"})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(runtime.EnsembleArgs{Name: "ens", BatchSettings: bs, Replicas: 3,
		RunSettings: wlmtest.ShellSettings(t, exp, `echo "hello from $(basename "$PWD")"`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{ens}, runtime.StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := exp.GetStatus(ens)
	for i, m := range ens.Models() {
		if st[i] != launchers.StatusCompleted {
			t.Errorf("%s: %s, want Completed", m.Name, st[i])
		}
		out, err := os.ReadFile(filepath.Join(m.Path, m.Name+".out"))
		if err != nil || strings.TrimSpace(string(out)) != "hello from "+m.Name {
			t.Errorf("%s output %q (%v)", m.Name, out, err)
		}
	}
	script, err := os.ReadFile(filepath.Join(ens.Path, "ens.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#BSUB -J ens-run-000\n", "#BSUB -nnodes 1\n#BSUB -W 00:10\n#BSUB -q workq\n", "; ssrun_exit ens_2 $? ; } &\n", "\nexit $ssrun_failed\n"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	before := l.Queries()
	c := wlmtest.Calls(t, state)
	after := l.Queries()
	if c[0] != "bsub " {
		t.Errorf("first call %q, want bsub reading the script on its input", c[0])
	}
	queries := 0
	for _, line := range c[1:] {
		if strings.HasPrefix(line, "bjobs -a -noheader -o ") {
			queries++
		}
	}
	// The blocking start returns once every member has recorded its code, while the job may still be
	// polled: the calls read lie between the polls counted before and after, less one on its way
	// (counted before its bjobs runs).
	if queries == 0 || int64(queries) > after || int64(queries) < before-1 {
		t.Errorf("%d bjobs calls for %d..%d polls, want one per poll:\n%s", queries, before, after, strings.Join(c, "\n"))
	}
}

func TestFailingBatchJobReportsItsExitStatus(t *testing.T) {
	fakeLSF(t)
	exp, _ := newLSFExp(t)
	bs, _ := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
	bs.AddPreamble("exit 3") // a preamble that fails ends the job before its members
	m, err := exp.CreateModel(runtime.ModelArgs{Name: "m", BatchSettings: bs, RunSettings: wlmtest.ShellSettings(t, exp, "true")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{m}, runtime.StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	rows := exp.SummaryRows()
	if len(rows) != 1 || rows[0].Status != "Failed" || rows[0].Returncode == nil || *rows[0].Returncode != 3 {
		t.Fatalf("summary %+v, want one Failed job with return code 3", rows)
	}
}

func TestStopKillsTheJobWithBkill(t *testing.T) {
	state := fakeLSF(t)
	exp, _ := newLSFExp(t)
	bs, _ := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
	m, err := exp.CreateModel(runtime.ModelArgs{Name: "m", BatchSettings: bs, RunSettings: wlmtest.ShellSettings(t, exp, "sleep 30")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{m}, runtime.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Stop(m); err != nil {
		t.Fatal(err)
	}
	if st, _ := exp.GetStatus(m); st[0] != launchers.StatusCancelled {
		t.Fatalf("status after stop %s, want Cancelled", st[0])
	}
	found := false
	for _, c := range wlmtest.Calls(t, state) {
		found = found || c == "bkill 101"
	}
	if !found {
		t.Fatalf("no bkill 101 in %v", wlmtest.Calls(t, state))
	}
}

func TestParseBjobs(t *testing.T) {
	res := lsf.ParseBjobs("7|PEND|-\n8|RUN|-\n9|DONE|-\n10|EXIT|3\nJob <11> is not found\n")
	want := map[string]launchers.Result{"7": {Status: launchers.StatusPaused, ExitCode: -1},
		"8": {Status: launchers.StatusRunning, ExitCode: -1}, "9": {Status: launchers.StatusCompleted},
		"10": {Status: launchers.StatusFailed, ExitCode: 3}}
	if len(res) != len(want) {
		t.Fatalf("parsed %d jobs, want %d: %+v", len(res), len(want), res)
	}
	for id, w := range want {
		if g := res[id]; g.Status != w.Status || g.ExitCode != w.ExitCode {
			t.Errorf("%s: %+v, want %+v", id, g, w)
		}
	}
}

// TestBatchMembersKeepTheirOwnExitCodes: in one batch job, the member that exits 7 is Failed (7) and
// the others Completed (0), and the job itself exits non-zero; the fake scheduler runs the script.
func TestBatchMembersKeepTheirOwnExitCodes(t *testing.T) {
	state := fakeLSF(t)
	exp, _ := newLSFExp(t)
	rs := func(script string) *runtime.RunSettings { return wlmtest.ShellSettings(t, exp, script) }
	wlmtest.MemberExitCodes(t, exp, wlmtest.Batch{RunSettings: rs}, func(id string) int { return wlmtest.FakeExitStatus(t, state, id) })
}

// TestStopCancelsTheMembersStillRunning: members that ended keep their codes while the job runs on;
// stopping the ensemble cancels the job and the member still running ends Cancelled.
func TestStopCancelsTheMembersStillRunning(t *testing.T) {
	fakeLSF(t)
	exp, _ := newLSFExp(t)
	rs := func(script string) *runtime.RunSettings { return wlmtest.ShellSettings(t, exp, script) }
	wlmtest.MemberStop(t, exp, wlmtest.Batch{RunSettings: rs})
}
