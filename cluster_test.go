package main

// End-to-end tests on the real three-node Slurm cluster of ci/setup-slurm.sh (nodes n1, n2, n3 with
// NodeAddr 127.0.0.1, 127.0.0.2, 127.0.0.3): databases inside an allocation and as batch jobs, each
// shard on its own node and answering on its node's address, clusters used through redis-cli -c and
// the Go client (`ssrun client`), the key-prefixing example with every step on Slurm, and the errors
// of bad input. The driver runs as a user runs it: `salloc -N 3 ssrun driver.star`, or plain
// `ssrun driver.star` for batch databases.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	clusterOnce sync.Once
	clusterErr  error
)

// requireCluster skips unless the three-node cluster answers (checked once, with a short timeout);
// under CI it must answer.
func requireCluster(t *testing.T) {
	t.Helper()
	clusterOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "sinfo", "-h", "-N", "-o", "%N %T").Output()
		if err != nil {
			clusterErr = fmt.Errorf("sinfo: %v", err)
			return
		}
		up := 0
		for _, n := range []string{"n1", "n2", "n3"} {
			if regexp.MustCompile(`(?m)^` + n + ` (idle|mix|alloc)`).Match(out) {
				up++
			}
		}
		if up != 3 {
			clusterErr = fmt.Errorf("sinfo lists %q, want n1, n2 and n3 up", out)
		}
	})
	if clusterErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the three-node Slurm of ci/setup-slurm.sh is required under CI: %v", clusterErr)
	}
	t.Skipf("no three-node Slurm here (%v); run ci/setup-slurm.sh as root to start one", clusterErr)
}

// clusterPort finds a port free on all three node addresses, so tests running at once (and other
// users of the cluster) do not collide.
func clusterPort(t *testing.T) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		free := true
		for _, host := range []string{"127.0.0.2", "127.0.0.3"} {
			l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return port
		}
	}
	t.Fatal("no port free on 127.0.0.1-3")
	return 0
}

// onCluster runs ssrun on script in dir, inside `salloc -N nodes` when nodes > 0, and returns its
// result. SSRUN points the apps at the binary under test.
func onCluster(t *testing.T, dir string, nodes int, script string, vars ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{ssrunBin}
	for _, v := range vars {
		args = append(args, "-D", v)
	}
	args = append(args, script)
	if nodes > 0 {
		args = append([]string{"salloc", "-N", strconv.Itoa(nodes)}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SSRUN="+ssrunBin, "SSRUN_WLM_INTERVAL=200ms")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v hung:\n%s", args, stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// shardProcesses lists processes whose command line mentions dir: shards of this test still alive.
func shardProcesses(dir string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir)) && bytes.Contains(cmdline, []byte("\x00db\x00")) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// checkNothingLeft: no shard process of the experiment and no job of the driver's still queued or
// running once the driver has ended (the scheduler cleans up a step's processes within a moment).
func checkNothingLeft(t *testing.T, dir, jobName string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		procs := shardProcesses(dir)
		out, _ := exec.Command("squeue", "-h", "-n", jobName, "-o", "%i %T").Output()
		if len(procs) == 0 && strings.TrimSpace(string(out)) == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: processes %q, jobs %q", procs, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// probeScript is a driver that starts a database of db_nodes shards, runs a probe model as a local
// process (redis-cli -c, then the Go client through `ssrun client`) against it, prints what it saw,
// and stops it.
const probeScript = `
exp = Experiment("probe", launcher="slurm")
iface = {}  # not given: SmartSim's default interface, replaced by the node's address where missing
if "iface" in vars:
    iface = {"interface": None if vars["iface"] == "none" else vars["iface"]}
db = exp.create_database(port=int(vars["port"]), db_nodes=int(vars["shards"]), batch=vars.get("batch") == "1",
                         single_cmd=vars.get("single", "1") == "1", **iface)
exp.generate(db, overwrite=True)
exp.start(db)
print("addresses:", db.get_address())
print("active:", db.is_active())
probe = exp.create_model("probe", exp.create_run_settings(exe="sh", exe_args=["-c", vars["probe"]], run_command=None))
exp.generate(probe, overwrite=True)
exp.start(probe, block=True)
print("probe:", exp.get_status(probe))
exp.stop(db)
print("stopped:", exp.get_status(db), db.is_active())
`

// clusterProbe is the probe's shell: keys of all three shards' slots through redis-cli -c, then
// tensors through the Go client with the SSDB the driver set, and the cluster's view of itself.
const clusterProbe = `set -e
for k in a b c d e f; do redis-cli -c -h 127.0.0.1 -p $PORT set key$k v$k >/dev/null; done
for k in a b c d e f; do redis-cli -c -h 127.0.0.3 -p $PORT get key$k; done
for i in 1 2 3 4 5 6; do "$SSRUN" client put-tensor t$i --dtype FLOAT $i $i; done
for i in 1 2 3 4 5 6; do "$SSRUN" client get-tensor t$i --format json; done
echo "SSDB=$SSDB SR_DB_TYPE=$SR_DB_TYPE"
for h in 127.0.0.1 127.0.0.2 127.0.0.3; do echo "$h holds $(redis-cli -h $h -p $PORT dbsize) keys"; done`

// TestClusterDatabaseInAllocation: inside `salloc -N 3`, a 3-shard database puts one shard on each
// node, answering on the node's address at the same port, whether its shards are one MPMD step or
// one step each; redis-cli -c and the Go client use all three; stop leaves nothing running.
func TestClusterDatabaseInAllocation(t *testing.T) {
	requireCluster(t)
	for _, single := range []string{"1", "0"} {
		t.Run("single_cmd="+single, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "probe.star"), probeScript)
			port := clusterPort(t)
			probe := "PORT=" + strconv.Itoa(port) + "\n" + clusterProbe
			r := onCluster(t, dir, 3, "probe.star", "port="+strconv.Itoa(port), "shards=3", "single="+single, "probe="+probe)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			want := fmt.Sprintf(`addresses: ["127.0.0.1:%[1]d", "127.0.0.2:%[1]d", "127.0.0.3:%[1]d"]`, port)
			for _, w := range []string{want, "active: True", `probe: ["Completed"]`, `stopped: ["Cancelled", "Cancelled", "Cancelled"] False`} {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("driver output lacks %q:\n%s", w, r.stderr)
				}
			}
			checkProbeOutput(t, filepath.Join(dir, "probe", "probe", "probe.out"), port)
			checkNothingLeft(t, dir, "orchestrator_0-run-000")
		})
	}
}

