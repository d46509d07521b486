// Package wlmtest holds what the scheduler launchers' tests share: recording fake scheduler commands on
// PATH, and an experiment wired to a launcher under test. It is imported by _test.go files only. Its
// own TestSchedulers runs PBS and LSF, whose fake commands are in testdata/pbs and testdata/lsf,
// through the same table of cases; Slurm's tests run against the real cluster (launchers/slurm).
package wlmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/internal/ssruntest"
	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/runtime"
)

// FakeScheduler puts the recording fake commands of the directory fakebin (relative to the calling
// package) first on PATH and points them, through stateVar, at a fresh directory where they keep their
// state and the calls they received; it returns that directory.
func FakeScheduler(t *testing.T, fakebin, stateVar string) string {
	t.Helper()
	bin, err := filepath.Abs(fakebin)
	if err != nil {
		t.Fatal(err)
	}
	state, err := os.MkdirTemp("", "wlmtest-"+stateVar+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeWhenQuiet(t, state) })
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(stateVar, state)
	return state
}

// removeWhenQuiet removes the fake scheduler's state directory once nothing writes to it: a status
// query the launcher began before the test closed it may still append its call (t.TempDir's removal
// then fails with "directory not empty").
func removeWhenQuiet(t *testing.T, dir string) {
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
	}
	t.Errorf("removing the fake scheduler's state %s: %v", dir, err)
}

// Experiment makes an experiment named after the launcher in a temporary directory, closed when the
// test ends.
func Experiment(t *testing.T, l *wlm.Launcher) *runtime.Experiment {
	t.Helper()
	dir := t.TempDir()
	exp, err := runtime.NewExperiment(l.Name(), dir, l.Name(), runtime.Options{Cwd: dir, Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exp.Close()
		_ = l.Close() // no further polls
	})
	return exp
}

// ShellSettings runs script with /bin/sh under a literal run command (/bin/env), so batch members run
// as plain processes inside the fake scheduler's job.
func ShellSettings(t *testing.T, exp *runtime.Experiment, script string) *runtime.RunSettings {
	t.Helper()
	rs, err := exp.CreateRunSettings(runtime.RunSettingsArgs{Exe: "/bin/sh", ExeArgs: []string{"-c", script}, RunCommand: "/bin/env"})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// Calls are the command lines the fake scheduler received, in order.
func Calls(t *testing.T, state string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// memberScript makes ens_1 exit 7 and, with slow, ens_2 sleep until it is cancelled; the others
// succeed. Each member learns its name from its directory. The sleep replaces the shell (exec): a
// sleep orphaned by its killed shell escapes Slurm's proctrack/linuxproc and holds the job in
// COMPLETING until it ends by itself.
func memberScript(slow bool) string {
	s := `case "$(basename "$PWD")" in ens_1) echo failing >&2; exit 7;; `
	if slow {
		s += `ens_2) exec sleep 60;; `
	}
	return s + `esac; echo "done in $(basename "$PWD")"`
}

// Batch is how a test runs its members: their run settings for a shell script, and the batch job's
// scheduler arguments (Slurm needs room for three steps at once: ntasks=3 with overcommit).
type Batch struct {
	RunSettings func(script string) *runtime.RunSettings
	Args        []runtime.Arg
}

// BatchEnsemble makes a batch ensemble of three members: ens_1 exits 7, and with slow ens_2 runs until
// cancelled.
func BatchEnsemble(t *testing.T, exp *runtime.Experiment, slow bool, b Batch) *runtime.Ensemble {
	t.Helper()
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1, Time: "00:05:00", BatchArgs: b.Args})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(runtime.EnsembleArgs{Name: "ens", BatchSettings: bs, Replicas: 3, RunSettings: b.RunSettings(memberScript(slow))})
	if err != nil {
		t.Fatal(err)
	}
	return ens
}

// Member is what a test expects of one member: status and return code, as get_status, the summary
// and the manifest must all show them.
type Member struct {
	Status launchers.Status
	Code   int
}

