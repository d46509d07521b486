package colocated

// Colocated models on the real three-node Slurm of ci/setup-slurm.sh (n1, n2, n3 on 127.0.0.1-3, one
// machine): the driver runs inside an allocation (salloc) and each model is an srun step whose
// wrapper starts the database on the step's node.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// requireSlurm skips when no three-node Slurm answers here, and fails under CI, which must never skip.
func requireSlurm(t *testing.T) {
	t.Helper()
	out, err := exec.Command("sinfo", "-h", "-N", "-o", "%N %T").Output()
	if err == nil && len(regexp.MustCompile(`(?m)^n[123] (idle|mix|alloc)`).FindAll(out, -1)) == 3 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the three-node Slurm is required under CI but sinfo does not show n1-n3 (%v); ci/setup-slurm.sh should have started it", err)
	}
	t.Skip("no three-node Slurm answers sinfo; run ci/setup-slurm.sh as root")
}

// slurmDriver: "tcp" is one srun step on n1 with a TCP database that stores a script; "a" and "b" are
// steps on n2 and n3 whose databases listen on distinct Unix sockets (the test nodes share one
// loopback interface); "pair" is one step of two ranks on n3 sharing that node's database, started by
// local rank 0 only; "fails" exits 7 on n1.
const slurmDriver = `load("@stdlib//assert.star", "assert")
exp = Experiment("colo", launcher="slurm")
ssrun = vars["ssrun"]

def step(name, node, app, ntasks=1):
    rs = exp.create_run_settings(exe="/bin/sh", exe_args=["-c", app], run_command="srun")
    rs.set_nodes(1)
    rs.set_tasks(ntasks)
    rs.set("nodelist", node)
    return exp.create_model(name, rs)

tcp = step("tcp", "n1", "echo $SLURMD_NODENAME $SSDB; " + ssrun + " client put-tensor x 1 2 3 && " + ssrun + " client run-script double --fn double --inputs x --outputs y && " + ssrun + " client get-tensor y")
tcp.add_script("double", script="def double(x):\n    return x + x\n")
tcp.colocate_db_tcp(port=int(vars["port"]))

models = [tcp]
for name, node in [("a", "n2"), ("b", "n3")]:
    m = step(name, node, "echo $SLURMD_NODENAME $SSDB; " + ssrun + " client put-tensor " + name + " 1 && echo $(" + ssrun + " client exists a) $(" + ssrun + " client exists b)")
    m.colocate_db_uds(unix_socket=vars["dir"] + "/" + name + ".sock")
    models.append(m)

pair = step("pair", "n3", "sleep 0.$SLURM_LOCALID; " + ssrun + " client put-tensor r$SLURM_LOCALID 1 && " + ssrun + " client poll r$((1 - SLURM_LOCALID)) --tries 200 --interval 50 && echo rank $SLURM_LOCALID saw both", ntasks=2)
pair.colocate_db_uds(unix_socket=vars["dir"] + "/pair.sock")
models.append(pair)

fails = step("fails", "n1", "exit 7")
fails.colocate_db_uds(unix_socket=vars["dir"] + "/fails.sock")
models.append(fails)

exp.generate(*models)
exp.start(block=True, *models)
print(exp.get_status(*models))
rows = {r["Name"]: r["Returncode"] for r in json.decode(exp.summary(style="json"))}
assert.eq(exp.get_status(*models), ["Completed", "Completed", "Completed", "Completed", "Failed"])
assert.eq(rows["fails"], 7)
`

func TestColocatedModelsOnSlurm(t *testing.T) {
	requireSlurm(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "colo.star"), slurmDriver)
	port := ssruntest.FreePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "salloc", "-N", "3", "--ntasks-per-node", "2", "-t", "5", "-J", "ssrun-colocated-test",
		ssrunBin, "-D", "ssrun="+ssrunBin, "-D", "port="+strconv.Itoa(port), "-D", "dir="+dir, "colo.star")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("salloc ssrun colo.star: %v\n%s", err, out)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, "colo", name, name+".out"))
		return string(b)
	}
	if got, want := read("tcp"), "n1 127.0.0.1:"+strconv.Itoa(port)+"\n2 4 6\n"; got != want {
		t.Errorf("tcp.out = %q, want %q", got, want)
	}
	for name, c := range map[string]struct{ node, exists string }{"a": {"n2", "true false"}, "b": {"n3", "false true"}} {
		// Each member's database holds its own tensor only.
		if got, want := read(name), c.node+" unix://"+dir+"/"+name+".sock\n"+c.exists+"\n"; got != want {
			t.Errorf("%s.out = %q, want %q", name, got, want)
		}
	}
	pair := read("pair")
	if !strings.Contains(pair, "rank 0 saw both") || !strings.Contains(pair, "rank 1 saw both") {
		t.Errorf("pair.out = %q: the two ranks did not share their node's database", pair)
	}
	for _, addr := range []string{"127.0.0.1:" + strconv.Itoa(port), "unix://" + dir + "/a.sock", "unix://" + dir + "/b.sock", "unix://" + dir + "/pair.sock"} {
		if answers(addr) {
			t.Errorf("the colocated database at %s still answers after its step ended", addr)
		}
	}
	if left := processesMentioning(t, dir+"/"); len(left) > 0 {
		t.Errorf("processes still running from the test directory: %v", left)
	}
}

// slurmBatchDriver: a batch ensemble whose two members, one per node, each run their own database on
// a Unix socket; member 1 exits 7 and is Failed with that code.
const slurmBatchDriver = `load("@stdlib//assert.star", "assert")
exp = Experiment("colobatch", launcher="slurm")
ssrun = vars["ssrun"]
rs = exp.create_run_settings(exe="/bin/sh", exe_args=["-c", "echo $SLURMD_NODENAME; " + ssrun + " client put-tensor t 5 && " + ssrun + " client get-tensor $SSKEYOUT.t && exit $CODE"], run_command="srun")
rs.set_nodes(1)
ens = exp.create_ensemble("ens", batch_settings=exp.create_batch_settings(nodes=2, time="00:05:00", batch_args={"nodelist": "n[2-3]"}), run_settings=rs, replicas=2)
for i, m in enumerate(ens):
    m.run_settings.set("nodelist", "n%d" % (i + 2))
    m.run_settings.update_env({"CODE": str(7 * i)})
    m.colocate_db_uds(unix_socket=vars["dir"] + "/ens_%d.sock" % i)
exp.generate(ens)
exp.start(ens, block=True)
rows = {r["Name"]: r["Returncode"] for r in json.decode(exp.summary(style="json"))}
assert.eq(exp.get_status(ens), ["Completed", "Failed"])
assert.eq(rows, {"ens_0": 0, "ens_1": 7})
`

func TestColocatedBatchEnsembleOnSlurm(t *testing.T) {
	requireSlurm(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "colo.star"), slurmBatchDriver)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ssrunBin, "-D", "ssrun="+ssrunBin, "-D", "dir="+dir, "colo.star")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ssrun colo.star: %v\n%s", err, out)
	}
	for i, node := range []string{"n2", "n3"} {
		name := "ens_" + strconv.Itoa(i)
		b, _ := os.ReadFile(filepath.Join(dir, "colobatch", "ens", name, name+".out"))
		if got, want := string(b), node+"\n5\n"; got != want {
			t.Errorf("%s.out = %q, want %q", name, got, want)
		}
		if answers("unix://" + dir + "/" + name + ".sock") {
			t.Errorf("the database of %s still answers", name)
		}
	}
}
