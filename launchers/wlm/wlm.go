// Package wlm is the part every workload-manager launcher shares (Slurm, PBS, LSF): steps run as local
// processes of the submitting host (srun, mpirun, aprun, jsrun talk to the scheduler themselves and exit
// with the step's code), and batch scripts are submitted to the scheduler, then followed by ONE status
// query per poll for all of the launcher's jobs, however many there are. The scheduler-specific part is
// a Scheduler: how to submit, query and cancel.
package wlm

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/local"
)

// Scheduler is one workload manager's command-line interface.
type Scheduler interface {
	// Name is the launcher name ("slurm", "pbs", "lsf").
	Name() string
	// Submit submits the script and returns the scheduler's job id.
	Submit(ctx context.Context, job launchers.BatchJob) (string, error)
	// Query asks for the states of ids in one scheduler call. Jobs the scheduler does not know (any
	// more, or yet) are absent from the map.
	Query(ctx context.Context, ids []string) (map[string]launchers.Result, error)
	// Cancel asks the scheduler to end the jobs, in one call.
	Cancel(ctx context.Context, ids []string) error
	// Forgotten is the status of a job the scheduler no longer lists after it had been seen: PBS and
	// LSF drop finished jobs (SmartSim counts that as Completed); ok false keeps the last known state.
	Forgotten() (launchers.Result, bool)
}

// DefaultInterval is how often running batch jobs are polled unless SSRUN_WLM_INTERVAL (a Go duration
// such as "500ms") says otherwise. Schedulers decide on a cycle of about a second, so polling faster
// gains little and costs the controller a query each time.
const DefaultInterval = time.Second

// IntervalFromEnv reads SSRUN_WLM_INTERVAL, falling back to DefaultInterval.
func IntervalFromEnv() time.Duration {
	if v := os.Getenv("SSRUN_WLM_INTERVAL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return DefaultInterval
}

// maxQueryFailures is how many polls in a row may fail before the jobs are reported Failed: a
// controller restart takes a few seconds, a vanished scheduler should not hang the experiment.
const maxQueryFailures = 60

// maxUnseenPolls is how many answered polls may miss a job that was never listed before it counts as
// lost: schedulers list a job from its submission on, so this only fires if it vanished at once.
const maxUnseenPolls = 120

// Launcher launches steps as local processes and batch scripts through a Scheduler.
type Launcher struct {
	sched    Scheduler
	steps    launchers.Launcher
	interval time.Duration

	mu      sync.Mutex
	batch   map[string]*batchHandle // active batch jobs by id
	polling bool
	wake    chan struct{}
	quit    chan struct{} // closed by Close: the poller stops following batch jobs
	closed  bool
	fails   int

	cancelMu      sync.Mutex
	cancelPending map[string][]chan error // ids waiting for the next cancel call
	cancelling    bool

	queries atomic.Int64
	cancels atomic.Int64
}

// Options configure a Launcher.
type Options struct {
	// Interval between status polls; 0 means IntervalFromEnv().
	Interval time.Duration
	// Steps launches non-batch steps; nil means a local-process launcher.
	Steps launchers.Launcher
}

// New returns a launcher for sched.
func New(sched Scheduler, o Options) *Launcher {
	if o.Interval <= 0 {
		o.Interval = IntervalFromEnv()
	}
	if o.Steps == nil {
		o.Steps = local.New(local.Options{})
	}
	return &Launcher{sched: sched, steps: o.Steps, interval: o.Interval, batch: map[string]*batchHandle{},
		wake: make(chan struct{}, 1), quit: make(chan struct{})}
}

// Name is the scheduler's launcher name.
func (l *Launcher) Name() string { return l.sched.Name() }

// Queries is the number of status queries sent to the scheduler so far (one per poll).
func (l *Launcher) Queries() int64 { return l.queries.Load() }

// Cancels is the number of cancel calls sent to the scheduler so far: stops that arrive together (an
// ensemble, exp.stop of many entities, the end of the script) share one call.
func (l *Launcher) Cancels() int64 { return l.cancels.Load() }

// cancelGather is how long the first stop waits for others to join its cancel call.
const cancelGather = 20 * time.Millisecond

// cancel asks the scheduler to cancel id, sharing one call with the stops that arrive meanwhile.
func (l *Launcher) cancel(id string) error {
	reply := make(chan error, 1)
	l.cancelMu.Lock()
	if l.cancelPending == nil {
		l.cancelPending = map[string][]chan error{}
	}
	l.cancelPending[id] = append(l.cancelPending[id], reply)
	if !l.cancelling {
		l.cancelling = true
		go l.flushCancels()
	}
	l.cancelMu.Unlock()
	return <-reply
}

// flushCancels sends the pending cancels in one call per round until none are left.
func (l *Launcher) flushCancels() {
	for {
		time.Sleep(cancelGather)
		l.cancelMu.Lock()
		pending := l.cancelPending
		l.cancelPending = nil
		if len(pending) == 0 {
			l.cancelling = false
			l.cancelMu.Unlock()
			return
		}
		l.cancelMu.Unlock()
		ids := make([]string, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		ctx, cancel := context.WithTimeout(context.Background(), stopWait)
		l.cancels.Add(1)
		err := l.sched.Cancel(ctx, ids)
		cancel()
		for _, replies := range pending {
			for _, r := range replies {
				r <- err
			}
		}
	}
}

// Launch runs a step (its argv already starts with srun, mpirun, ... or is a plain command) as a local
// process of this host: the run command blocks until the step ends and exits with its code.
func (l *Launcher) Launch(ctx context.Context, job launchers.Job) (launchers.Handle, error) {
	if l.isClosed() {
		return nil, launchers.ErrClosed
	}
	return l.steps.Launch(ctx, job)
}

// Submit submits a batch script and follows the job until it ends.
func (l *Launcher) Submit(ctx context.Context, job launchers.BatchJob) (launchers.Handle, error) {
	if l.isClosed() {
		return nil, launchers.ErrClosed
	}
	id, err := l.sched.Submit(ctx, job)
	if err != nil {
		return nil, err
	}
	h := &batchHandle{id: id, l: l, done: make(chan struct{}),
		result: launchers.Result{Status: launchers.StatusNew, ExitCode: -1}}
	l.mu.Lock()
	l.batch[id] = h
	if !l.polling {
		l.polling = true
		go l.poll()
	}
	l.mu.Unlock()
	return h, nil
}

// Close stops every step still running (local srun/mpirun processes, waiting until they have ended)
// and stops polling, but leaves batch jobs to the scheduler: they belong to the cluster, outlive the
// driver by design, and the experiment's manifest records their ids. Their handles stay as last polled.
// An explicit Stop of a batch job still cancels it.
func (l *Launcher) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.quit)
	}
	l.mu.Unlock()
	return l.steps.Close()
}

