package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// resumeDriver is a local ensemble whose members append their name to ../../../log.txt (the shared
// log beside the driver) after sleeping x/10 s, so executions can be counted.
const resumeDriver = `
exp = Experiment("sweep", launcher="local")
rs = exp.create_run_settings(exe="sh", exe_args=["-c", "sleep $(cat sleep.txt); echo $SSKEYOUT >> ../../../log.txt; cat in.txt"])
ens = exp.create_ensemble("ens", params={"x": json.decode(vars["xs"])}, run_settings=rs)
ens.attach_generator_files(to_configure=["in.txt", "sleep.txt"])
ens.enable_key_prefixing()
exp.generate(ens, overwrite=True)
exp.start(ens, block=True, summary=True)
print(exp.summary())
`

func resumeDir(t *testing.T, xs string) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "driver.star"), resumeDriver)
	write(t, filepath.Join(dir, "in.txt"), "x=;x;\n")
	write(t, filepath.Join(dir, "sleep.txt"), "0\n")
	write(t, filepath.Join(dir, "xs"), xs)
	return dir
}

// executions counts the log's lines per member.
func executions(t *testing.T, dir string) map[string]int {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(dir, "log.txt"))
	n := map[string]int{}
	for _, line := range strings.Fields(string(data)) {
		n[line]++
	}
	return n
}

func runDriver(t *testing.T, dir, xs string, extra ...string) result {
	t.Helper()
	args := append(append([]string{}, extra...), "driver.star", "--", "xs="+xs)
	r := ssrun(t, dir, args...)
	if r.code != 0 {
		t.Fatalf("ssrun %v: exit %d\n%s", args, r.code, r.stderr)
	}
	return r
}

// TestResumeRerunsExactlyWhatChanged: one parameter value changed in a 10-member ensemble reruns
// exactly its member; touching an input without changing it reruns nothing; changing it reruns every
// member that configures it; the summary says what was skipped.
func TestResumeRerunsExactlyWhatChanged(t *testing.T) {
	xs := "[0,1,2,3,4,5,6,7,8,9]"
	dir := resumeDir(t, xs)
	runDriver(t, dir, xs)
	want := map[string]int{}
	for i := 0; i < 10; i++ {
		want["ens_"+itoa(i)] = 1
	}
	checkCounts(t, dir, want)

	xs2 := "[0,1,2,33,4,5,6,7,8,9]"
	r := runDriver(t, dir, xs2, "--resume")
	want["ens_3"]++
	checkCounts(t, dir, want)
	if !strings.Contains(r.stderr, "skipped: unchanged since run-000") || !strings.Contains(r.stderr, "9 skipped") {
		t.Errorf("summary does not say what was skipped:\n%s", r.stderr)
	}

	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "in.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	runDriver(t, dir, xs2, "--resume")
	checkCounts(t, dir, want) // touched, not changed: nothing reruns

	plan := runDriver(t, dir, xs2, "--resume", "--dry-run", "--plan-format", "json")
	var p struct {
		Resume []struct{ Name, Action, Reason string } `json:"resume"`
	}
	if err := json.Unmarshal([]byte(plan.stdout), &p); err != nil || len(p.Resume) != 10 {
		t.Fatalf("dry-run plan has no resume decisions (%v):\n%s", err, plan.stdout)
	}
	write(t, filepath.Join(dir, "in.txt"), "x=;x; changed\n")
	plan = runDriver(t, dir, xs2, "--resume", "--dry-run")
	if !strings.Contains(plan.stdout, "ens_0: run (file in.txt changed)") {
		t.Errorf("dry run does not say why ens_0 would run:\n%s", plan.stdout)
	}
	runDriver(t, dir, xs2, "--resume")
	for k := range want {
		want[k]++
	}
	checkCounts(t, dir, want)
}

func checkCounts(t *testing.T, dir string, want map[string]int) {
	t.Helper()
	got := executions(t, dir)
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s ran %d times, want %d (all: %v)", name, got[name], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("members that ran: %v, want %v", got, want)
	}
}

