package runtime

import (
	"bufio"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The manifest is the experiment's journal: .smartsim/telemetry/manifest.json in SmartSim's 0.0.4
// layout, with ssrun's additions (each job's status, return code and job id; the expansion seed), so
// `ssrun status` and a re-run can see what ran, where and how it ended. It is rewritten atomically
// (temp file + rename, streamed one entry at a time) when start, stop, poll and Close return, and in
// the background after status changes: coalesced by one writer goroutine and paced by the cost of the
// previous rewrite (manifestPacing), so its total cost stays linear in members while the journal beside
// it (run_log.go) records every launch and end as it happens.

// manifestRun is one start() call. Everything in it is a snapshot taken at launch, so the writer
// goroutine never reads entities the script may be changing.
type manifestRun struct {
	id        string
	timestamp int64
	ensembles []*ensembleSnap
	jobs      []*job // guarded by Experiment.runsMu
	// skipped are the members resume did not launch (summary rows only: the manifest keeps them in the
	// run that executed them, so a resume of 10,000 members does not copy 10,000 entries).
	skipped   []*job
	databases []*dbJob // guarded by Experiment.runsMu; launched before the jobs of the run
}

// ensembleSnap is an ensemble as it was launched.
type ensembleSnap struct {
	name, path, strategy string
	seed                 uint64
	batch                *BatchSettings
}

// modelSnap is a model as it was launched.
type modelSnap struct {
	path   string
	params Params
	rs     *RunSettings
	batch  *BatchSettings
	files  *EntityFiles
	colo   map[string]any // the manifest's colocated_db
}

func snapModel(m *Model) modelSnap {
	return modelSnap{path: m.Path, params: m.Params.Clone(), rs: m.RunSettings.Clone(),
		batch: m.BatchSettings.Clone(), files: m.Files.Clone(), colo: colocatedDoc(m)}
}

// journalMinInterval spaces background rewrites: a burst of status changes (1,000 members ending
// together) costs a few rewrites, not 1,000. start/stop/poll/Close still write synchronously when
// they return, so the script never observes a stale journal.
const journalMinInterval = 200 * time.Millisecond

// manifestPacing keeps background rewrites under 1/manifestPacing of the time: after a rewrite that
// took d, the next waits at least manifestPacing*d. A rewrite costs O(members), so rewriting at a fixed
// rate would make a 100,000-member run quadratic; paced, the manifest's total cost stays a fixed share
// of the run. Live status does not wait for it: every launch and end is appended to the journal at
// once (journal.jsonl, group-committed every journalMinInterval), and `ssrun status` and the dashboard
// read the journal over the manifest.
const manifestPacing = 20

// journal coalesces manifest rewrites: a change marks it dirty; one writer goroutine, started on
// demand, rewrites (paced by manifestWait) until nothing is pending and then exits. bg counts it and
// the job watchers, so Close can wait for both before its final write.
type journal struct {
	state   sync.Mutex
	dirty   bool
	running bool
	mu      sync.Mutex // serialises writes
	bg      sync.WaitGroup

	lastWrite time.Duration // how long the latest rewrite took (under mu)
	lastEnd   time.Time     // when it ended (under mu)
}

// journalChanged schedules a manifest rewrite (real runs only).
func (e *Experiment) journalChanged() {
	if e.opts.DryRun {
		return
	}
	j := &e.journal
	j.state.Lock()
	j.dirty = true
	if j.running {
		j.state.Unlock()
		return
	}
	j.running = true
	j.bg.Add(1)
	j.state.Unlock()
	go func() {
		defer j.bg.Done()
		for j.pending() {
			if wait := e.manifestWait(); wait > 0 {
				e.journalSync() // the journal's group commit does not wait for the manifest
				if !e.pause(min(wait, journalMinInterval)) {
					break
				}
				continue
			}
			j.state.Lock()
			j.dirty = false
			j.state.Unlock()
			e.writeManifestLogged()
			if !e.pause(journalMinInterval) {
				break
			}
		}
		j.state.Lock()
		j.running = false
		j.state.Unlock()
	}()
}

// pending reports whether a rewrite is wanted; when not, the writer goroutine ends.
func (j *journal) pending() bool {
	j.state.Lock()
	defer j.state.Unlock()
	return j.dirty
}

// pause sleeps d, or returns false at once when the experiment is closing (Close writes last).
func (e *Experiment) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.closing:
		return false
	}
}

