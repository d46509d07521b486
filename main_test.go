package main

// End-to-end tests: they build the real ssrun binary and run it the way a user does, checking exit
// codes, files, statuses, manifests and plans. This file: the binary, helpers, and the command line.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/ssrun/ssrun/internal/ssruntest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ssrunBin is the binary built once by TestMain.
var ssrunBin string

func TestMain(m *testing.M) { ssruntest.Main(m, "ssrun-e2e-", &ssrunBin) }

// result is one ssrun invocation.
type result struct {
	code           int
	stdout, stderr string
}

// runTimeout bounds one ssrun invocation; every script here finishes in well under a second.
const runTimeout = 60 * time.Second

// ssrun runs the binary in dir with args. An invocation that hangs gets SIGQUIT, so the test fails
// with the Go runtime's goroutine dump instead of waiting for the test binary's timeout.
func ssrun(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ssrunBin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ssrun %v hung for %v:\n%s", args, runTimeout, stderr.String())
	}
	var exitErr *exec.ExitError
	code := 0
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running ssrun %v: %v", args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// examplesCopy copies examples/ into a fresh directory (so runs write nowhere in the repository) and
// returns the directory holding the copy, named examples/.
func examplesCopy(t *testing.T) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-R", "examples", root).CombinedOutput(); err != nil {
		t.Fatalf("copy examples: %v\n%s", err, out)
	}
	return root
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVersion(t *testing.T) {
	r := ssrun(t, ".", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ssrun ") {
		t.Fatalf("ssrun version: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ok.star"), "")
	cases := map[string][]string{
		"no script":         nil,
		"unknown flag":      {"--bogus", "ok.star"},
		"two scripts":       {"ok.star", "ok.star"},
		"missing script":    {"nope.star"},
		"bad plan format":   {"--plan-format", "yaml", "ok.star"},
		"bad define":        {"-D", "novalue", "ok.star"},
		"bad script arg":    {"ok.star", "--", "novalue"},
		"status two dirs":   {"status", "a", "b"},
		"version extra arg": {"version", "x"},
	}
	for name, args := range cases {
		r := ssrun(t, dir, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%s: exit %d stderr %q, want 2 with a message", name, r.code, r.stderr)
		}
	}
	if r := ssrun(t, dir, "--help"); r.code != 0 || !strings.Contains(r.stdout, "--dry-run") {
		t.Errorf("--help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestScriptErrorExit1WithBacktrace(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bad.star"), `exp = Experiment("bad")
def make():
    return exp.create_ensemble("e", params={"h": [5]}, perm_strategy="x",
                               run_settings=exp.create_run_settings(exe="true"))
make()
`)
	r := ssrun(t, dir, "bad.star")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"bad.star:5:5: in <toplevel>", "bad.star:3:31: in make",
		"Error in create_ensemble: SSUnsupportedError: Permutation strategy given is not supported: x"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		t.Errorf("a failed script created its experiment directory (err %v)", err)
	}
}

func TestDefinesAndScriptArgsReachVars(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "v.star"), `load("@stdlib//assert.star", "assert")
assert.eq(vars, {"a": "1", "b": "two", "c": "x=y"})
`)
	if r := ssrun(t, dir, "-D", "a=1", "--define", "b=two", "v.star", "--", "c=x=y"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestLauncherFlagResolvesAuto: launcher="auto" is --launcher when given; otherwise a real run detects
// the workload manager on PATH (here a directory of Slurm's commands, or none), and a dry run is local
// whatever the machine has, so plans do not depend on it. The plan records the resolved name.
func TestLauncherFlagResolvesAuto(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "l.star"), `load("@stdlib//assert.star", "assert")
exp = Experiment("x", launcher="auto")
assert.eq(exp.launcher, vars["want"])
`)
	slurmBin, emptyBin := t.TempDir(), t.TempDir()
	for _, cmd := range []string{"sacct", "srun", "salloc", "sbatch", "scancel", "sstat", "sinfo"} {
		if err := os.WriteFile(filepath.Join(slurmBin, cmd), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path string
		args []string
		want string
	}{
		{slurmBin, nil, "slurm"},
		{emptyBin, nil, "local"},
		{slurmBin, []string{"--dry-run"}, "local"},
		{slurmBin, []string{"--launcher", "local"}, "local"},
		{emptyBin, []string{"--launcher", "slurm", "--dry-run"}, "slurm"},
	} {
		args := append(append([]string{"--plan-format", "json", "-D", "want=" + c.want}, c.args...), "l.star")
		r := ssrunWithPath(t, dir, c.path, args...)
		if r.code != 0 || !strings.Contains(r.stdout, `"launcher": "`+c.want+`"`) {
			t.Errorf("ssrun %v with PATH=%s: exit %d, want the plan to record %s\n%s%s", c.args, filepath.Base(c.path), r.code, c.want, r.stdout, r.stderr)
		}
	}
}