// LookupJobs asks the scheduler for the states of ids in one query (launchers.JobFollower): the jobs
// a previous driver submitted, when `ssrun --resume` decides whether to follow or rerun them.
func (l *Launcher) LookupJobs(ctx context.Context, ids []string) (map[string]launchers.Result, error) {
	if len(ids) == 0 {
		return map[string]launchers.Result{}, nil
	}
	l.queries.Add(1)
	return l.sched.Query(ctx, ids)
}

// FollowJob follows a job another driver submitted as if Submit had returned it: one query per poll
// with the launcher's other jobs, Stop cancels it, and it is left to the scheduler at Close. The
// scheduler has just listed it (state last), so a later poll that misses it means it was forgotten
// after its end, not that it is not listed yet.
func (l *Launcher) FollowJob(id string, last launchers.Result) launchers.Handle {
	h := &batchHandle{id: id, l: l, done: make(chan struct{}), seen: true, result: last}
	if last.Status.Terminal() {
		close(h.done)
		return h
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return h // never polled: stays as last listed, as batch jobs do after Close
	}
	if prev, ok := l.batch[id]; ok { // already followed (members of one job share its handle)
		return prev
	}
	l.batch[id] = h
	if !l.polling {
		l.polling = true
		go l.poll()
	}
	return h
}

func (l *Launcher) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// poll runs while batch jobs are active and the launcher is open: one Query per interval for all of
// them (or sooner when a Stop asks), then exits; the next Submit starts it again.
func (l *Launcher) poll() {
	timer := time.NewTimer(l.interval)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
		case <-l.wake:
		case <-l.quit:
			l.mu.Lock()
			l.polling = false
			l.mu.Unlock()
			return
		}
		if !l.pollOnce() {
			return
		}
		timer.Reset(l.interval)
	}
}