// manifestWait is how long the next background rewrite must wait to respect manifestPacing.
func (e *Experiment) manifestWait() time.Duration {
	e.journal.mu.Lock()
	last, took := e.journal.lastEnd, e.journal.lastWrite
	e.journal.mu.Unlock()
	return time.Until(last.Add(max(journalMinInterval, manifestPacing*took)))
}

// flushJournal writes the manifest now, so callers returning to the script leave it current.
func (e *Experiment) flushJournal() {
	if e.opts.DryRun || len(e.runsSnapshot()) == 0 {
		return
	}
	e.writeManifestLogged()
}

func (e *Experiment) writeManifestLogged() {
	e.journalSync() // the journal's group commit rides on the manifest's coalesced rewrites
	if err := e.writeManifest(); err != nil {
		e.opts.Log.Error("could not write manifest", "error", err)
	}
}

func (e *Experiment) runsSnapshot() []*manifestRun {
	e.runsMu.Lock()
	defer e.runsMu.Unlock()
	return append([]*manifestRun(nil), e.runs...)
}

// ManifestPath is where the manifest is written.
func (e *Experiment) ManifestPath() string { return filepath.Join(e.telemetryDir(), "manifest.json") }

// writeManifest streams the manifest to a temporary file and renames it into place. It reports how
// long the write took, which spaces the next background rewrite (manifestPacing).
func (e *Experiment) writeManifest() error {
	e.journal.mu.Lock()
	defer e.journal.mu.Unlock()
	began := time.Now()
	err := writeFileAtomicFunc(e.ManifestPath(), e.streamManifest)
	e.journal.lastEnd = time.Now()
	e.journal.lastWrite = e.journal.lastEnd.Sub(began)
	return err
}