// TestResumeAfterKill9: the driver of a 50-member local ensemble is killed with SIGKILL while members
// run; `ssrun status` tells what the journal knows, and --resume re-attaches to the members still
// running, reads the codes of those that ended unwatched, and every member runs exactly once.
func TestResumeAfterKill9(t *testing.T) {
	var xs []string
	for i := 0; i < 50; i++ {
		xs = append(xs, string(rune('0'+i%10)))
	}
	list := "[" + strings.Join(xs, ",") + "]"
	dir := resumeDir(t, list)
	write(t, filepath.Join(dir, "sleep.txt"), "0.;x;\n") // member i sleeps (i%10)/10 s
	write(t, filepath.Join(dir, "in.txt"), "ok\n")
	cmd := exec.Command(ssrunBin, "driver.star", "--", "xs="+list)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(executions(t, dir)) < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := len(executions(t, dir)); n >= 50 {
		t.Skipf("every member had ended before the kill (%d)", n)
	}
	st := ssrun(t, dir, "status", "sweep", "--json")
	if st.code != 0 || !strings.Contains(st.stdout, `"ens_49"`) {
		t.Fatalf("status after kill -9 (exit %d):\n%s\n%s", st.code, st.stdout, st.stderr)
	}
	r := runDriver(t, dir, list, "--resume")
	want := map[string]int{}
	for i := 0; i < 50; i++ {
		want["ens_"+itoa(i)] = 1
	}
	checkCounts(t, dir, want)
	if !strings.Contains(r.stderr, "re-attached") && !strings.Contains(r.stderr, "skipped") {
		t.Errorf("resume neither skipped nor re-attached anything:\n%s", r.stderr)
	}
	st = ssrun(t, dir, "status", "sweep", "--json")
	var rows []struct{ Name, Status string }
	if err := json.Unmarshal([]byte(st.stdout), &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, st.stdout)
	}
	var bad []string
	for _, row := range rows {
		if row.Status != "Completed" {
			bad = append(bad, row.Name+"="+row.Status)
		}
	}
	sort.Strings(bad)
	if len(rows) != 50 || len(bad) > 0 {
		t.Errorf("status after resume: %d rows, not Completed: %v", len(rows), bad)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestResumeRefusesWhatItCannotTrust: another script's directory, a newer manifest version and a
// corrupt journal are clear errors; nothing is launched and nothing deleted.
func TestResumeRefusesWhatItCannotTrust(t *testing.T) {
	xs := "[0,1]"
	dir := resumeDir(t, xs)
	runDriver(t, dir, xs)
	journal := filepath.Join(dir, "sweep", ".smartsim", "telemetry", "journal.jsonl")
	before := read(t, filepath.Join(dir, "log.txt"))

	write(t, filepath.Join(dir, "other.star"), resumeDriver)
	r := ssrun(t, dir, "--resume", "other.star", "--", "xs="+xs)
	if r.code != 1 || !strings.Contains(r.stderr, "driver.star, not "+filepath.Join(dir, "other.star")) {
		t.Errorf("another script: exit %d\n%s", r.code, r.stderr)
	}

	good := read(t, journal)
	write(t, journal, good+"{\"ev\":\"end\",\"run\n")
	r = ssrun(t, dir, "--resume", "driver.star", "--", "xs="+xs)
	if r.code != 1 || !strings.Contains(r.stderr, "journal.jsonl:"+itoa(strings.Count(good, "\n")+1)+": not a journal record") {
		t.Errorf("corrupt journal: exit %d\n%s", r.code, r.stderr)
	}
	write(t, journal, good)

	manifest := filepath.Join(dir, "sweep", ".smartsim", "telemetry", "manifest.json")
	m := read(t, manifest)
	write(t, manifest, strings.Replace(m, `"version": "0.0.4"`, `"version": "0.1.0"`, 1))
	r = ssrun(t, dir, "--resume", "driver.star", "--", "xs="+xs)
	if r.code != 1 || !strings.Contains(r.stderr, "newer than this ssrun's 0.0.4") {
		t.Errorf("newer manifest: exit %d\n%s", r.code, r.stderr)
	}
	if got := read(t, filepath.Join(dir, "log.txt")); got != before {
		t.Errorf("a refused resume ran members: %q, was %q", got, before)
	}
	for _, name := range []string{"ens_0", "ens_1"} {
		if _, err := os.Stat(filepath.Join(dir, "sweep", "ens", name, "in.txt")); err != nil {
			t.Errorf("a refused resume deleted %s: %v", name, err)
		}
	}
}

// shardPID is the pid of the `ssrun db` process serving port, 0 if none (read from /proc).
func shardPID(port int) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), "\x00db\x00") && strings.Contains(string(cmdline), "\x00--port\x00"+itoa(port)+"\x00") {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	return 0
}