// checkProbeOutput: every key and tensor came back, from a cluster of three shards that each hold
// some of them.
func checkProbeOutput(t *testing.T, path string, port int) {
	t.Helper()
	out := read(t, path)
	for _, k := range []string{"va", "vb", "vc", "vd", "ve", "vf"} {
		if !strings.Contains(out, k+"\n") {
			t.Errorf("probe did not read %s back through redis-cli -c:\n%s", k, out)
		}
	}
	for i := 1; i <= 6; i++ {
		if want := fmt.Sprintf(`{"dtype":"FLOAT","shape":[2],"values":[%d,%d]}`, i, i); !strings.Contains(out, want) {
			t.Errorf("probe did not read tensor t%d back through the Go client:\n%s", i, out)
		}
	}
	wantSSDB := fmt.Sprintf("SSDB=127.0.0.1:%[1]d,127.0.0.2:%[1]d,127.0.0.3:%[1]d SR_DB_TYPE=Clustered", port)
	if !strings.Contains(out, wantSSDB) {
		t.Errorf("probe environment: want %q in\n%s", wantSSDB, out)
	}
	for _, h := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		if strings.Contains(out, h+" holds 0 keys") || !strings.Contains(out, h+" holds ") {
			t.Errorf("shard on %s holds none of the keys:\n%s", h, out)
		}
	}
}

// TestClusterSingleShardInAllocation: one shard lands on the allocation's first node and answers on
// its address; the manifest records node, job id and address.
func TestClusterSingleShardInAllocation(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "probe.star"), probeScript)
	port := clusterPort(t)
	probe := fmt.Sprintf(`redis-cli -h 127.0.0.1 -p %d set k v && "$SSRUN" client exists k`, port)
	r := onCluster(t, dir, 1, "probe.star", "port="+strconv.Itoa(port), "shards=1", "probe="+probe)
	if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf(`addresses: ["127.0.0.1:%d"]`, port)) {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if out := read(t, filepath.Join(dir, "probe", "probe", "probe.out")); out != "OK\ntrue\n" {
		t.Errorf("probe output:\n%s", out)
	}
	m := manifest(t, filepath.Join(dir, "probe"))
	runs := m["runs"].([]any)
	shard := runs[0].(map[string]any)["orchestrator"].([]any)[0].(map[string]any)["shards"].([]any)[0].(map[string]any)
	meta := shard["telemetry_metadata"].(map[string]any)
	if shard["hostname"] != "127.0.0.1" || shard["node"] != "n1" || meta["managed"] != true || meta["job_id"] == "" {
		t.Errorf("manifest shard entry: %v", shard)
	}
	checkNothingLeft(t, dir, "orchestrator_0-run-000")
}

