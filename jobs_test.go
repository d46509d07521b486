package main

// End-to-end tests of real jobs: signals, --detach, statuses and generation on disk.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// processesWithArg returns the PIDs whose command line contains arg.
func processesWithArg(arg string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(cmdline), "\x00") {
			if a == arg {
				pids = append(pids, e.Name())
			}
		}
	}
	return pids
}

func TestSIGINTDuringBlockingStartStopsEveryJob(t *testing.T) {
	dir := t.TempDir()
	marker := fmt.Sprintf("%d.5", 100+os.Getpid()%1000) // a sleep duration no other process uses
	write(t, filepath.Join(dir, "long.star"), `exp = Experiment("long")
rs = exp.create_run_settings(exe="sleep", exe_args="`+marker+`")
model = exp.create_model("model", rs)
ens = exp.create_ensemble("ens", replicas=2, run_settings=rs)
exp.start(model, ens, block=True)
`)
	cmd := exec.Command(ssrunBin, "long.star")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(processesWithArg(marker)) < 3 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the 3 jobs did not start; running: %v\n%s", processesWithArg(marker), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-time.After(runTimeout):
		cmd.Process.Signal(syscall.SIGQUIT)
		<-waited
		t.Fatalf("ssrun did not exit after SIGINT:\n%s", stderr.String())
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Fatalf("ssrun ended with %v, want exit 130\n%s", err, stderr.String())
	}
	if left := processesWithArg(marker); len(left) > 0 {
		t.Fatalf("processes left behind after SIGINT: %v", left)
	}
	raw := read(t, filepath.Join(dir, "long", ".smartsim", "telemetry", "manifest.json"))
	if n := len(regexp.MustCompile(`"status":\s*"Cancelled"`).FindAllString(raw, -1)); n != 3 {
		t.Fatalf("manifest records %d Cancelled jobs, want 3:\n%s", n, raw)
	}
}

// TestRealRunLifecycle drives SmartSim's status cases with real processes from an assert-style script
// (reference §8 cases 16, 18, 19, 31).
func TestRealRunLifecycle(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "life.star"), `load("@stdlib//assert.star", "assert")
exp = Experiment("life")

# 16. non-blocking sleep: not finished; stop: finished, Cancelled.
sleeper = exp.create_model("sleeper", exp.create_run_settings(exe="sleep", exe_args="30"))
exp.start(sleeper, block=False)
assert.eq(exp.finished(sleeper), False)
assert.eq(exp.get_status(sleeper), [status.RUNNING])
exp.stop(sleeper)
assert.true(exp.finished(sleeper))
assert.eq(exp.get_status(sleeper), [status.CANCELLED])

# 18. a non-zero exit is Failed.
failing = exp.create_model("failing", exp.create_run_settings(exe="false"))
exp.start(failing, block=True)
assert.eq(exp.get_status(failing), ["Failed"])

# 19. M1 non-blocking, then M2 blocking: both Completed in the end.
m1 = exp.create_model("m1", exp.create_run_settings(exe="sleep", exe_args="0.2"))
m2 = exp.create_model("m2", exp.create_run_settings(exe="true"))
exp.start(m1, block=False)
assert.ne(exp.get_status(m1), ["Failed"])
exp.start(m2, block=True)
exp.poll(interval=1, verbose=False)
assert.eq(exp.get_status(m1, m2), ["Completed", "Completed"])

# 31. regenerate and restart with new arguments: a new output file, the old one kept.
rs = exp.create_run_settings(exe="echo", exe_args="spam eggs")
echo = exp.create_model("echo", rs)
exp.generate(echo, overwrite=True)
exp.start(echo, block=True)
rs.exe_args = ["hello", "world"]
exp.generate(echo, overwrite=True)
exp.start(echo, block=True)
assert.eq([r["RunID"] for r in json.decode(exp.summary(style="json")) if r["Name"] == "echo"], [0, 1])
`)
	r := ssrun(t, dir, "life.star")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	link := filepath.Join(dir, "life", "echo", "echo.out")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, link); got != "hello world\n" {
		t.Errorf("%s holds %q, want the second run's output", link, got)
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "life", ".smartsim", "telemetry", "life", "run-*", "model", "echo", "echo.out"))
	if len(outs) != 2 {
		t.Fatalf("echo has %d output files, want 2: %v", len(outs), outs)
	}
	for _, out := range outs {
		if out != target && read(t, out) != "spam eggs\n" {
			t.Errorf("first run's output %s holds %q, want spam eggs", out, read(t, out))
		}
	}
}

