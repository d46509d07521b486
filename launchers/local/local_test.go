package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// testGrace keeps stop tests fast while still letting a SIGTERM handler run.
const testGrace = 300 * time.Millisecond

// shJob is a job running a /bin/sh script in dir, with its outputs beside it.
func shJob(dir, name, script string) launchers.Job {
	return launchers.Job{
		Name:   name,
		Argv:   []string{"/bin/sh", "-c", script},
		Env:    []string{"PATH=/usr/bin:/bin"},
		Dir:    dir,
		Stdout: filepath.Join(dir, name+".out"),
		Stderr: filepath.Join(dir, name+".err"),
	}
}

func launch(t *testing.T, l *Launcher, job launchers.Job) launchers.Handle {
	t.Helper()
	h, err := l.Launch(context.Background(), job)
	if err != nil {
		t.Fatalf("Launch(%s): %v", job.Name, err)
	}
	return h
}

// wait blocks until h is done (failing the test after a generous deadline) and returns its result.
func wait(t *testing.T, h launchers.Handle) launchers.Result {
	t.Helper()
	select {
	case <-h.Done():
		return h.Result()
	case <-time.After(20 * time.Second):
		t.Fatalf("job %s did not end", h.ID())
		return launchers.Result{}
	}
}

func newLauncher(t *testing.T) *Launcher {
	l := New(Options{Grace: testGrace})
	t.Cleanup(func() { l.Close() })
	return l
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// waitForFile waits until path holds want: how a test knows a script reached a point (a trap set, a
// child started) before it acts on it.
func waitForFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never contained %q", path, want)
}

// liveMembers lists the processes of group pgid that are still alive (zombies awaiting a reaper are
// dead: they run nothing and hold nothing but a table entry).
func liveMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command: state ppid pgrp ...
		rest := stat[bytes.LastIndexByte(stat, ')')+2:]
		fields := strings.Fields(string(rest))
		if len(fields) > 2 && fields[0] != "Z" && fields[0] != "X" && fields[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// assertGroupGone fails unless every process of group pgid is dead within a moment (SIGKILL is
// delivered asynchronously).
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(liveMembers(pgid)) == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("process group %d still has live members %v", pgid, liveMembers(pgid))
}

func pidOf(t *testing.T, h launchers.Handle) int {
	t.Helper()
	pid, err := strconv.Atoi(h.ID())
	if err != nil {
		t.Fatalf("ID %q is not a PID", h.ID())
	}
	return pid
}

func TestOutputsCwdAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	job := shJob(dir, "model", `echo "out $GREETING"; echo "err line" >&2; pwd; env | sort`)
	job.Env = append(job.Env, "GREETING=hello")
	result := wait(t, launch(t, l, job))

	if want := (launchers.Result{Status: launchers.StatusCompleted, ExitCode: 0}); result != want {
		t.Errorf("result = %+v, want %+v", result, want)
	}
	realDir, _ := filepath.EvalSymlinks(dir)
	wantOut := "out hello\n" + realDir + "\n"
	out := readFile(t, job.Stdout)
	if !strings.HasPrefix(out, wantOut) {
		t.Errorf("stdout = %q, want prefix %q", out, wantOut)
	}
	// The environment is exactly the job's (plus what sh itself sets: PWD, SHLVL, _).
	if strings.Contains(out, "HOME=") {
		t.Errorf("ssrun's environment leaked into the job:\n%s", out)
	}
	if !strings.Contains(out, "GREETING=hello\n") || !strings.Contains(out, "PATH=/usr/bin:/bin\n") {
		t.Errorf("job environment missing from:\n%s", out)
	}
	if got := readFile(t, job.Stderr); got != "err line\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestOutputFilesAreTruncatedAndCanBeShared(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	job := shJob(dir, "m", `echo one; echo two >&2; echo three`)
	job.Stderr = job.Stdout
	if err := os.WriteFile(job.Stdout, []byte("stale content from an earlier run, longer than the new one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait(t, launch(t, l, job))
	if got := readFile(t, job.Stdout); got != "one\ntwo\nthree\n" {
		t.Errorf("shared output = %q", got)
	}

	discard := shJob(dir, "quiet", `echo nobody reads this`)
	discard.Stdout, discard.Stderr = "", ""
	if r := wait(t, launch(t, l, discard)); r.Status != launchers.StatusCompleted {
		t.Errorf("job with discarded outputs: %+v", r)
	}
}

func TestExitCodesAndStatuses(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	cases := []struct {
		job        launchers.Job
		status     launchers.Status
		code       int
		wantReason bool
	}{
		{launchers.Job{Name: "true", Argv: []string{"true"}}, launchers.StatusCompleted, 0, false},
		{launchers.Job{Name: "false", Argv: []string{"false"}}, launchers.StatusFailed, 1, false},
		{shJob(dir, "exit3", "exit 3"), launchers.StatusFailed, 3, false},
		{shJob(dir, "killed", "kill -KILL $$"), launchers.StatusFailed, -9, true},
		{shJob(dir, "terminated", "kill -TERM $$"), launchers.StatusFailed, -15, true},
	}
	for _, c := range cases {
		r := wait(t, launch(t, l, c.job))
		if r.Status != c.status || r.ExitCode != c.code || (r.Err != nil) != c.wantReason {
			t.Errorf("%s: result %+v, want status %s, exit code %d, reason given %v", c.job.Name, r, c.status, c.code, c.wantReason)
		}
	}
}

func TestRunningJobIsItsOwnProcessGroup(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	h := launch(t, l, shJob(dir, "sleeper", "exec sleep 30"))
	pid := pidOf(t, h)
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("getpgid(%d) = %d, %v; want the job leading its own group", pid, pgid, err)
	}
	if r := h.Result(); r.Status != launchers.StatusRunning || r.ExitCode != -1 {
		t.Errorf("result while running = %+v", r)
	}
	select {
	case <-h.Done():
		t.Fatal("Done closed while the job runs")
	default:
	}
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if r := h.Result(); r.Status != launchers.StatusCancelled || r.ExitCode != -15 {
		t.Errorf("result after Stop = %+v, want Cancelled with exit code -15", r)
	}
}

