package local

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// process is a launched job: the leader of its own process group. The job is the group: when the
// leader exits, whatever it left running in the group is killed (as Slurm ends a step's leftover
// processes when its tasks exit), so a job leaves no orphan behind.
type process struct {
	// cmd is dropped (nil) once the leader is reaped: it holds the job's whole environment and
	// arguments, about 1.5 KiB a member that a 100,000-member ensemble would otherwise keep until the
	// driver ends. pid outlives it.
	cmd   *exec.Cmd
	pid   int
	id    string
	grace time.Duration
	watch exitWatch
	done  chan struct{}

	mu     sync.Mutex
	result launchers.Result
	// exited is set once the leader is known to have exited; from then on the group is never signalled
	// again, because once the leader is reaped its id may be reused.
	exited bool
	// stopping is set by Stop; the job then ends Cancelled however it exits.
	stopping  bool
	killTimer *time.Timer
}

func (p *process) ID() string            { return p.id }
func (p *process) Done() <-chan struct{} { return p.done }

// Result returns Running until Done is closed, then how the job ended.
func (p *process) Result() launchers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.result
}

// Stop sends SIGTERM to the job's process group, SIGKILL to the group if the job has not exited after
// the grace period, and returns once the job has ended (Cancelled), so a status read right after Stop
// is final. Stopping a finished job does nothing. If the group cannot be signalled at all (a job that
// changed its user ids), Stop returns that error at once instead of waiting for an exit that may not
// come.
func (p *process) Stop() error {
	if err := p.requestStop(); err != nil {
		return err
	}
	<-p.done
	return nil
}

// requestStop starts stopping the job without waiting for it: Close stops all jobs at once this way.
func (p *process) requestStop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited || p.stopping {
		return nil
	}
	p.stopping = true
	p.killTimer = time.AfterFunc(p.grace, p.forceKill)
	return p.signalGroupLocked(syscall.SIGTERM)
}

// forceKill is the end of the grace period.
func (p *process) forceKill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signalGroupLocked(syscall.SIGKILL)
}

// signalGroupLocked signals every process of the job's group, unless the leader is known to have
// exited. Safe against id reuse: until exited is set, the leader is at worst an unreaped zombie, whose
// pid (the group id) the kernel cannot give to anyone else.
func (p *process) signalGroupLocked(sig syscall.Signal) error {
	if p.exited {
		return nil
	}
	err := syscall.Kill(-p.pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal job %s (%s): %w", p.id, sig, err)
	}
	return nil
}

// await is the one goroutine per job: it sees the leader exit, kills the group's leftovers while the
// leader's id is still reserved, reaps the leader and publishes the result.
func (p *process) await() {
	if p.watch.wait() {
		p.mu.Lock()
		p.signalGroupLocked(syscall.SIGKILL)
		p.exited = true
		p.mu.Unlock()
	}
	p.cmd.Wait()
	p.watch.release()

	p.mu.Lock()
	p.exited = true
	if p.killTimer != nil {
		p.killTimer.Stop()
	}
	p.result = resultOf(p.cmd.ProcessState, p.stopping)
	p.cmd = nil
	p.mu.Unlock()
	close(p.done)
}

// resultOf maps how the leader ended to a job result: exit 0 Completed, other codes Failed, a signal
// Failed with ExitCode -signal (SmartSim's convention), and anything after Stop Cancelled.
func resultOf(state *os.ProcessState, stopped bool) launchers.Result {
	if state == nil {
		return launchers.Result{Status: launchers.StatusFailed, ExitCode: -1, Err: errors.New("lost track of the process")}
	}
	result := launchers.Result{ExitCode: state.ExitCode()}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		result.ExitCode = -int(ws.Signal())
		if !stopped {
			result.Err = fmt.Errorf("killed by signal %d (%s)", ws.Signal(), ws.Signal())
		}
	}
	switch {
	case stopped:
		result.Status = launchers.StatusCancelled
	case result.ExitCode == 0:
		result.Status = launchers.StatusCompleted
	default:
		result.Status = launchers.StatusFailed
	}
	return result
}

// newProcess prepares the handle for cmd before it starts, so the exit watch can be requested at clone.
func newProcess(cmd *exec.Cmd, grace time.Duration) *process {
	p := &process{
		cmd:    cmd,
		grace:  grace,
		done:   make(chan struct{}),
		result: launchers.Result{Status: launchers.StatusRunning, ExitCode: -1},
	}
	p.watch.configure(cmd.SysProcAttr)
	return p
}

// started records the pid and arms the exit watch once cmd has started.
func (p *process) started() {
	p.pid = p.cmd.Process.Pid
	p.id = strconv.Itoa(p.pid)
	p.watch.arm()
}
