package wlmtest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/lsf"
	"github.com/ssrun/ssrun/launchers/pbs"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/launchers/wlm/wlmtest"
	"github.com/ssrun/ssrun/runtime"
)

// scheduler is what the shared scheduler tests know of one batch scheduler: its launcher, its
// recording fake commands (testdata/<fakebin>, state under $<stateVar>) and the calls and script text
// it must produce.
type scheduler struct {
	name      string
	fakebin   string
	stateVar  string
	launcher  func(wlm.Options) *wlm.Launcher
	script    []string                   // what the batch script of a three-member ensemble holds
	submit    func(script string) string // the first call: submitting the batch script
	submitHow string
	query     string // the start of the status query, made once per poll
	queryName string
	cancel    string // the call that cancels the first job
	dbCall    string // how a shard starts inside an allocation
	batchDB   string // how a batch database is submitted
}

var schedulers = []scheduler{
	{
		name: "PBS", fakebin: "testdata/pbs", stateVar: "FAKE_PBS_DIR", launcher: pbs.New,
		script:    []string{"#PBS -N ens-run-000\n#PBS -V\n", "#PBS -l select=1\n#PBS -l walltime=00:10:00\n#PBS -q workq\n"},
		submit:    func(script string) string { return "qsub " + script },
		submitHow: "qsub of the script",
		query:     "qstat -x -f -F json ", queryName: "qstat",
		cancel:  "qdel 1.fakepbs",
		dbCall:  "mpirun -np 1 --host ",
		batchDB: "qsub ",
	},
	{
		name: "LSF", fakebin: "testdata/lsf", stateVar: "FAKE_LSF_DIR", launcher: lsf.New,
		script:    []string{"#BSUB -J ens-run-000\n", "#BSUB -nnodes 1\n#BSUB -W 00:10\n#BSUB -q workq\n"},
		submit:    func(string) string { return "bsub " },
		submitHow: "bsub reading the script on its input",
		query:     "bjobs -a -noheader -o ", queryName: "bjobs",
		cancel:  "bkill 101",
		dbCall:  "jsrun --nrs=1 --rs_per_host=1 --tasks_per_rs=1 --cpu_per_rs=1 --stdio_stdout=",
		batchDB: "bsub ",
	},
}

// TestSchedulers runs every scheduler of the table through the same cases: a batch ensemble and its
// polling, a failing job, stop, members' own exit codes, and a database inside an allocation and as
// a batch job.
func TestSchedulers(t *testing.T) {
	cases := []struct {
		name string
		run  func(*testing.T, scheduler)
	}{
		{"BatchEnsembleThroughSubmitAndOneQueryPerPoll", batchEnsembleAndOneQueryPerPoll},
		{"FailingBatchJobReportsItsExitStatus", failingBatchJobReportsItsExitStatus},
		{"StopCancelsTheJob", stopCancelsTheJob},
		{"BatchMembersKeepTheirOwnExitCodes", batchMembersKeepTheirOwnExitCodes},
		{"StopCancelsTheMembersStillRunning", stopCancelsTheMembersStillRunning},
		{"DatabaseInsideAllocation", databaseInsideAllocation},
		{"BatchDatabase", batchDatabase},
	}
	for _, s := range schedulers {
		t.Run(s.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, s) })
			}
		})
	}
}

// start puts the scheduler's fake commands on PATH and makes an experiment on its launcher; it
// returns the fake's state directory.
func (s scheduler) start(t *testing.T) (string, *runtime.Experiment, *wlm.Launcher) {
	state := wlmtest.FakeScheduler(t, s.fakebin, s.stateVar)
	l := s.launcher(wlm.Options{Interval: 50 * time.Millisecond})
	return state, wlmtest.Experiment(t, l), l
}

func batchEnsembleAndOneQueryPerPoll(t *testing.T, s scheduler) {
	state, exp, l := s.start(t)
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1, Time: "00:10:00", Queue: "workq"})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(runtime.EnsembleArgs{Name: "ens", BatchSettings: bs, Replicas: 3,
		// The members outlast a few poll intervals: a job over before the first poll (which happened
		// under load in CI) leaves no query to count.
		RunSettings: wlmtest.ShellSettings(t, exp, `sleep 0.2; echo "hello from $(basename "$PWD")"`)})
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
	for _, want := range append(s.script, "; ssrun_exit ens_2 $? ; } &\n", "\nexit $ssrun_failed\n") {
		if !strings.Contains(string(script), want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	before := l.Queries()
	c := wlmtest.Calls(t, state)
	after := l.Queries()
	if c[0] != s.submit(filepath.Join(ens.Path, "ens.sh")) {
		t.Errorf("first call %q, want %s", c[0], s.submitHow)
	}
	queries := 0
	for _, line := range c[1:] {
		if strings.HasPrefix(line, s.query) {
			queries++
		}
	}
	// The blocking start returns once every member has recorded its code, while the job may still be
	// polled: the calls read lie between the polls counted before and after, less one on its way
	// (counted before its query runs).
	if queries == 0 || int64(queries) > after || int64(queries) < before-1 {
		t.Errorf("%d %s calls for %d..%d polls, want one per poll:\n%s", queries, s.queryName, before, after, strings.Join(c, "\n"))
	}
}

func failingBatchJobReportsItsExitStatus(t *testing.T, s scheduler) {
	_, exp, _ := s.start(t)
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

func stopCancelsTheJob(t *testing.T, s scheduler) {
	state, exp, _ := s.start(t)
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
		found = found || c == s.cancel
	}
	if !found {
		t.Fatalf("no %s in %v", s.cancel, wlmtest.Calls(t, state))
	}
}

// batchMembersKeepTheirOwnExitCodes: in one batch job, the member that exits 7 is Failed (7) and the
// others Completed (0), and the job itself exits non-zero; the fake scheduler runs the script.
func batchMembersKeepTheirOwnExitCodes(t *testing.T, s scheduler) {
	state, exp, _ := s.start(t)
	rs := func(script string) *runtime.RunSettings { return wlmtest.ShellSettings(t, exp, script) }
	wlmtest.MemberExitCodes(t, exp, wlmtest.Batch{RunSettings: rs}, func(id string) int { return wlmtest.FakeExitStatus(t, state, id) })
}

// stopCancelsTheMembersStillRunning: members that ended keep their codes while the job runs on;
// stopping the ensemble cancels the job and the member still running ends Cancelled.
func stopCancelsTheMembersStillRunning(t *testing.T, s scheduler) {
	_, exp, _ := s.start(t)
	rs := func(script string) *runtime.RunSettings { return wlmtest.ShellSettings(t, exp, script) }
	wlmtest.MemberStop(t, exp, wlmtest.Batch{RunSettings: rs})
}

// databaseInsideAllocation: a shard started through the scheduler's launch command on the node of the
// allocation (PBS: mpirun -np 1 --host H; LSF: one jsrun resource set, its output where
// --stdio_stdout said) answers at the address it reported, and stop() ends it.
func databaseInsideAllocation(t *testing.T, s scheduler) {
	state, exp, _ := s.start(t)
	wlmtest.CheckDatabase(t, exp, false, s.dbCall, state)
}

// batchDatabase: batch=True submits a script that starts the shard on the job's node (PBS lists
// $PBS_NODEFILE, LSF starts it with jsrun); the driver reads its ready file and reaches it.
func batchDatabase(t *testing.T, s scheduler) {
	state, exp, _ := s.start(t)
	wlmtest.CheckDatabase(t, exp, true, s.batchDB, state)
}
