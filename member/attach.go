package member

import (
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ssrun/ssrun/launchers"
)

// Attached is a member a previous driver launched and that is still running: a launchers.Handle over a
// process this driver did not start. Its end is seen through a pidfd (no polling), its result read from
// the exit-code file its supervisor writes.
type Attached struct {
	pid    int
	record string
	pidfd  int
	done   chan struct{}
	grace  time.Duration

	mu      sync.Mutex
	result  launchers.Result
	stopped bool
}

// Attach finds the member recorded at record again. It reports false when the recorded process is gone
// or the pid now names another process (its start time differs): that member is not running.
func Attach(record string, grace time.Duration) (*Attached, bool) {
	pid, start, ok := ReadPid(record)
	if !ok {
		return nil, false
	}
	fd, err := unix.PidfdOpen(pid, 0) // pins this pid to one process before its identity is checked
	if err != nil {
		return nil, false
	}
	if now, err := StartTime(pid); err != nil || now != start {
		unix.Close(fd)
		return nil, false
	}
	a := &Attached{pid: pid, record: record, pidfd: fd, done: make(chan struct{}), grace: grace,
		result: launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}}
	go a.await()
	return a, true
}

func (a *Attached) await() {
	fds := []unix.PollFd{{Fd: int32(a.pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != syscall.EINTR {
			break
		}
	}
	unix.Close(a.pidfd)
	r := launchers.Result{Status: launchers.StatusFailed, ExitCode: -1}
	if code, ok := awaitExitCode(a.record); ok {
		r.ExitCode = code
		if code == 0 {
			r.Status = launchers.StatusCompleted
		}
	} else {
		r.Err = fmt.Errorf("member process %d ended without an exit code recorded (its supervisor was killed?)", a.pid)
	}
	a.mu.Lock()
	if a.stopped && r.Status == launchers.StatusFailed {
		r.Status = launchers.StatusCancelled
	}
	a.result = r
	a.mu.Unlock()
	close(a.done)
}

// exitCodeWait bounds how long an attached member's exit code may lag its exit: the pidfd turns
// readable when the member becomes a zombie, and its supervisor writes the code just after reaping it.
const exitCodeWait = 3 * time.Second

// awaitExitCode reads the member's recorded exit code, giving its supervisor exitCodeWait to write it.
// A short backoff, not a watch: this runs once per re-attached member, only on resume.
func awaitExitCode(record string) (int, bool) {
	deadline := time.Now().Add(exitCodeWait)
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		if code, ok := ReadExitCode(record); ok || time.Now().After(deadline) {
			return code, ok
		}
		time.Sleep(pause)
	}
}

// ID is the member's pid, as the local launcher's ids are.
func (a *Attached) ID() string { return strconv.Itoa(a.pid) }

// Done is closed when the process has exited.
func (a *Attached) Done() <-chan struct{} { return a.done }

// Result is Running until Done, then the recorded exit code.
func (a *Attached) Result() launchers.Result {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.result
}

// Stop sends SIGTERM to the member's process group (it leads it), SIGKILL after the grace.
func (a *Attached) Stop() error {
	select {
	case <-a.done:
		return nil
	default:
	}
	a.mu.Lock()
	a.stopped = true
	a.mu.Unlock()
	_ = syscall.Kill(-a.pid, syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(a.grace):
		_ = syscall.Kill(-a.pid, syscall.SIGKILL)
		<-a.done
	}
	return nil
}
