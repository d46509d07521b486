package pbs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/pbs"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/launchers/wlm/wlmtest"
	"github.com/ssrun/ssrun/runtime"
)

func fakePBS(t *testing.T) string { return wlmtest.FakeScheduler(t, "FAKE_PBS_DIR") }

func newPBSExp(t *testing.T) (*runtime.Experiment, *wlm.Launcher) {
	l := pbs.New(wlm.Options{Interval: 50 * time.Millisecond})
	return wlmtest.Experiment(t, l), l
}

func TestBatchEnsembleThroughQsubAndOneQstatPerPoll(t *testing.T) {
	state := fakePBS(t)
	exp, l := newPBSExp(t)
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
	for _, want := range []string{"#PBS -N ens-run-000\n#PBS -V\n", "#PBS -l select=1\n#PBS -l walltime=00:10:00\n#PBS -q workq\n", "; ssrun_exit ens_2 $? ; } &\n", "\nexit $ssrun_failed\n"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	before := l.Queries()
	c := wlmtest.Calls(t, state)
	after := l.Queries()
	if c[0] != "qsub "+filepath.Join(ens.Path, "ens.sh") {
		t.Errorf("first call %q, want qsub of the script", c[0])
	}
	qstats := 0
	for _, line := range c[1:] {
		if strings.HasPrefix(line, "qstat -x -f -F json ") {
			qstats++
		}
	}
	// The blocking start returns once every member has recorded its code, while the job may still be
	// polled: the calls read lie between the polls counted before and after, less one on its way
	// (counted before its qstat runs).
	if qstats == 0 || int64(qstats) > after || int64(qstats) < before-1 {
		t.Errorf("%d qstat calls for %d..%d polls, want one per poll:\n%s", qstats, before, after, strings.Join(c, "\n"))
	}
}

func TestFailingBatchJobReportsItsExitStatus(t *testing.T) {
	fakePBS(t)
	exp, _ := newPBSExp(t)
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

func TestStopDeletesTheJobWithQdel(t *testing.T) {
	state := fakePBS(t)
	exp, _ := newPBSExp(t)
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
		found = found || c == "qdel 1.fakepbs"
	}
	if !found {
		t.Fatalf("no qdel 1.fakepbs in %v", wlmtest.Calls(t, state))
	}
}

func TestParseQstatJSONAndStates(t *testing.T) {
	out := `{"timestamp":1,"pbs_version":"2022.1.1","pbs_server":"s","Jobs":{
	  "1.s":{"job_state":"Q"},"2.s":{"job_state":"R"},"3.s":{"job_state":"F","Exit_status":0},
	  "4.s":{"job_state":"F","Exit_status":2},"5.s":{"job_state":"F","Exit_status":271}}}`
	res, err := pbs.ParseQstatJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]launchers.Result{"1.s": {Status: launchers.StatusPaused, ExitCode: -1},
		"2.s": {Status: launchers.StatusRunning, ExitCode: -1}, "3.s": {Status: launchers.StatusCompleted},
		"4.s": {Status: launchers.StatusFailed, ExitCode: 2}, "5.s": {Status: launchers.StatusFailed, ExitCode: -15}}
	for id, w := range want {
		if g := res[id]; g.Status != w.Status || g.ExitCode != w.ExitCode {
			t.Errorf("%s: %+v, want %+v", id, g, w)
		}
	}
	if _, err := pbs.ParseQstatJSON("qstat: not json"); err == nil {
		t.Error("garbage output parsed without error")
	}
}

// TestBatchMembersKeepTheirOwnExitCodes: in one batch job, the member that exits 7 is Failed (7) and
// the others Completed (0), and the job itself exits non-zero; the fake scheduler runs the script.
func TestBatchMembersKeepTheirOwnExitCodes(t *testing.T) {
	state := fakePBS(t)
	exp, _ := newPBSExp(t)
	rs := func(script string) *runtime.RunSettings { return wlmtest.ShellSettings(t, exp, script) }
	wlmtest.MemberExitCodes(t, exp, wlmtest.Batch{RunSettings: rs}, func(id string) int { return wlmtest.FakeExitStatus(t, state, id) })
}

// TestStopCancelsTheMembersStillRunning: members that ended keep their codes while the job runs on;
// stopping the ensemble cancels the job and the member still running ends Cancelled.
func TestStopCancelsTheMembersStillRunning(t *testing.T) {
	fakePBS(t)
	exp, _ := newPBSExp(t)
	rs := func(script string) *runtime.RunSettings { return wlmtest.ShellSettings(t, exp, script) }
	wlmtest.MemberStop(t, exp, wlmtest.Batch{RunSettings: rs})
}
