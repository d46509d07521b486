// Package launchers turns jobs into running steps and reports how they end. It is the side-effect edge
// of ssrun's runtime: the runtime decides what to run; a Launcher runs it (local processes, a workload
// manager) or records it (dry run). Implementations live in sub-packages: local/, dryrun/, and later
// slurm/, pbs/, lsf/.
package launchers

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Status is a job's state, with SmartSim's status strings as values so they print as SmartSim prints them.
type Status string

const (
	StatusNew          Status = "New"
	StatusRunning      Status = "Running"
	StatusPaused       Status = "Paused"
	StatusCompleted    Status = "Completed"
	StatusFailed       Status = "Failed"
	StatusCancelled    Status = "Cancelled"
	StatusNeverStarted Status = "NeverStarted"
)

// Terminal reports whether no further change can follow s.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// Job is one step to launch: a fully resolved command line with its environment and output files.
type Job struct {
	// Name is the step name (unique within the experiment run); it names the job in logs and plans.
	Name string
	// Argv is the command; Argv[0] is an absolute path (or a name the launcher resolves on PATH).
	Argv []string
	// Env is the complete environment of the process, KEY=VALUE, in order.
	Env []string
	// EnvDelta is the part of Env the experiment added on top of ssrun's own environment (env_vars,
	// SSDB, SSKEYIN, ...), KEY=VALUE sorted by key; plans record it instead of Env so they are portable.
	EnvDelta []string
	// Dir is the working directory.
	Dir string
	// Stdout and Stderr are the files the process writes to (created or truncated at launch).
	Stdout, Stderr string
	// Record, when set, asks a launcher that can (local with a Recorder) to run the job through `ssrun
	// member`, which writes Record+".pid" and Record+".exitcode" so its end is known without the driver.
	Record string
}

// Result is how a job ended (or its latest state, for launchers that report intermediate states).
type Result struct {
	Status Status
	// ExitCode is the process's exit code. A process killed by signal N reports -N, as SmartSim reports
	// it (Python's Popen returncode), so a stopped job shows -15 (SIGTERM) or -9 (SIGKILL). -1 also
	// stands for unknown (still running, never ran, the launcher lost the job).
	ExitCode int
	// Err explains a failure that is not an exit code (the launcher lost the job, the scheduler failed it).
	Err error
}

// Handle is a launched job.
type Handle interface {
	// ID is the launcher's id for the job: a PID for local processes, a scheduler job id otherwise.
	ID() string
	// Done is closed when the job has reached a terminal status; Result then returns it. Waiting on Done
	// is how the runtime blocks without polling.
	Done() <-chan struct{}
	// Result returns the latest known result (Running until Done is closed).
	Result() Result
	// Stop ends the job (local: SIGTERM to the process group, SIGKILL after a grace period); the job then
	// ends Cancelled. Stopping a finished job is a no-op.
	Stop() error
}

// Launcher starts jobs.
type Launcher interface {
	// Name is the launcher's name as Experiment(launcher=...) spells it: "local", "slurm", "dryrun".
	Name() string
	// Launch starts job and returns at once; the job runs until it exits or is stopped. A job that cannot
	// start (missing executable, unwritable output file) returns an error and leaves nothing running.
	Launch(ctx context.Context, job Job) (Handle, error)
	// Close stops every job of this launcher that is still running and waits until they are gone.
	Close() error
}

// ErrClosed is returned by Launch once the launcher has been closed: a closed launcher has stopped its
// jobs and starts no more.
var ErrClosed = errors.New("launcher is closed")

// Validate reports what makes a job impossible to run on any launcher: an empty command, or a NUL byte
// or a malformed KEY=VALUE entry that the operating system would reject later with a vaguer message.
func (j Job) Validate() error {
	if len(j.Argv) == 0 || j.Argv[0] == "" {
		return fmt.Errorf("job %q has no command", j.Name)
	}
	for _, arg := range j.Argv {
		if strings.IndexByte(arg, 0) >= 0 {
			return fmt.Errorf("job %q: argument %q contains a NUL byte", j.Name, arg)
		}
	}
	for _, kv := range j.Env {
		if strings.IndexByte(kv, 0) >= 0 || strings.IndexByte(kv, '=') <= 0 {
			return fmt.Errorf("job %q: environment entry %q is not KEY=VALUE", j.Name, kv)
		}
	}
	return nil
}

// BatchJob is a batch script to submit to a workload manager (sbatch, qsub, bsub). The runtime writes
// the script file before submitting it; the scheduler runs it and writes Stdout and Stderr itself.
type BatchJob struct {
	// Name is the batch step's name (the scheduler's job name).
	Name string
	// Script is the absolute path of the script file.
	Script string
	// Dir is the directory the submission command runs in.
	Dir string
	// Stdout and Stderr are the batch job's output files, as the script's directives name them.
	Stdout, Stderr string
}

// BatchLauncher is a Launcher that can also submit batch scripts. Launchers for workload managers
// implement it; the runtime refuses batch settings on a launcher that does not.
type BatchLauncher interface {
	Launcher
	// Submit hands the script to the scheduler and returns at once with the scheduler's job id as the
	// handle's ID; the handle reports the job's states as the scheduler reports them.
	Submit(ctx context.Context, job BatchJob) (Handle, error)
}

// NodeLister is a launcher that can list the nodes of an allocation: a database started inside an
// allocation puts one shard on each of them.
type NodeLister interface {
	// AllocationNodes returns the allocation's node names in the scheduler's order.
	AllocationNodes(ctx context.Context, alloc string) ([]string, error)
}

// JobLookup is a launcher that can ask its scheduler about jobs by id, also jobs a previous driver
// submitted (`ssrun --resume`, and its dry run, which says why each member would run).
type JobLookup interface {
	// LookupJobs asks the scheduler for the states of ids in one call; ids it no longer knows (the job
	// ended long ago and was purged, or never existed) are absent from the map.
	LookupJobs(ctx context.Context, ids []string) (map[string]Result, error)
}

// JobFollower is a launcher that can pick up batch jobs a previous driver submitted, by the scheduler's
// job id: `ssrun --resume` asks for their states in one call and follows those still queued or
// running instead of submitting them again.
type JobFollower interface {
	JobLookup
	// FollowJob follows job id, which LookupJobs has just listed with state last, until it ends, as if
	// this launcher had submitted it: its handle polls with the launcher's other jobs and Stop cancels it.
	FollowJob(id string, last Result) Handle
}
