package member

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/local"
)

// supervisorUnderTest runs Serve in-process on pipes, as a driver talks to `ssrun member --serve`.
type supervisorUnderTest struct {
	t      *testing.T
	in     *io.PipeWriter
	outR   *io.PipeReader
	out    *bufio.Scanner
	served chan int
}

func startServe(t *testing.T) *supervisorUnderTest {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &supervisorUnderTest{t: t, in: inW, outR: outR, out: bufio.NewScanner(outR), served: make(chan int, 1)}
	go func() {
		code := Serve(inR, outW, os.Stderr, 200*time.Millisecond)
		outW.Close()
		s.served <- code
	}()
	t.Cleanup(func() { inW.Close() })
	return s
}

func (s *supervisorUnderTest) send(m local.SupervisorMessage) {
	s.t.Helper()
	if err := json.NewEncoder(s.in).Encode(m); err != nil {
		s.t.Fatal(err)
	}
}

func (s *supervisorUnderTest) next() local.SupervisorMessage {
	s.t.Helper()
	got := make(chan local.SupervisorMessage, 1)
	go func() {
		var m local.SupervisorMessage
		if s.out.Scan() {
			_ = json.Unmarshal(s.out.Bytes(), &m)
		}
		got <- m
	}()
	select {
	case m := <-got:
		return m
	case <-time.After(10 * time.Second):
		s.t.Fatal("no message from the supervisor within 10 s")
		return local.SupervisorMessage{}
	}
}

func shJob(dir, name, script string) launchers.Job {
	return launchers.Job{Name: name, Argv: []string{"sh", "-c", script}, Env: os.Environ(), Dir: dir,
		Stdout: filepath.Join(dir, name+".out"), Stderr: filepath.Join(dir, name+".err"), Record: filepath.Join(dir, name)}
}

// TestServeRecordsPidAndExitCode: a launched member is reported started with the pid its pid file names
// (with that process's start time), its output goes to its file, and its end is reported and recorded.
func TestServeRecordsPidAndExitCode(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t)
	s.send(local.LaunchRequest(1, shJob(dir, "m", "echo hello; sleep 1; exit 3")))
	started := s.next()
	if started.Op != "started" || started.ID != 1 || started.Pid <= 0 {
		t.Fatalf("reply %+v, want started for launch 1", started)
	}
	pid, _, ok := ReadPid(filepath.Join(dir, "m"))
	if !ok || pid != started.Pid {
		t.Errorf("pid file names %d (%v), want %d", pid, ok, started.Pid)
	}
	end := s.next()
	if end.Op != "exit" || end.Pid != started.Pid || end.Status != launchers.StatusFailed || end.Code != 3 {
		t.Fatalf("event %+v, want exit of %d Failed with 3", end, started.Pid)
	}
	if code, ok := ReadExitCode(filepath.Join(dir, "m")); !ok || code != 3 {
		t.Errorf("recorded exit code %d (%v), want 3", code, ok)
	}
	if out, _ := os.ReadFile(filepath.Join(dir, "m.out")); string(out) != "hello\n" {
		t.Errorf("member output %q, want hello", out)
	}
	s.send(local.LaunchRequest(2, launchers.Job{Name: "bad", Argv: []string{"/no/such/program"}, Record: filepath.Join(dir, "bad")}))
	if failed := s.next(); failed.Op != "failed" || failed.ID != 2 || failed.Err == "" {
		t.Errorf("reply %+v, want failed for launch 2 with the reason", failed)
	}
	if _, err := os.Stat(PidFile(filepath.Join(dir, "bad"))); !os.IsNotExist(err) {
		t.Errorf("a launch that failed left a pid file (%v)", err)
	}
}

// TestServeStopsOnRequestAndOutlivesItsDriver: a stop request ends a member Cancelled (-15); when the
// driver's side closes while a member runs, the supervisor follows it to its end, records its code and
// only then returns.
func TestServeStopsOnRequestAndOutlivesItsDriver(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t)
	s.send(local.LaunchRequest(1, shJob(dir, "long", "exec sleep 30")))
	long := s.next()
	s.send(local.StopRequest(long.Pid))
	if end := s.next(); end.Op != "exit" || end.Status != launchers.StatusCancelled || end.Code != -15 {
		t.Fatalf("event %+v, want Cancelled with -15", end)
	}
	s.send(local.LaunchRequest(2, shJob(dir, "orphan", "sleep 0.5; exit 4")))
	if m := s.next(); m.Op != "started" {
		t.Fatalf("reply %+v, want started", m)
	}
	s.in.Close() // the driver is gone: nothing reads what the supervisor writes
	s.outR.Close()
	select {
	case code := <-s.served:
		if code != 0 {
			t.Errorf("supervisor returned %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("supervisor did not return after its last member ended")
	}
	if code, ok := ReadExitCode(filepath.Join(dir, "orphan")); !ok || code != 4 {
		t.Errorf("orphaned member's recorded code %d (%v), want 4", code, ok)
	}
}