// shardTestDir is a test's directory (symlinks resolved, as the drivers print paths) and a free port
// for a database shard, killed at the test's end if a failing test left it running.
func shardTestDir(t *testing.T) (string, int) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	port := ssruntest.FreePort(t)
	t.Cleanup(func() {
		if pid := shardPID(port); pid != 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return dir, port
}

// TestReconnectOrchestrator: a driver run with --detach leaves its database running and its
// checkpoint (smartsim_db.dat, JSON) in the database's directory; a second driver reconnects to it,
// its model stores a tensor through SSDB, and it leaves the database running at its end; a third
// reconnects, reads the tensor back and stops the database; reconnecting once more is the stale
// checkpoint error naming the file, the dead address and the fix.
func TestReconnectOrchestrator(t *testing.T) {
	dir, port := shardTestDir(t)
	write(t, filepath.Join(dir, "first.star"), `
exp = Experiment("first", launcher="local")
db = exp.create_database(port=int(vars["port"]), db_identifier="shared")
exp.generate(db, overwrite=True)
exp.start(db)
print("checkpoint:", db.checkpoint_file)
`)
	client := `
exp = Experiment("second", launcher="local")
db = exp.reconnect_orchestrator("first/shared/smartsim_db.dat")
print("address:", db.get_address(), db.is_active())
rs = exp.create_run_settings(exe=vars["ssrun"], exe_args=["client"] + json.decode(vars["args"]))
m = exp.create_model("m", rs)
exp.generate(m, overwrite=True)
exp.start(m, block=True)
print("model:", exp.get_status(m))
if vars.get("stop") == "1":
    exp.stop(db)
    print("stopped:", db.is_active())
`
	write(t, filepath.Join(dir, "client.star"), client)
	r := ssrun(t, dir, "--detach", "first.star", "--", "port="+itoa(port))
	checkpoint := filepath.Join(dir, "first", "shared", "smartsim_db.dat")
	if r.code != 0 || !strings.Contains(r.stderr, "checkpoint: "+checkpoint) {
		t.Fatalf("first driver: exit %d\n%s", r.code, r.stderr)
	}
	pid := shardPID(port)
	if pid == 0 {
		t.Fatal("the first driver (--detach) did not leave its database running")
	}
	var cp struct {
		Format  string
		Version int
		Shards  []struct {
			Address string
			JobID   string `json:"job_id"`
		}
		Launcher     string
		DBIdentifier string `json:"db_identifier"`
	}
	if err := json.Unmarshal([]byte(read(t, checkpoint)), &cp); err != nil || cp.Version != 1 || cp.DBIdentifier != "shared" || cp.Launcher != "local" ||
		len(cp.Shards) != 1 || cp.Shards[0].Address != "127.0.0.1:"+itoa(port) || cp.Shards[0].JobID != itoa(pid) {
		t.Fatalf("checkpoint (%v): %+v\n%s", err, cp, read(t, checkpoint))
	}

	put := []string{"--", "ssrun=" + ssrunBin, `args=["put-tensor", "--db-id", "shared", "t", "--dtype", "INT64", "7", "8"]`}
	r = ssrun(t, dir, append([]string{"client.star"}, put...)...)
	addr := `["127.0.0.1:` + itoa(port) + `"]`
	if r.code != 0 || !strings.Contains(r.stderr, "address: "+addr+" True") || !strings.Contains(r.stderr, `model: ["Completed"]`) ||
		!strings.Contains(r.stderr, "left running") {
		t.Fatalf("second driver: exit %d\n%s", r.code, r.stderr)
	}
	if shardPID(port) != pid {
		t.Fatal("the database did not outlive the driver that reconnected to it")
	}
	get := []string{"--", "ssrun=" + ssrunBin, `args=["get-tensor", "--db-id", "shared", "t", "--format", "json"]`, "stop=1"}
	r = ssrun(t, dir, append([]string{"client.star"}, get...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "stopped: False") {
		t.Fatalf("third driver: exit %d\n%s", r.code, r.stderr)
	}
	if out := read(t, filepath.Join(dir, "second", "m", "m.out")); !strings.Contains(out, `"values":[7,8]`) {
		t.Errorf("the tensor stored through the first reconnect was not read back: %q", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for shardPID(port) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if shardPID(port) != 0 {
		t.Fatal("exp.stop(db) on a reconnected database left its shard running")
	}
	r = ssrun(t, dir, append([]string{"client.star"}, get...)...)
	if r.code == 0 || !strings.Contains(r.stderr, "checkpoint "+checkpoint+" is stale") || !strings.Contains(r.stderr, "127.0.0.1:"+itoa(port)) ||
		!strings.Contains(r.stderr, "exp.start(db)") {
		t.Fatalf("stale checkpoint: exit %d\n%s", r.code, r.stderr)
	}
}

// TestResumeReusesRunningDatabase: the driver of a database and an ensemble that stores tensors in it
// is killed with SIGKILL; `ssrun --resume` finds the database's shard still answering through its
// checkpoint and reuses it (same process, same address, the tensors stored before the kill still
// there) instead of starting it twice, and stops it at its end as its own.
func TestResumeReusesRunningDatabase(t *testing.T) {
	dir, port := shardTestDir(t)
	write(t, filepath.Join(dir, "driver.star"), `
exp = Experiment("dbresume", launcher="local")
db = exp.create_database(port=int(vars["port"]))
exp.generate(db, overwrite=True)
exp.start(db)
rs = exp.create_run_settings(exe="sh", exe_args=["-c", '"$0" client put-tensor t --dtype INT64 1 && echo put >> ../../../log.txt && while [ ! -e ../../../release ]; do sleep 0.05; done', vars["ssrun"]])
ens = exp.create_ensemble("ens", replicas=3, run_settings=rs)
ens.enable_key_prefixing()
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
check = exp.create_model("check", exp.create_run_settings(exe="sh", exe_args=["-c", 'for k in ens_0.t ens_1.t ens_2.t; do "$0" client exists $k || exit 1; done', vars["ssrun"]]))
exp.generate(check, overwrite=True)
exp.start(check, block=True)
print("check:", exp.get_status(check))
`)
	args := []string{"driver.star", "--", "port=" + itoa(port), "ssrun=" + ssrunBin}
	cmd := exec.Command(ssrunBin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(readLog(dir), "put") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	pid := shardPID(port)
	if pid == 0 {
		t.Fatal("the database did not outlive its killed driver")
	}
	plan := ssrun(t, dir, append([]string{"--dry-run", "--resume"}, args...)...)
	if !strings.Contains(plan.stdout, "orchestrator (ssrun, 1 shard(s)) reused from $EXP/orchestrator/smartsim_db.dat") {
		t.Errorf("dry-run --resume does not say it reuses the database:\n%s\n%s", plan.stdout, plan.stderr)
	}
	write(t, filepath.Join(dir, "release"), "")
	r := ssrun(t, dir, append([]string{"--resume"}, args...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "Orchestrator orchestrator reused: 1 shard(s) at 127.0.0.1:"+itoa(port)) ||
		!strings.Contains(r.stderr, `check: ["Completed"]`) {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(readLog(dir), "put"); n != 3 {
		t.Errorf("members ran %d times in all, want 3", n)
	}
	if strings.Contains(r.stderr, "launched: 1 shard") {
		t.Errorf("resume started the database again:\n%s", r.stderr)
	}
	deadline = time.Now().Add(10 * time.Second)
	for shardPID(port) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if p := shardPID(port); p != 0 {
		t.Errorf("the reused database (pid %d) was not stopped at the end of the resumed driver", p)
	}
}

func readLog(dir string) string {
	data, _ := os.ReadFile(filepath.Join(dir, "log.txt"))
	return string(data)
}
