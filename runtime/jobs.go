package runtime

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// job is one launch of one model (a model, or an ensemble member). A model launched again after it
// finished gets a new job with RunID+1; the history of runs is kept for summary and the manifest.
type job struct {
	model      *Model
	name       string
	snap       modelSnap
	entityType string // "Model" for models and members (as SmartSim's job table)
	ensemble   string // the ensemble a member belongs to, "" for a model
	runID      int    // per-model launch counter
	run        string // the start() call this job was launched by ("run-000")
	step       string // launcher step name
	handle     launchers.Handle
	started    time.Time
	stdout     string
	stderr     string
	statusDir  string
	argv       []string // the command as launched, for the manifest (dashboards show it)
	envDelta   []string // what the experiment added to the environment, KEY=VALUE sorted
	batch      bool     // follows a scheduler's batch job, which the experiment's Close leaves running

	now func() time.Time
	log *slog.Logger

	mu      sync.Mutex
	result  launchers.Result
	ended   time.Time
	stopped bool
	// onSettle records the final result in the journal (run_log.go); resumeNote says why resume did not
	// launch it ("skipped: unchanged since run-003", "re-attached: ..."), attachedFrom the run whose
	// execution it follows when it was re-attached.
	onSettle     func(*job, launchers.Result)
	resumeNote   string
	attachedFrom string

	settleMu sync.Mutex // held while the final result is recorded, so readers wait for it
	settled  bool
}

// Result returns the job's latest result. A job whose handle is done is settled here, so a status read
// right after a blocking start never sees a stale Running.
func (j *job) Result() launchers.Result {
	select {
	case <-j.handle.Done():
		j.settle()
	default:
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.result
}

// settle records the handle's final result once, whoever sees the end first (its watcher, a blocking
// wait, a stop, a status read), and logs it as SmartSim logs job statuses: "name(jobid): Status".
func (j *job) settle() (changed bool) {
	j.settleMu.Lock()
	defer j.settleMu.Unlock()
	if j.settled {
		return false
	}
	j.settled = true
	r := j.handle.Result()
	j.setResult(r, j.now())
	j.mu.Lock()
	r = j.result
	j.mu.Unlock()
	j.log.Info(fmt.Sprintf("%s(%s): %s", j.name, j.handle.ID(), r.Status), "returncode", r.ExitCode)
	if j.onSettle != nil {
		j.onSettle(j, r)
	}
	return true
}

func (j *job) setResult(r launchers.Result, at time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.stopped && r.Status == launchers.StatusFailed { // killed by our stop, for launchers that say Failed
		r.Status = launchers.StatusCancelled
	}
	j.result = r
	if r.Status.Terminal() && j.ended.IsZero() {
		j.ended = at
	}
}

// times returns when the job was launched and when its end was seen (zero while it runs).
func (j *job) times() (started, ended time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.started, j.ended
}

func (j *job) elapsed(now time.Time) time.Duration {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.ended.IsZero() {
		return j.ended.Sub(j.started)
	}
	return now.Sub(j.started)
}

// jobTable holds every job of the experiment in launch order, and the latest job per model name.
type jobTable struct {
	mu     sync.Mutex
	all    []*job
	latest map[string]*job
}

func newJobTable() *jobTable { return &jobTable{latest: map[string]*job{}} }

func (t *jobTable) add(j *job) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.all = append(t.all, j)
	t.latest[j.model.Name] = j
}

func (t *jobTable) last(name string) *job {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.latest[name]
}

func (t *jobTable) snapshot() []*job {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*job(nil), t.all...)
}

// active returns the jobs not yet in a terminal state.
func (t *jobTable) active() []*job {
	var out []*job
	for _, j := range t.snapshot() {
		if !j.Result().Status.Terminal() {
			out = append(out, j)
		}
	}
	return out
}