func TestStopEndsTheWholeGroup(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	job := shJob(dir, "forks", `sleep 100 & sleep 100 & echo started; wait`)
	h := launch(t, l, job)
	waitForFile(t, job.Stdout, "started")
	pid := pidOf(t, h)
	if n := len(liveMembers(pid)); n != 3 {
		t.Fatalf("group has %d live members before Stop, want 3 (sh and two sleeps)", n)
	}
	start := time.Now()
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed >= testGrace {
		t.Errorf("Stop took %v although every process obeys SIGTERM", elapsed)
	}
	if r := h.Result(); r.Status != launchers.StatusCancelled {
		t.Errorf("result = %+v, want Cancelled", r)
	}
	assertGroupGone(t, pid)
	if err := h.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestJobIgnoringSIGTERMIsKilledAfterTheGrace(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	// The shell ignores SIGTERM and so does the sleep it starts (ignored signals are inherited).
	job := shJob(dir, "stubborn", `trap "" TERM; sleep 100 & echo ready; wait`)
	h := launch(t, l, job)
	waitForFile(t, job.Stdout, "ready")
	start := time.Now()
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < testGrace {
		t.Errorf("job ended after %v, before the %v grace", elapsed, testGrace)
	}
	if r := h.Result(); r.Status != launchers.StatusCancelled || r.ExitCode != -9 {
		t.Errorf("result = %+v, want Cancelled with exit code -9", r)
	}
	assertGroupGone(t, pidOf(t, h))
}

func TestChildIgnoringSIGTERMDiesWithItsLeader(t *testing.T) {
	dir := t.TempDir()
	l := New(Options{Grace: time.Minute}) // the leftover must not wait for the grace
	t.Cleanup(func() { l.Close() })
	job := shJob(dir, "leader", `(trap "" TERM; echo ready; exec sleep 100) & wait`)
	h := launch(t, l, job)
	waitForFile(t, job.Stdout, "ready")
	done := make(chan error, 1)
	go func() { done <- h.Stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop waited for the grace although the leader had exited")
	}
	if r := h.Result(); r.Status != launchers.StatusCancelled || r.ExitCode != -15 {
		t.Errorf("result = %+v, want Cancelled with exit code -15", r)
	}
	assertGroupGone(t, pidOf(t, h))
}

func TestLeftoversOfACompletedJobAreKilled(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	job := shJob(dir, "daemonish", `sleep 100 & echo $! > child.pid; exit 0`)
	h := launch(t, l, job)
	if r := wait(t, h); r.Status != launchers.StatusCompleted || r.ExitCode != 0 {
		t.Errorf("result = %+v, want Completed/0: the job's status is its leader's", r)
	}
	assertGroupGone(t, pidOf(t, h))
	child, _ := strconv.Atoi(strings.TrimSpace(readFile(t, filepath.Join(dir, "child.pid"))))
	if child == 0 {
		t.Fatal("no child pid recorded")
	}
	if err := h.Stop(); err != nil {
		t.Errorf("Stop on a finished job: %v", err)
	}
	if r := h.Result(); r.Status != launchers.StatusCompleted {
		t.Errorf("Stop changed a finished job's result to %+v", r)
	}
}

func TestCloseStopsEverythingAndRefusesNewJobs(t *testing.T) {
	dir := t.TempDir()
	l := New(Options{Grace: testGrace})
	var handles []launchers.Handle
	for i := range 4 {
		script := "sleep 100 & wait"
		if i == 0 {
			script = `trap "" TERM; sleep 100 & wait` // needs the SIGKILL
		}
		handles = append(handles, launch(t, l, shJob(dir, fmt.Sprintf("job%d", i), script)))
	}
	finished := launch(t, l, launchers.Job{Name: "quick", Argv: []string{"true"}})
	wait(t, finished)

	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, h := range handles {
		select {
		case <-h.Done():
		default:
			t.Fatalf("job %s still running after Close", h.ID())
		}
		if r := h.Result(); r.Status != launchers.StatusCancelled {
			t.Errorf("job %s: %+v after Close, want Cancelled", h.ID(), r)
		}
		assertGroupGone(t, pidOf(t, h))
	}
	if r := finished.Result(); r.Status != launchers.StatusCompleted {
		t.Errorf("Close changed a finished job to %+v", r)
	}
	if _, err := l.Launch(context.Background(), launchers.Job{Name: "late", Argv: []string{"true"}}); !errors.Is(err, launchers.ErrClosed) {
		t.Errorf("Launch after Close: err = %v, want ErrClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestExecutableResolution(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho ran $0\n"
	if err := os.WriteFile(filepath.Join(bin, "mytool"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	l := newLauncher(t)

	// A bare name is found on the job's PATH, not ssrun's.
	onPath := launchers.Job{Name: "path", Argv: []string{"mytool"}, Env: []string{"PATH=relative:" + bin},
		Dir: dir, Stdout: filepath.Join(dir, "path.out")}
	if r := wait(t, launch(t, l, onPath)); r.Status != launchers.StatusCompleted {
		t.Fatalf("PATH lookup: %+v", r)
	}
	if got, want := readFile(t, onPath.Stdout), "ran "+filepath.Join(bin, "mytool")+"\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	// A relative path is relative to the job's directory.
	relative := launchers.Job{Name: "rel", Argv: []string{"./mytool"}, Dir: bin, Stdout: filepath.Join(dir, "rel.out")}
	if r := wait(t, launch(t, l, relative)); r.Status != launchers.StatusCompleted {
		t.Fatalf("relative path: %+v", r)
	}
	if got, want := readFile(t, relative.Stdout), "ran "+filepath.Join(bin, "mytool")+"\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	// Both relative: the directory to ssrun's, the program to the directory.
	t.Chdir(dir)
	bothRelative := launchers.Job{Name: "both", Argv: []string{"./mytool"}, Dir: "bin", Stdout: "both.out"}
	if r := wait(t, launch(t, l, bothRelative)); r.Status != launchers.StatusCompleted {
		t.Fatalf("relative program in a relative directory: %+v", r)
	}
	if got, want := readFile(t, filepath.Join(dir, "both.out")), "ran "+filepath.Join(bin, "mytool")+"\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

// openDescriptors counts this process's open file descriptors.
func openDescriptors(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

func TestFailedLaunchLeavesNothingBehind(t *testing.T) {
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(notExecutable, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	existingOut := filepath.Join(dir, "kept.out")
	if err := os.WriteFile(existingOut, []byte("previous run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newLauncher(t)
	wait(t, launch(t, l, launchers.Job{Name: "warm-up", Argv: []string{"true"}})) // the poller opens its descriptors once
	before := openDescriptors(t)

	out := func(name string) (string, string) {
		return filepath.Join(dir, name+".out"), filepath.Join(dir, name+".err")
	}
	cases := []struct {
		name, want string
		job        launchers.Job
	}{
		{"missing", `executable "no-such-program-ssrun" not found on PATH`, launchers.Job{Argv: []string{"no-such-program-ssrun"}, Dir: dir}},
		{"missing-path", "does not exist", launchers.Job{Argv: []string{filepath.Join(dir, "nope")}, Dir: dir}},
		{"not-executable", "is not executable", launchers.Job{Argv: []string{notExecutable}, Dir: dir}},
		{"directory", "is not a regular file", launchers.Job{Argv: []string{dir}, Dir: dir}},
		{"bad-dir", "working directory", launchers.Job{Argv: []string{"true"}, Dir: filepath.Join(dir, "absent")}},
		{"dir-is-file", "is not a directory", launchers.Job{Argv: []string{"true"}, Dir: notExecutable}},
		{"no-command", "has no command", launchers.Job{Dir: dir}},
	}
	for _, c := range cases {
		c.job.Name = c.name
		c.job.Stdout, c.job.Stderr = out(c.name)
		_, err := l.Launch(context.Background(), c.job)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: error %v, want one naming the job and containing %q", c.name, err, c.want)
		}
		for _, path := range []string{c.job.Stdout, c.job.Stderr} {
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("%s: failed launch left %s", c.name, path)
			}
		}
	}
	// An output directory that does not exist fails the launch, and the stdout file already created is
	// removed again; an earlier run's file is not truncated by a launch that cannot start.
	badErr := launchers.Job{Name: "bad-err", Argv: []string{"true"}, Stdout: filepath.Join(dir, "bad-err.out"),
		Stderr: filepath.Join(dir, "no-dir", "bad-err.err")}
	if _, err := l.Launch(context.Background(), badErr); err == nil || !strings.Contains(err.Error(), "directory does not exist") {
		t.Errorf("missing output directory: err = %v", err)
	}
	if _, err := os.Stat(badErr.Stdout); !os.IsNotExist(err) {
		t.Errorf("failed launch left %s", badErr.Stdout)
	}
	missing := launchers.Job{Name: "kept", Argv: []string{"no-such-program-ssrun"}, Stdout: existingOut}
	if _, err := l.Launch(context.Background(), missing); err == nil {
		t.Error("missing program launched")
	}
	if got := readFile(t, existingOut); got != "previous run\n" {
		t.Errorf("failed launch truncated an existing output file: %q", got)
	}
	if after := openDescriptors(t); after != before {
		t.Errorf("open descriptors: %d before the failed launches, %d after", before, after)
	}
}

func TestDescriptorsAreReleasedAfterJobsEnd(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	wait(t, launch(t, l, launchers.Job{Name: "warm-up", Argv: []string{"true"}}))
	before := openDescriptors(t)
	for i := range 20 {
		wait(t, launch(t, l, shJob(dir, fmt.Sprintf("j%d", i), "echo hi")))
	}
	if after := openDescriptors(t); after != before {
		t.Errorf("open descriptors: %d before 20 jobs, %d after", before, after)
	}
}

func TestLaunchOutlivesItsContext(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t)
	ctx, cancel := context.WithCancel(context.Background())
	job := shJob(dir, "m", "sleep 0.2; echo finished")
	h, err := l.Launch(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if r := wait(t, h); r.Status != launchers.StatusCompleted {
		t.Errorf("result = %+v: cancelling the launch context must not stop the job", r)
	}
	if _, err := l.Launch(ctx, job); !errors.Is(err, context.Canceled) {
		t.Errorf("Launch with a cancelled context: err = %v", err)
	}
}

func TestConcurrentLaunchStopAndClose(t *testing.T) {
	dir := t.TempDir()
	l := New(Options{Grace: testGrace})
	const n = 40
	handles := make([]launchers.Handle, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			script := fmt.Sprintf("echo %d", i)
			if i%2 == 1 {
				script = "exec sleep 100"
			}
			h, err := l.Launch(context.Background(), shJob(dir, fmt.Sprintf("m%d", i), script))
			if err != nil {
				t.Error(err)
				return
			}
			handles[i] = h
			if i%4 == 1 {
				h.Stop()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		l.Close()
		return
	}
	for i := 0; i < n; i += 2 { // the echo jobs end on their own, before Close could cancel them
		wait(t, handles[i])
	}
	closed := make(chan error)
	go func() { closed <- l.Close() }()
	for i := 3; i < n; i += 4 { // Stop racing Close
		wg.Go(func() { handles[i].Stop() })
	}
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	ids := map[string]bool{}
	for i, h := range handles {
		r := h.Result()
		want := launchers.StatusCompleted
		if i%2 == 1 {
			want = launchers.StatusCancelled
		}
		if r.Status != want {
			t.Errorf("job %d: %+v, want %s", i, r, want)
		}
		if ids[h.ID()] {
			t.Errorf("duplicate id %s", h.ID())
		}
		ids[h.ID()] = true
		if i%2 == 0 {
			if got, want := readFile(t, filepath.Join(dir, fmt.Sprintf("m%d.out", i))), fmt.Sprintf("%d\n", i); got != want {
				t.Errorf("job %d output = %q, want %q", i, got, want)
			}
		}
	}
}

// A finished job's handle stays in the driver's job table for the rest of the run, so it must not keep
// the job's environment and arguments: with 100,000 members those would hold the driver's memory. Each
// of these jobs carries a 64 KiB environment variable; after they end, their handles (still held) must
// retain far less than the 6.4 MiB of environments they were launched with.
func TestFinishedJobsReleaseTheirEnvironment(t *testing.T) {
	l := newLauncher(t)
	big := "SSRUN_TEST_BIG=" + strings.Repeat("x", 64<<10)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	handles := make([]launchers.Handle, 0, 100)
	for i := range 100 {
		env := []string{"PATH=/usr/bin:/bin", big + strconv.Itoa(i)} // a distinct string per job
		handles = append(handles, launch(t, l, launchers.Job{Name: fmt.Sprintf("j%d", i), Argv: []string{"true"}, Env: env}))
	}
	for _, h := range handles {
		if r := wait(t, h); r.Status != launchers.StatusCompleted {
			t.Fatalf("job %s: %+v", h.ID(), r)
		}
	}
	if grown := int64(heap()) - int64(before); grown > 1<<20 {
		t.Errorf("100 finished jobs retain %d KiB of heap; their 64 KiB environments should have been released", grown>>10)
	}
	runtime.KeepAlive(handles)
	if err := handles[0].Stop(); err != nil { // stopping a finished job still does nothing
		t.Errorf("Stop after the end: %v", err)
	}
}