// pollOnce queries the active jobs once and reports whether any remain.
func (l *Launcher) pollOnce() bool {
	l.mu.Lock()
	ids := make([]string, 0, len(l.batch))
	for id := range l.batch {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	if len(ids) > 0 {
		l.queries.Add(1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		states, err := l.sched.Query(ctx, ids)
		cancel()
		l.apply(ids, states, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.batch) == 0 {
		l.polling = false
		return false
	}
	return true
}

func (l *Launcher) apply(ids []string, states map[string]launchers.Result, err error) {
	l.mu.Lock()
	if err != nil {
		l.fails++
	} else {
		l.fails = 0
	}
	lost := l.fails >= maxQueryFailures
	handles := make([]*batchHandle, 0, len(ids))
	for _, id := range ids {
		handles = append(handles, l.batch[id])
	}
	l.mu.Unlock()
	for _, h := range handles {
		switch r, ok := states[h.id]; {
		case lost:
			h.set(launchers.Result{Status: launchers.StatusFailed, ExitCode: -1,
				Err: fmt.Errorf("%s stopped answering status queries: %v", l.sched.Name(), err)})
		case err != nil:
		case ok:
			h.seen = true
			h.set(r)
		case h.seen:
			if r, forget := l.sched.Forgotten(); forget {
				h.set(r)
			}
		default:
			h.unseen++
			if h.unseen >= maxUnseenPolls {
				h.set(launchers.Result{Status: launchers.StatusFailed, ExitCode: -1,
					Err: fmt.Errorf("%s never listed job %s after submitting it", l.sched.Name(), h.id)})
			}
		}
	}
}

func (l *Launcher) remove(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.batch, id)
}

func (l *Launcher) wakeUp() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// batchHandle is a submitted batch job.
type batchHandle struct {
	id     string
	l      *Launcher
	done   chan struct{}
	seen   bool // touched by the poller only
	unseen int  // successful polls that did not list the job before it was first seen

	mu      sync.Mutex
	result  launchers.Result
	stopped bool
}

func (h *batchHandle) ID() string { return h.id }

func (h *batchHandle) Done() <-chan struct{} { return h.done }

func (h *batchHandle) Result() launchers.Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.result
}

// set records a state; a terminal one closes Done and stops following the job.
func (h *batchHandle) set(r launchers.Result) {
	h.mu.Lock()
	if h.result.Status.Terminal() {
		h.mu.Unlock()
		return
	}
	if h.stopped && r.Status == launchers.StatusFailed {
		r.Status = launchers.StatusCancelled
	}
	h.result = r
	h.mu.Unlock()
	if r.Status.Terminal() {
		h.l.remove(h.id)
		close(h.done)
	}
}

// stopWait bounds how long Stop waits for the scheduler to report the cancelled job as ended.
const stopWait = 30 * time.Second

// Stop cancels the job and waits until the scheduler reports it ended; it then ends Cancelled. A
// cancel call that fails (one call covers every stop that arrived together, and scancel complains
// about any job of them that has just ended) only matters if the job does not end anyway.
func (h *batchHandle) Stop() error {
	h.mu.Lock()
	if h.result.Status.Terminal() {
		h.mu.Unlock()
		return nil
	}
	h.stopped = true
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), stopWait)
	defer cancel()
	cancelErr := h.l.cancel(h.id)
	for {
		h.l.wakeUp()
		select {
		case <-h.done:
			h.mu.Lock()
			h.result.Status = launchers.StatusCancelled
			h.mu.Unlock()
			return nil
		case <-time.After(h.l.interval / 4):
		case <-ctx.Done():
			if cancelErr != nil {
				return fmt.Errorf("cancel %s job %s: %w", h.l.sched.Name(), h.id, cancelErr)
			}
			h.set(launchers.Result{Status: launchers.StatusCancelled, ExitCode: -1})
			return nil
		}
	}
}

// SignalExit turns a scheduler's "code:signal" pair into ssrun's exit code: the code, or -signal when
// the job was killed by a signal and has no code of its own (as local processes report it).
func SignalExit(code, signal string) int {
	c, err := strconv.Atoi(code)
	if err != nil {
		return -1
	}
	if s, err := strconv.Atoi(signal); err == nil && s > 0 && c == 0 {
		return -s
	}
	return c
}

// NodeLister is a Scheduler that can list an allocation's nodes.
type NodeLister interface {
	AllocationNodes(ctx context.Context, alloc string) ([]string, error)
}

// AllocationNodes lists an allocation's nodes through the scheduler (launchers.NodeLister).
func (l *Launcher) AllocationNodes(ctx context.Context, alloc string) ([]string, error) {
	nl, ok := l.sched.(NodeLister)
	if !ok {
		return nil, fmt.Errorf("%s cannot list the nodes of an allocation", l.sched.Name())
	}
	return nl.AllocationNodes(ctx, alloc)
}
