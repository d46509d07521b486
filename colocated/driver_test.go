package colocated

// A driver script with colocated models, run by the ssrun binary on the local launcher the way a
// user runs it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

const localDriver = `load("@stdlib//assert.star", "assert")
exp = Experiment("colo", launcher="local")
app = vars["ssrun"] + " client put-tensor x 1 2 3 && " + vars["ssrun"] + " client run-script double --fn double --inputs x --outputs y && " + vars["ssrun"] + " client get-tensor y"
sim = exp.create_model("sim", exp.create_run_settings(exe="/bin/sh", exe_args=["-c", app]))
sim.add_script("double", script="def double(x):\n    return x + x\n")
sim.colocate_db_tcp(port=int(vars["port"]), debug=True)
bad = exp.create_model("bad", exp.create_run_settings(exe="/bin/sh", exe_args=["-c", "echo $SSDB_b; exit 7"]))
bad.colocate_db_uds(unix_socket=vars["socket"], db_identifier="b")
exp.generate(sim, bad)
exp.start(sim, bad, block=True)
assert.eq(exp.get_status(sim, bad), ["Completed", "Failed"])
rows = {r["Name"]: r["Returncode"] for r in json.decode(exp.summary(style="json"))}
assert.eq(rows, {"sim": 0, "bad": 7})
`

// TestLocalDriverWithColocatedModels: a model stores a tensor and runs a script through its colocated
// database, another exits 7 and is Failed with that code; both databases are gone afterwards.
func TestLocalDriverWithColocatedModels(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "colo.star"), localDriver)
	port, sock := ssruntest.FreePort(t), filepath.Join(dir, "bad.sock")
	cmd := exec.Command(ssrunBin, "-D", "ssrun="+ssrunBin, "-D", "port="+strconv.Itoa(port), "-D", "socket="+sock, "colo.star")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for name, want := range map[string]string{"sim": "2 4 6\n", "bad": "unix://" + sock + "\n"} {
		got, _ := os.ReadFile(filepath.Join(dir, "colo", name, name+".out"))
		if string(got) != want {
			t.Errorf("%s.out = %q, want %q", name, got, want)
		}
	}
	// The manifest records each colocated database as SmartSim's does.
	b, err := os.ReadFile(filepath.Join(dir, "colo", ".smartsim", "telemetry", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Runs []struct {
			Model []struct {
				Name        string         `json:"name"`
				ColocatedDB map[string]any `json:"colocated_db"`
			} `json:"model"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil || len(manifest.Runs) != 1 || len(manifest.Runs[0].Model) != 2 {
		t.Fatalf("manifest: %v\n%s", err, b)
	}
	for _, m := range manifest.Runs[0].Model {
		doc, _ := json.Marshal(m.ColocatedDB)
		want := map[string]string{
			"sim": fmt.Sprintf(`{"models":[],"scripts":[{"double":{"backend":"TORCH","device":"CPU"}}],"settings":{"cpus":1,"custom_pinning":"0","db_identifier":"","debug":true,"extra_db_args":{},"ifname":"lo","port":%d,"rai_args":{}}}`, port),
			"bad": fmt.Sprintf(`{"models":[],"scripts":[],"settings":{"cpus":1,"custom_pinning":"0","db_identifier":"b","debug":false,"extra_db_args":{},"port":0,"rai_args":{},"socket_permissions":755,"unix_socket":%q}}`, sock),
		}[m.Name]
		if string(doc) != want {
			t.Errorf("manifest colocated_db of %s:\n%s\nwant\n%s", m.Name, doc, want)
		}
	}
	// debug=True keeps the database's log in the step's status directory; without it, nothing.
	logs, _ := filepath.Glob(filepath.Join(dir, "colo", ".smartsim", "telemetry", "colo", "*", "model", "*", "*_colocated_db-*.log"))
	if len(logs) != 1 || filepath.Base(filepath.Dir(logs[0])) != "sim" {
		t.Errorf("database logs %v, want sim's only", logs)
	} else if b, _ := os.ReadFile(logs[0]); !strings.Contains(string(b), "accepting connections on 127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("%s:\n%s", logs[0], b)
	}
	for _, addr := range []string{"127.0.0.1:" + strconv.Itoa(port), "unix://" + sock} {
		if answers(addr) {
			t.Errorf("the colocated database at %s still answers", addr)
		}
	}
}

const interruptedDriver = `exp = Experiment("colo", launcher="local")
rs = exp.create_run_settings(exe="/bin/sh", exe_args=["-c", "echo $$ > app.pid; exec sleep 60"])
m = exp.create_model("sim", rs)
m.colocate_db_uds(unix_socket=vars["socket"])
exp.generate(m)
exp.start(m, block=True)
`

// TestSIGINTLeavesNothingRunning: Ctrl-C on the driver stops the model's step; the wrapper, its
// program and its database are all gone.
func TestSIGINTLeavesNothingRunning(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "colo.star"), interruptedDriver)
	sock := filepath.Join(dir, "sim.sock")
	cmd := exec.Command(ssrunBin, "-D", "socket="+sock, "colo.star")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "colo", "sim", "app.pid")
	var appPID int
	for deadline := time.Now().Add(30 * time.Second); appPID == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the program did not start\n%s", out.String())
		}
		b, _ := os.ReadFile(pidFile)
		appPID, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	pids := []int{appPID}
	for _, pid := range processesMentioning(t, sock) {
		if pid != cmd.Process.Pid { // the wrapper and its database
			pids = append(pids, pid)
		}
	}
	if len(pids) < 3 { // the program, the wrapper, the database (and whatever the launcher puts in front)
		var cmdlines []string
		for _, pid := range pids {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			cmdlines = append(cmdlines, strconv.Itoa(pid)+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
		t.Fatalf("want the program, the wrapper and the database, found only\n%s", strings.Join(cmdlines, "\n"))
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("driver exit %d (%v), want 130\n%s", code, err, out.String())
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d is still running after the driver was interrupted", pid)
		}
	}
	if answers("unix://" + sock) {
		t.Error("the database still answers")
	}
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(t *testing.T, s string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(b, []byte(s)) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether pid is a process that has not exited (zombies count as gone).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}