// ssrunWithPath runs ssrun with PATH set to path only.
func ssrunWithPath(t *testing.T, dir, path string, args ...string) result {
	t.Helper()
	cmd := exec.Command(ssrunBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running ssrun %v: %v", args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestSeedDrivesRandomExpansion(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "r.star"), `exp = Experiment("r")
rs = exp.create_run_settings(exe="true")
ens = exp.create_ensemble("ens", params={"h": list(range(50))}, run_settings=rs, perm_strategy="random", n_models=5)
exp.generate(ens)
`)
	plan := func(seed string) string {
		r := ssrun(t, dir, "--dry-run", "--plan-format", "json", "--seed", seed, "r.star")
		if r.code != 0 {
			t.Fatalf("--seed %s: exit %d\n%s", seed, r.code, r.stderr)
		}
		return r.stdout
	}
	one, again, two := plan("1"), plan("1"), plan("2")
	if one != again {
		t.Errorf("the same seed gave different plans:\n%s", cmp.Diff(one, again))
	}
	if one == two {
		t.Errorf("seeds 1 and 2 gave the same members")
	}
	if !strings.Contains(two, `"seed": 2`) {
		t.Errorf("plan does not record the seed:\n%s", two)
	}
}

func TestDetachLeavesJobsRunning(t *testing.T) {
	dir := t.TempDir()
	marker := fmt.Sprintf("%d.25", 200+os.Getpid()%1000)
	write(t, filepath.Join(dir, "d.star"), `exp = Experiment("d")
m = exp.create_model("m", exp.create_run_settings(exe="sleep", exe_args="`+marker+`"))
exp.start(m, block=False)
`)
	if r := ssrun(t, dir, "--detach", "d.star"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	// The job, and the `ssrun member` wrapper that records its end (which may still be starting it).
	var left, jobs []string
	for deadline := time.Now().Add(5 * time.Second); len(jobs) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		left = processesWithArg(marker)
		for _, pid := range left {
			if comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm")); strings.TrimSpace(string(comm)) == "sleep" {
				jobs = append(jobs, pid)
			}
		}
	}
	for _, pid := range left {
		if n, err := strconv.Atoi(pid); err == nil {
			syscall.Kill(n, syscall.SIGKILL)
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("%d detached jobs running, want 1 (processes with the marker: %v)", len(jobs), left)
	}
	// Without --detach the same script stops its job at the end.
	if r := ssrun(t, dir, "d.star"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if left := processesWithArg(marker); len(left) != 0 {
		t.Fatalf("job left running at script end: %v", left)
	}
}

func TestLogLevelAndStepLimitFlags(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "log.star"), `log = get_logger("L")
log.debug("dbg")
print("inf")
log.warning("wrn")
`)
	for flag, want := range map[string][]string{
		"-v": {"DEBUG [L] dbg", "inf", "WARNING [L] wrn"},
		"":   {"inf", "WARNING [L] wrn"},
		"-q": {"WARNING [L] wrn"},
	} {
		args := []string{"log.star"}
		if flag != "" {
			args = append([]string{flag}, args...)
		}
		r := ssrun(t, dir, args...)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("%q: exit %d, stdout %q", flag, r.code, r.stdout)
		}
		if got := strings.Count(r.stderr, "\n"); got != len(want) {
			t.Errorf("%q: %d log lines, want %d:\n%s", flag, got, len(want), r.stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%q: log lacks %q:\n%s", flag, w, r.stderr)
			}
		}
	}
	write(t, filepath.Join(dir, "loop.star"), "while True:\n    pass\n")
	if r := ssrun(t, dir, "--max-steps", "5000", "loop.star"); r.code != 1 || !strings.Contains(r.stderr, "too many steps") {
		t.Errorf("--max-steps: exit %d, want 1 with a step-limit error:\n%s", r.code, r.stderr)
	}
}
