// Package local runs jobs as processes on this machine: os/exec without a shell, one process group per
// job, output straight to the job's files, and an event-driven end (no polling): a job is over the
// moment its process exits.
//
// The job is its process group. Its status and exit code are those of the process the launcher started
// (the group leader); when the leader exits, anything it left running in the group is killed, as Slurm
// ends a step's leftover processes when its tasks exit. A program that runs helpers in the background
// must wait for them (mpirun, srun and a shell script ending in `wait` do). Stop sends SIGTERM to the
// whole group, then SIGKILL after Options.Grace. Exit codes follow SmartSim: a process killed by
// signal N reports -N. A process that leaves the group on purpose (setsid, a double-forking daemon)
// escapes process-group control (only cgroups could follow it) and is not tracked.
package local

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// DefaultGrace is how long a stopped job has between SIGTERM and SIGKILL: long enough for a simulation
// to flush a checkpoint, short enough that stopping an experiment does not hang.
const DefaultGrace = 5 * time.Second

// Options configure a local launcher.
type Options struct {
	// Grace is the time between SIGTERM and SIGKILL when a job is stopped; zero means DefaultGrace.
	Grace time.Duration
	// Recorder is the command prefix of `ssrun member` (the ssrun binary and "member"); with it, a job
	// that names a Record is started by the member supervisor (`ssrun member --serve`, one per
	// launcher, started at the first such job), which records its pid and exit code in files and
	// outlives the driver (supervised.go).
	Recorder []string
}

// Launcher starts jobs as local processes. It is safe for concurrent use.
type Launcher struct {
	grace    time.Duration
	recorder []string

	// launching is held shared by every Launch in progress and exclusively by Close, so no job can
	// start behind Close's back.
	launching sync.RWMutex
	closed    bool

	supOnce sync.Once
	sup     *supervisor
	supErr  error

	mu      sync.Mutex
	running map[runningJob]struct{}
}

// runningJob is what Close stops: a job this launcher started, or one its supervisor started.
type runningJob interface {
	requestStop() error
	Done() <-chan struct{}
}

var _ launchers.Launcher = (*Launcher)(nil)

// New returns a local launcher.
func New(opts Options) *Launcher {
	grace := opts.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	return &Launcher{grace: grace, recorder: opts.Recorder, running: make(map[runningJob]struct{})}
}

// Name is "local", as Experiment(launcher="local") spells it.
func (l *Launcher) Name() string { return "local" }

// Launch starts job and returns its handle (ID = the PID) as soon as the process exists. The job runs
// in job.Dir (ssrun's directory if empty) with exactly job.Env (ssrun's environment if nil); a bare
// command name is looked up on that environment's PATH. Stdout and Stderr are created or truncated;
// their directory must exist; an empty path discards the stream. ctx only bounds the launch itself:
// the job outlives it and ends when it exits or is stopped. A job that cannot start returns an error
// and leaves no process, no open descriptor and no file it created.
func (l *Launcher) Launch(ctx context.Context, job launchers.Job) (launchers.Handle, error) {
	if err := ctx.Err(); err != nil {
		return nil, launchError(job, err)
	}
	l.launching.RLock()
	defer l.launching.RUnlock()
	if l.closed {
		return nil, launchError(job, launchers.ErrClosed)
	}
	if len(l.recorder) > 0 && job.Record != "" {
		return l.launchSupervised(job)
	}
	p, err := l.start(job)
	if err != nil {
		return nil, launchError(job, err)
	}
	l.track(p)
	return p, nil
}

// start validates the job, opens its outputs and starts its process.
func (l *Launcher) start(job launchers.Job) (*process, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	if err := checkDir(job.Dir); err != nil {
		return nil, err
	}
	path, err := resolveExecutable(job.Argv[0], job.Dir, job.Env)
	if err != nil {
		return nil, err
	}
	out, err := openOutputs(job.Stdout, job.Stderr)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        job.Argv,
		Env:         job.Env,
		Dir:         job.Dir,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	// Assign only non-nil files: a typed nil *os.File in an io.Writer would not read as "discard".
	if out.stdout != nil {
		cmd.Stdout = out.stdout
	}
	if out.stderr != nil {
		cmd.Stderr = out.stderr
	}
	p := newProcess(cmd, l.grace)
	if err := cmd.Start(); err != nil {
		out.discard()
		return nil, err
	}
	out.close()
	p.started()
	return p, nil
}

// track registers a started job and starts its one waiter goroutine.
func (l *Launcher) track(p *process) {
	l.mu.Lock()
	l.running[p] = struct{}{}
	l.mu.Unlock()
	go func() {
		p.await()
		l.untrack(p)
	}()
}

func (l *Launcher) untrack(j runningJob) {
	l.mu.Lock()
	delete(l.running, j)
	l.mu.Unlock()
}

// launchSupervised starts job through the member supervisor, starting the supervisor first if needed.
// The job is validated here, so a bad job fails as it would without one.
func (l *Launcher) launchSupervised(job launchers.Job) (launchers.Handle, error) {
	if err := job.Validate(); err != nil {
		return nil, launchError(job, err)
	}
	l.supOnce.Do(func() { l.sup, l.supErr = startSupervisor(l.recorder, l.grace.String()) })
	if l.supErr != nil {
		return nil, launchError(job, l.supErr)
	}
	h, err := l.sup.launch(job)
	if err != nil {
		return nil, launchError(job, err)
	}
	l.mu.Lock()
	l.running[h] = struct{}{}
	l.mu.Unlock()
	go func() {
		<-h.Done()
		l.untrack(h)
	}()
	return h, nil
}

// Close refuses further launches, stops every running job at once (SIGTERM to each group, SIGKILL
// after the grace period) and returns when all of them, and what they left in their groups, are gone.
// A job whose group cannot be signalled is reported in the error rather than waited for.
func (l *Launcher) Close() error {
	l.launching.Lock()
	l.closed = true
	l.launching.Unlock()

	l.mu.Lock()
	jobs := make([]runningJob, 0, len(l.running))
	for p := range l.running {
		jobs = append(jobs, p)
	}
	l.mu.Unlock()

	var errs []error
	stopping := jobs[:0]
	for _, p := range jobs {
		if err := p.requestStop(); err != nil {
			errs = append(errs, err) // not waited for: a job that cannot be signalled may never end
			continue
		}
		stopping = append(stopping, p)
	}
	for _, p := range stopping {
		<-p.Done()
	}
	if l.sup != nil {
		if err := l.sup.close(); err != nil {
			errs = append(errs, fmt.Errorf("member supervisor: %w", err))
		}
	}
	return errors.Join(errs...)
}

// launchError names the job in a launch failure.
func launchError(job launchers.Job, err error) error {
	name := job.Name
	if name == "" && len(job.Argv) > 0 {
		name = job.Argv[0]
	}
	return fmt.Errorf("launch %q: %w", name, err)
}