// TestClusterBatchDatabase: batch=True submits one sbatch job whose shards run one per node; the
// driver waits for them, forms the cluster from their addresses, and stop() ends the job.
func TestClusterBatchDatabase(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "probe.star"), probeScript)
	port := clusterPort(t)
	probe := "PORT=" + strconv.Itoa(port) + "\n" + clusterProbe
	r := onCluster(t, dir, 0, "probe.star", "port="+strconv.Itoa(port), "shards=3", "batch=1", "probe="+probe)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	want := fmt.Sprintf(`addresses: ["127.0.0.1:%[1]d", "127.0.0.2:%[1]d", "127.0.0.3:%[1]d"]`, port)
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, `probe: ["Completed"]`) {
		t.Fatalf("driver output:\n%s", r.stderr)
	}
	checkProbeOutput(t, filepath.Join(dir, "probe", "probe", "probe.out"), port)
	script := read(t, filepath.Join(dir, "probe", "orchestrator", "orchestrator.sh"))
	for _, w := range []string{"#SBATCH --nodes=3\n", `scontrol show hostnames "$SLURM_JOB_NODELIST"`, `--nodelist="${ssrun_nodes[2]}"`} {
		if !strings.Contains(script, w) {
			t.Errorf("batch script lacks %q:\n%s", w, script)
		}
	}
	checkNothingLeft(t, dir, "orchestrator-run-000")
}