// writeFileAtomicFunc writes what write produces (through a buffer) to a temporary file beside path,
// syncs it and renames it over path, so readers see the old or the new content, never a partial one.
func writeFileAtomicFunc(path string, write func(*bufio.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 256<<10)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync() // the rename must never publish a file whose data is not on disk
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// streamManifest writes the whole manifest: SmartSim's header, the runs of earlier invocations copied
// from the manifest they left, then this driver's runs, one entry at a time.
func (e *Experiment) streamManifest(w *bufio.Writer) error {
	logs := filepath.Join(e.telemetryDir(), "logs")
	s := newManifestStream(w)
	s.open('{')
	s.field("schema info", map[string]string{"schema_name": "entity manifest", "version": "0.0.4"})
	s.field("experiment", map[string]any{"name": e.Name, "path": e.Path, "launcher": launcherTitle(e.LauncherName),
		"out_file": filepath.Join(logs, "smartsim.out"), "err_file": filepath.Join(logs, "smartsim.err"),
		"seed": e.opts.Seed})
	s.key("runs")
	s.open('[')
	for i := range e.history.prior {
		s.next()
		s.raw(func(w *bufio.Writer) error { return e.history.copyRun(w, i) })
	}
	for _, run := range e.runsSnapshot() {
		s.next()
		e.streamRun(s, run)
	}
	s.close(']')
	s.close('}')
	s.write("\n")
	return s.err
}

func launcherTitle(name string) string {
	if name == "" {
		return ""
	}
	return string(name[0]-32) + name[1:]
}

// streamRun writes one start() call's manifest entry, keys sorted as MarshalIndent sorts a map's.
func (e *Experiment) streamRun(s *manifestStream, run *manifestRun) {
	e.runsMu.Lock()
	jobs := append([]*job(nil), run.jobs...)
	databases := append([]*dbJob(nil), run.databases...)
	e.runsMu.Unlock()
	members := map[string][]*job{}
	var models []*job
	for _, j := range jobs {
		if j.ensemble == "" {
			models = append(models, j)
		} else {
			members[j.ensemble] = append(members[j.ensemble], j)
		}
	}
	s.open('{')
	s.key("ensemble")
	s.open('[')
	for _, x := range run.ensembles {
		s.next()
		s.open('{')
		s.field("batch_settings", batchDoc(x.batch))
		s.key("models")
		e.streamEntries(s, members[x.name])
		s.field("name", x.name)
		s.field("path", x.path)
		s.field("perm_strategy", x.strategy)
		s.field("seed", x.seed)
		s.field("telemetry_metadata", map[string]any{
			"status_dir": filepath.Join(e.telemetryDir(), e.Name, run.id, "ensemble", x.name),
			"step_id":    nil, "task_id": nil, "managed": false})
		s.close('}')
	}
	s.close(']')
	s.key("model")
	e.streamEntries(s, models)
	s.key("orchestrator")
	s.open('[')
	for _, d := range databases {
		s.next()
		s.value(e.addShardTelemetry(d.manifestEntry()))
	}
	s.close(']')
	s.field("run_id", run.id)
	s.field("timestamp", run.timestamp)
	s.close('}')
}

// streamEntries writes jobs' entries as an array, encoding one at a time.
func (e *Experiment) streamEntries(s *manifestStream, jobs []*job) {
	s.open('[')
	for _, j := range jobs {
		s.next()
		s.value(e.manifestModel(j))
	}
	s.close(']')
}

func (e *Experiment) manifestModel(j *job) map[string]any {
	m := j.snap
	params := map[string]string{}
	for _, p := range m.params {
		params[p.Key] = p.Value
	}
	runArgs := map[string]any{}
	for _, a := range m.rs.RunArgs {
		if a.IsNone {
			runArgs[a.Key] = nil
		} else {
			runArgs[a.Key] = a.Value
		}
	}
	files := map[string][]string{"Symlink": {}, "Configure": {}, "Copy": {}}
	if m.files != nil {
		files["Symlink"], files["Configure"], files["Copy"] = nonNil(m.files.Symlink), nonNil(m.files.Configure), nonNil(m.files.Copy)
	}
	r := j.Result()
	var rc any
	if r.Status.Terminal() {
		rc = r.ExitCode
	}
	started, ended := j.times()
	entry := map[string]any{
		"name": j.name, "path": m.path, "exe_args": nonNil(m.rs.ExeArgs),
		"run_settings": map[string]any{"exe": []string{m.rs.Exe}, "run_command": m.rs.RunCommand,
			"run_args": runArgs},
		"batch_settings": batchDoc(m.batch), "params": params, "files": files, "colocated_db": m.colo,
		"telemetry_metadata": map[string]any{"status_dir": j.statusDir, "step_id": j.handle.ID(),
			"task_id": j.handle.ID(), "managed": false, "job_id": j.handle.ID(), "run_id": j.runID, "step_name": j.step,
			"status": string(r.Status), "return_code": rc,
			"argv": nonNil(j.argv), "env": nonNil(j.envDelta), "start_time": timeDoc(started), "end_time": timeDoc(ended)},
		"out_file": j.stdout, "err_file": j.stderr,
	}
	if j.resumeNote != "" { // why a resumed run did not launch it
		entry["telemetry_metadata"].(map[string]any)["resume"] = j.resumeNote
	}
	return entry
}

// timeDoc is a manifest timestamp: RFC 3339 in UTC with nanoseconds, or null when it has not happened
// (a job still running has no end_time). ssrun's addition, so durations and timelines can be drawn.
func timeDoc(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func batchDoc(bs *BatchSettings) map[string]any {
	if bs == nil {
		return map[string]any{}
	}
	return map[string]any{"batch_cmd": bs.Kind, "batch_args": bs.FormatBatchArgs()}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