// CheckMembers compares get_status, the summary rows and the manifest with want (by member name).
func CheckMembers(t *testing.T, exp *runtime.Experiment, ens *runtime.Ensemble, want map[string]Member) {
	t.Helper()
	st, err := exp.GetStatus(ens)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ens.Models() {
		if st[i] != want[m.Name].Status {
			t.Errorf("get_status %s: %s, want %s", m.Name, st[i], want[m.Name].Status)
		}
	}
	for _, r := range exp.SummaryRows() {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		if r.Status != string(w.Status) || r.Returncode == nil || *r.Returncode != w.Code {
			t.Errorf("summary %s: %s (%v), want %s (%d)", r.Name, r.Status, fmtCode(r.Returncode), w.Status, w.Code)
		}
	}
	got := ManifestMembers(t, exp.ManifestPath())
	for name, w := range want {
		if g := got[name]; g != w {
			t.Errorf("manifest %s: %+v, want %+v", name, g, w)
		}
	}
}

func fmtCode(c *int) string {
	if c == nil {
		return "none"
	}
	return strconv.Itoa(*c)
}

// ManifestMembers maps each job name in the manifest to its recorded status and return code (-1 when
// it has none).
func ManifestMembers(t *testing.T, path string) map[string]Member {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]Member{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if md, ok := x["telemetry_metadata"].(map[string]any); ok {
				if name, ok := x["name"].(string); ok {
					m := Member{Status: launchers.Status(fmt.Sprint(md["status"])), Code: -1}
					if rc, ok := md["return_code"].(float64); ok {
						m.Code = int(rc)
					}
					out[name] = m
				}
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

// WaitForStatus waits (up to 30 s) until member name of ens has status st.
func WaitForStatus(t *testing.T, exp *runtime.Experiment, ens *runtime.Ensemble, name string, st launchers.Status) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := exp.GetStatus(ens)
		for i, m := range ens.Models() {
			if m.Name == name && got[i] == st {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached %s: statuses %v", name, st, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// JobID is the batch job's id as the summary shows it.
func JobID(t *testing.T, exp *runtime.Experiment) string {
	t.Helper()
	for _, r := range exp.SummaryRows() {
		if r.JobID != "" {
			return r.JobID
		}
	}
	t.Fatal("no job id in the summary")
	return ""
}

// FakeExitStatus waits until the fake scheduler's job id has ended and returns the exit status it
// recorded for the script (state/<id>.rc).
func FakeExitStatus(t *testing.T, state, id string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(state, id+".rc")); err == nil {
			rc, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("job %s exit status %q", id, b)
			}
			return rc
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never ended", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MemberExitCodes runs a batch ensemble whose member ens_1 exits 7 to completion: ens_1 is Failed (7),
// the others Completed (0), in get_status, the summary and the manifest, and the batch job itself
// exited non-zero (jobExit returns its exit status once it has ended).
func MemberExitCodes(t *testing.T, exp *runtime.Experiment, b Batch, jobExit func(id string) int) {
	t.Helper()
	ens := BatchEnsemble(t, exp, false, b)
	if err := exp.Start(context.Background(), []runtime.Entity{ens}, runtime.StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	CheckMembers(t, exp, ens, map[string]Member{"ens_0": {launchers.StatusCompleted, 0},
		"ens_1": {launchers.StatusFailed, 7}, "ens_2": {launchers.StatusCompleted, 0}})
	for _, m := range ens.Models() {
		b, err := os.ReadFile(filepath.Join(m.Path, m.Name+".out"))
		if m.Name != "ens_1" && (err != nil || strings.TrimSpace(string(b)) != "done in "+m.Name) {
			t.Errorf("%s output %q (%v)", m.Name, b, err)
		}
	}
	if rc := jobExit(JobID(t, exp)); rc == 0 {
		t.Errorf("the batch job exited 0 although ens_1 failed")
	}
}

// MemberStop starts a batch ensemble whose ens_1 exits 7 at once and ens_2 runs on: ens_1 is Failed
// (7) and ens_0 Completed while the job still runs (ens_2 Running); stopping the ensemble cancels the
// job, ens_2 ends Cancelled, and the members that had ended keep their codes.
func MemberStop(t *testing.T, exp *runtime.Experiment, b Batch) {
	t.Helper()
	ens := BatchEnsemble(t, exp, true, b)
	if err := exp.Start(context.Background(), []runtime.Entity{ens}, runtime.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	WaitForStatus(t, exp, ens, "ens_1", launchers.StatusFailed)
	WaitForStatus(t, exp, ens, "ens_0", launchers.StatusCompleted)
	if st, _ := exp.GetStatus(ens); st[2] != launchers.StatusRunning {
		t.Fatalf("ens_2 %s while its job runs, want Running", st[2])
	}
	if err := exp.Stop(ens); err != nil {
		t.Fatal(err)
	}
	want := map[string]Member{"ens_0": {launchers.StatusCompleted, 0}, "ens_1": {launchers.StatusFailed, 7},
		"ens_2": {launchers.StatusCancelled, -1}}
	for _, r := range exp.SummaryRows() {
		if r.Name == "ens_2" && r.Returncode != nil && *r.Returncode != 0 { // -1, or the scheduler's code for a cancelled job
			want["ens_2"] = Member{launchers.StatusCancelled, *r.Returncode}
		}
	}
	CheckMembers(t, exp, ens, want)
}

// CheckDatabase starts a one-shard database through the launcher under test (inside an allocation
// the fake scheduler describes, or as a batch job), checks that it answers SET/GET at the address
// its shard reported and that its launch went through the scheduler's commands, then stops it and
// checks that the shard is gone. db is the ssrun binary that runs the shard.
func CheckDatabase(t *testing.T, exp *runtime.Experiment, batch bool, wantCall string, state string) {
	t.Helper()
	runtime.DBExecutable = ssrunBinary(t)
	t.Cleanup(func() { runtime.DBExecutable = "" })
	o, err := exp.CreateDatabase(runtime.DatabaseArgs{Port: ssruntest.FreePort(t), DBNodes: 1, Batch: batch, SingleCmd: true,
		Interface: "ipogif0", Interfaces: []string{"ipogif0"}, InterfaceDefault: true, Hosts: hostsUnlessBatch(batch)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := exp.Start(ctx, []runtime.Entity{o}, runtime.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	addrs, err := o.GetAddress()
	if err != nil || len(addrs) != 1 {
		t.Fatalf("addresses %v, %v", addrs, err)
	}
	c := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET at %s: %v", addrs[0], err)
	}
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET at %s: %q, %v", addrs[0], v, err)
	}
	if !o.IsActive() {
		t.Fatal("database not active")
	}
	if err := exp.Stop(o); err != nil {
		t.Fatal(err)
	}
	if st := o.ShardStatuses(); st[0] != launchers.StatusCancelled {
		t.Errorf("shard status after stop: %s", st[0])
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Error("the shard still answers after stop")
	}
	found := false
	for _, call := range Calls(t, state) {
		if strings.HasPrefix(call, wantCall) {
			found = true
		}
	}
	if !found {
		t.Errorf("no call starting %q among %q", wantCall, Calls(t, state))
	}
}

// ssrunBinary builds the ssrun binary that runs the shards, removed when the test ends.
func ssrunBinary(t *testing.T) string {
	t.Helper()
	return ssruntest.BuildForTest(t, "ssrun-wlmtest-")
}

func hostsUnlessBatch(batch bool) []string {
	if batch {
		return nil
	}
	h, _ := os.Hostname()
	return []string{h}
}

// MemberCancelledOutside starts the same ensemble as MemberStop, lets ens_0 and ens_1 end, then has
// the scheduler end the job behind the experiment's back (cancel: an operator's scancel, a time limit):
// ens_2, which recorded nothing, takes the job's status (want) and code; the others keep their own.
func MemberCancelledOutside(t *testing.T, exp *runtime.Experiment, b Batch, cancel func(id string), want launchers.Status) {
	t.Helper()
	ens := BatchEnsemble(t, exp, true, b)
	if err := exp.Start(context.Background(), []runtime.Entity{ens}, runtime.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	WaitForStatus(t, exp, ens, "ens_1", launchers.StatusFailed)
	WaitForStatus(t, exp, ens, "ens_0", launchers.StatusCompleted)
	cancel(JobID(t, exp))
	WaitForStatus(t, exp, ens, "ens_2", want)
	code := -1
	for _, r := range exp.SummaryRows() {
		if r.Name == "ens_2" && r.Returncode != nil {
			code = *r.Returncode
		}
	}
	if code == 0 {
		t.Errorf("ens_2 ended %s with code 0, though the job was cancelled under it", want)
	}
	if err := exp.Poll(context.Background(), 0, false, false); err != nil { // writes the manifest
		t.Fatal(err)
	}
	CheckMembers(t, exp, ens, map[string]Member{"ens_0": {launchers.StatusCompleted, 0},
		"ens_1": {launchers.StatusFailed, 7}, "ens_2": {want, code}})
}