// TestRealGeneration checks generation's files on disk (reference §8 cases 15, 23-26).
func TestRealGeneration(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sleep.py"), "print('zz')\n")
	write(t, filepath.Join(dir, "data", "big.bin"), "data\n")
	write(t, filepath.Join(dir, "tmpl", "test.in"), "a @PARAM0@ b @PARAM1@\n")
	write(t, filepath.Join(dir, "tmpl", "test_dir_1", "nested_0", "tagged_0.sh"), "echo \"Hello with parameter 0 = @PARAM0@\"\n")
	write(t, filepath.Join(dir, "tmpl", "test_dir_1", "nested_1", "tagged_1.sh"), "echo \"Hello with parameter 1 = @PARAM1@\"\n")
	write(t, filepath.Join(dir, "hello.sh"), "#!/bin/sh\necho \"My two parameters are ;port; and ;password;, OK?\"\n")
	write(t, filepath.Join(dir, "gen.star"), `exp = Experiment("gen")
rs = exp.create_run_settings(exe="true")
model = exp.create_model("model", rs)
model.attach_generator_files(to_copy=["sleep.py"], to_symlink=["data"])
ens = exp.create_ensemble("test", params={"PARAM0": [0, 1], "PARAM1": [2, 3]}, run_settings=rs)
ens.attach_generator_files(to_configure=["tmpl"])
exp.generate(model, ens, tag="@")
here = exp.create_model("here", rs, path="./x")

hello = exp.create_model("hello", exp.create_run_settings(exe="sh", exe_args="hello.sh"),
                         params={"port": 6379, "password": "unbreakable_password"})
hello.attach_generator_files(to_configure="hello.sh")
exp.generate(hello)
exp.start(model, hello, here, block=True)
`)
	if r := ssrun(t, dir, "gen.star"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	exp := filepath.Join(dir, "gen")
	if got := read(t, filepath.Join(exp, "model", "sleep.py")); got != "print('zz')\n" {
		t.Errorf("copied sleep.py holds %q", got)
	}
	if target, err := os.Readlink(filepath.Join(exp, "model", "data")); err != nil || target != filepath.Join(dir, "data") {
		t.Errorf("data symlink -> %q (%v), want %s", target, err, filepath.Join(dir, "data"))
	}
	for i, want := range map[int][2]string{
		0: {"a 0 b 2\n", "echo \"Hello with parameter 0 = 0\"\n"},
		1: {"a 0 b 3\n", "echo \"Hello with parameter 0 = 0\"\n"},
		3: {"a 1 b 3\n", "echo \"Hello with parameter 0 = 1\"\n"},
	} {
		member := filepath.Join(exp, "test", fmt.Sprintf("test_%d", i))
		if got := read(t, filepath.Join(member, "test.in")); got != want[0] {
			t.Errorf("test_%d/test.in = %q, want %q", i, got, want[0])
		}
		if got := read(t, filepath.Join(member, "test_dir_1", "nested_0", "tagged_0.sh")); got != want[1] {
			t.Errorf("test_%d nested_0/tagged_0.sh = %q, want %q", i, got, want[1])
		}
	}
	if got := read(t, filepath.Join(exp, "test", "test_1", "test_dir_1", "nested_1", "tagged_1.sh")); got != "echo \"Hello with parameter 1 = 3\"\n" {
		t.Errorf("test_1 nested_1/tagged_1.sh = %q", got)
	}
	if got := read(t, filepath.Join(exp, "hello", "hello.out")); !strings.Contains(got, "My two parameters are 6379 and unbreakable_password, OK?") {
		t.Errorf("hello.out = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "x", "here.out")); err != nil {
		t.Errorf("model with path=./x did not run in %s: %v", filepath.Join(dir, "x"), err)
	}
}