// TestClusterKeyPrefixExample runs examples/keyprefix/keyprefix_cluster.star in an allocation: the
// database on all three nodes, producers and consumer as srun steps.
func TestClusterKeyPrefixExample(t *testing.T) {
	requireCluster(t)
	root := examplesCopy(t)
	dir := filepath.Join(root, "examples", "keyprefix")
	port := clusterPort(t)
	script := strings.Replace(read(t, filepath.Join(dir, "keyprefix_cluster.star")), "port=6379", "port="+strconv.Itoa(port), 1)
	write(t, filepath.Join(dir, "kp.star"), script)
	r := onCluster(t, dir, 3, "kp.star")
	if r.code != 0 || !strings.Contains(r.stderr, `statuses: ["Completed", "Completed", "Completed"]`) {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	want := "SSKEYIN=producer_0,producer_1\n" +
		"producer_0.tensor was found: True\n" + `{"dtype":"INT64","shape":[4],"values":[1,2,3,4]}` + "\n" +
		"producer_1.tensor was found: True\n" + `{"dtype":"INT64","shape":[4],"values":[1,2,3,4]}` + "\n"
	if got := read(t, filepath.Join(dir, "keyprefix-cluster", "consumer", "consumer.out")); got != want {
		t.Errorf("consumer.out:\n%s\nwant:\n%s", got, want)
	}
	checkNothingLeft(t, filepath.Join(dir, "keyprefix-cluster"), "orchestrator_0-run-000")
}

// TestClusterDatabaseBadInput: too few nodes, an interface the nodes lack, a port taken on one node:
// each a SmartSimError naming the node and the shard's output file, exit 1, nothing left running.
func TestClusterDatabaseBadInput(t *testing.T) {
	requireCluster(t)
	cases := []struct {
		name   string
		nodes  int
		vars   []string
		setup  func(t *testing.T, port int)
		wantRE string
	}{
		{name: "too few nodes", nodes: 2, vars: []string{"shards=3"},
			wantRE: `SmartSimError: Database orchestrator needs 3 nodes, one per shard, but allocation \d+ has 2 \(n\d, n\d\): ask for 3 nodes or lower db_nodes`},
		{name: "unknown interface", nodes: 1, vars: []string{"shards=1", "iface=ib9"},
			wantRE: `SmartSimError: Database orchestrator failed to start: database shard orchestrator_0 on node (n\d) exited during start \(Failed, exit code 1\); see its output \S+orchestrator_0\.out and \S+orchestrator_0\.err\nlast line of orchestrator_0\.err: ssrun db: interface ib9 not found on node n\d \(it has `},
		{name: "port taken on n2", nodes: 3, vars: []string{"shards=3", "single=0"},
			setup: func(t *testing.T, port int) {
				ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
			},
			wantRE: `database shard orchestrator_1 on node n2 exited during start \(Failed, exit code 1\); see its output \S+orchestrator_1\.out and \S+orchestrator_1\.err\nlast line of orchestrator_1\.err: ssrun db: listen on 127\.0\.0\.2:\d+: .*bind: address already in use\nlast line of \S+orchestrator_1\.launcher\.err: srun: error: n2: task 0: Exited with exit code 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "probe.star"), probeScript)
			port := clusterPort(t)
			if c.setup != nil {
				c.setup(t, port)
			}
			vars := append([]string{"port=" + strconv.Itoa(port), "probe=true", "iface=none"}, c.vars...)
			r := onCluster(t, dir, c.nodes, "probe.star", vars...)
			if r.code != 1 || !regexp.MustCompile(c.wantRE).MatchString(r.stderr) {
				t.Fatalf("exit %d, want 1 and an error matching %s:\n%s", r.code, c.wantRE, r.stderr)
			}
			checkNothingLeft(t, dir, "orchestrator_0-run-000")
		})
	}
}

// TestClusterBatchEnsembleWithBatchDatabase: a batch ensemble whose members (srun steps inside their
// sbatch job) put tensors into a 3-shard batch database through the Go client: SSDB, which holds
// commas, reaches every member, and every tensor lands under its member's prefix. A batch model then
// runs a script the driver stored into the database before submitting it.
func TestClusterBatchEnsembleWithBatchDatabase(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ens.star"), `
exp = Experiment("ensdb", launcher="slurm")
db = exp.create_database(port=int(vars["port"]), db_nodes=3, batch=True, interface=None)
exp.generate(db, overwrite=True)
exp.start(db)
rs = exp.create_run_settings(exe=vars["ssrun"], exe_args=["client", "put-tensor", "t", "--dtype", "INT64", "7"],
                             run_command="srun", run_args={"nodes": 1, "ntasks": 1})
ens = exp.create_ensemble("ens", replicas=4, run_settings=rs, batch_settings=exp.create_batch_settings(nodes=2, time="00:05:00"))
ens.enable_key_prefixing()
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
print("members:", exp.get_status(ens))
scripted = exp.create_model("scripted", exp.create_run_settings(exe="sh", run_command="srun", run_args={"nodes": 1},
    exe_args=["-c", '"$SSRUN" client put-tensor x --dtype INT64 1 2 3 && "$SSRUN" client run-script double --fn double --inputs x --outputs y && "$SSRUN" client get-tensor y --format json']),
    batch_settings=exp.create_batch_settings(nodes=1, time="00:05:00"))
scripted.add_script("double", script="def double(x):\n    return x * 2\n")
exp.generate(scripted, overwrite=True)
exp.start(scripted, block=True)
print("scripted:", exp.get_status(scripted))
check = exp.create_model("check", exp.create_run_settings(exe="sh", run_command=None,
    exe_args=["-c", 'for m in ens_0 ens_1 ens_2 ens_3; do "$SSRUN" client exists $m.t; done']))
exp.generate(check, overwrite=True)
exp.start(check, block=True)
exp.stop(db)
`)
	port := clusterPort(t)
	r := onCluster(t, dir, 0, "ens.star", "port="+strconv.Itoa(port), "ssrun="+ssrunBin)
	if r.code != 0 || !strings.Contains(r.stderr, `members: ["Completed", "Completed", "Completed", "Completed"]`) {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if out := read(t, filepath.Join(dir, "ensdb", "check", "check.out")); out != "true\ntrue\ntrue\ntrue\n" {
		t.Errorf("tensors found by the check model:\n%s", out)
	}
	// The script was stored into the batch database before the batch model that runs it started.
	if out := read(t, filepath.Join(dir, "ensdb", "scripted", "scripted.out")); out != `{"dtype":"INT64","shape":[3],"values":[2,4,6]}`+"\n" {
		t.Errorf("scripted model output:\n%s\ndriver:\n%s", out, r.stderr)
	}
	checkNothingLeft(t, dir, "orchestrator-run-000")
}

// resumeBatchDriver is a 6-member batch ensemble whose members (plain processes of the batch job)
// append their name to a shared log and exit with their code (ens_5 exits 7); ens_2 to ens_5 first
// wait until the test creates the file "release" beside the driver.
const resumeBatchDriver = `
exp = Experiment("resumed", launcher="slurm")
rs = exp.create_run_settings(exe="sh", exe_args=["member.sh"], run_command=None)
ens = exp.create_ensemble("ens", params={"w": [0, 0, 1, 1, 1, 1], "c": [0, 0, 0, 0, 0, 7]}, perm_strategy="step",
                          run_settings=rs, batch_settings=exp.create_batch_settings(nodes=1, time="00:05:00"))
ens.attach_generator_files(to_configure=["member.sh"])
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
for m in ens:
    print("member", m.name, exp.get_status(m))
`

// TestClusterResumeFollowsBatchJob: the driver of a batch ensemble is killed with SIGKILL right after
// sbatch; `ssrun --resume` submits nothing: it follows the job by its id (members that ended while no
// driver watched are read from the job's exit-code file, the others followed to their end), every
// member runs exactly once, ens_5 is Failed with its code 7, and nothing is left in the queue.
func TestClusterResumeFollowsBatchJob(t *testing.T) {
	requireCluster(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "log.txt")
	write(t, filepath.Join(dir, "resume.star"), resumeBatchDriver)
	release := filepath.Join(dir, "release")
	write(t, filepath.Join(dir, "member.sh"), "i=0\nwhile [ ;w; = 1 ] && [ ! -e "+release+" ] && [ $i -lt 1200 ]\ndo\n  sleep 0.1\n  i=$((i+1))\ndone\n"+
		"echo \"$(basename \"$PWD\")\" >> "+logPath+"\nexit ;c;\n")
	cmd := exec.Command(ssrunBin, "resume.star")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SSRUN_WLM_INTERVAL=200ms")
	var first bytes.Buffer
	cmd.Stderr = &first
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, "resumed", ".smartsim", "telemetry", "journal.jsonl")
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(readIfAny(journal), `"ev":"started"`) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the batch job was never submitted:\n%s", first.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	job := regexp.MustCompile(`"ev":"started","run":"run-000","name":"ens_0","job":"(\d+)"`).FindStringSubmatch(readIfAny(journal))
	if job == nil {
		t.Fatalf("no job id in the journal:\n%s", readIfAny(journal))
	}
	t.Cleanup(func() { exec.Command("scancel", job[1]).Run() })
	// Let the two short members end while no driver watches.
	for strings.Count(readIfAny(logPath), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}

	plan := ssrun(t, dir, "--dry-run", "--resume", "resume.star")
	if !strings.Contains(plan.stdout, "ens_2: attach (still running (job "+job[1]+" since run-000): re-attached)") {
		t.Errorf("dry-run --resume does not say it follows job %s:\n%s\n%s", job[1], plan.stdout, plan.stderr)
	}
	resume := exec.Command(ssrunBin, "--resume", "resume.star")
	resume.Dir = dir
	resume.Env = cmd.Env
	var out syncBuffer
	resume.Stdout, resume.Stderr = &out, &out
	if err := resume.Start(); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(out.String(), "re-attached") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	write(t, release, "") // the followed members end now, under the resumed driver
	err = resume.Wait()
	if err != nil || !strings.Contains(out.String(), "resume: 0 to run, 2 skipped (unchanged), 4 re-attached") {
		t.Fatalf("ssrun --resume: %v\n%s\nfirst driver:\n%s", err, out.String(), first.String())
	}
	runs := map[string]int{}
	for _, name := range strings.Fields(readIfAny(logPath)) {
		runs[name]++
	}
	for i := 0; i < 6; i++ {
		if name := fmt.Sprint("ens_", i); runs[name] != 1 {
			t.Errorf("%s ran %d times, want exactly once (log: %v)", name, runs[name], runs)
		}
	}
	st := ssrun(t, dir, "status", "resumed", "--json")
	var rows []struct {
		Name   string `json:"name"`
		JobID  string `json:"job_id"`
		Status string `json:"status"`
		Code   *int   `json:"return_code"`
	}
	if err := json.Unmarshal([]byte(st.stdout), &rows); err != nil || len(rows) != 6 {
		t.Fatalf("ssrun status --json (%v):\n%s\n%s", err, st.stdout, st.stderr)
	}
	for _, row := range rows {
		want, code := "Completed", 0
		if row.Name == "ens_5" {
			want, code = "Failed", 7
		}
		if row.Status != want || row.Code == nil || *row.Code != code || row.JobID != job[1] {
			t.Errorf("status of %s: %s code %v job %s, want %s code %d job %s", row.Name, row.Status, row.Code, row.JobID, want, code, job[1])
		}
	}
	checkNothingLeft(t, dir, "ens-run-000")
}

// syncBuffer is a bytes.Buffer a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readIfAny is the file's content, "" if it does not exist yet.
func readIfAny(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}
