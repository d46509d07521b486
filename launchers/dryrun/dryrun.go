// Package dryrun is the launcher of `ssrun --dry-run`: it records every job in launch order and runs
// nothing, writes nothing. Each job "completes" at once with exit code 0, so a script that blocks on
// its jobs runs to the end and its plan shows every step it would take.
package dryrun

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/ssrun/ssrun/launchers"
)

// Launcher records jobs. It is safe for concurrent use.
type Launcher struct {
	mu     sync.Mutex
	jobs   []launchers.Job
	closed bool
}

var _ launchers.Launcher = (*Launcher)(nil)

// New returns an empty recording launcher.
func New() *Launcher { return &Launcher{} }

// Name is "dryrun".
func (l *Launcher) Name() string { return "dryrun" }

// Launch records a copy of job and returns a handle that is already Completed with exit code 0. Its ID
// is "dryrun-N", N counting launches from 1, so plans are the same bytes on every run. A job that no
// launcher could run (launchers.Job.Validate) is refused as the real launcher would refuse it.
func (l *Launcher) Launch(ctx context.Context, job launchers.Job) (launchers.Handle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := job.Validate(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, launchers.ErrClosed
	}
	l.jobs = append(l.jobs, cloneJob(job))
	return newHandle(fmt.Sprintf("dryrun-%d", len(l.jobs))), nil
}

// Jobs returns the recorded jobs in launch order (a copy: the caller may keep or change it).
func (l *Launcher) Jobs() []launchers.Job {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]launchers.Job, len(l.jobs))
	for i, job := range l.jobs {
		out[i] = cloneJob(job)
	}
	return out
}

// Close refuses further launches; there is nothing to stop.
func (l *Launcher) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

// cloneJob copies the slices of job so the record cannot change after the fact.
func cloneJob(job launchers.Job) launchers.Job {
	job.Argv = slices.Clone(job.Argv)
	job.Env = slices.Clone(job.Env)
	job.EnvDelta = slices.Clone(job.EnvDelta)
	return job
}
