package runtime

import (
	"encoding/json"
	"github.com/ssrun/ssrun/launchers"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The manifest is the experiment's journal: .smartsim/telemetry/manifest.json in SmartSim's 0.0.4
// layout, with ssrun's additions (each job's status, return code and job id; the expansion seed), so
// `ssrun status` and a re-run can see what ran, where and how it ended. It is rewritten atomically
// (temp file + rename) after every start and every status change; bursts of changes are coalesced by
// one writer goroutine so a 1,000-member ensemble does not rewrite it 1,000 times in a row.

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

// journal coalesces manifest rewrites: a change marks it dirty; one writer goroutine, started on
// demand, rewrites (at most every journalMinInterval) until nothing is pending and then exits. bg
// counts it and the job watchers, so Close can wait for both before its final write.
type journal struct {
	state   sync.Mutex
	dirty   bool
	running bool
	mu      sync.Mutex // serialises writes
	bg      sync.WaitGroup
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
		for {
			j.state.Lock()
			if !j.dirty {
				j.running = false
				j.state.Unlock()
				return
			}
			j.dirty = false
			j.state.Unlock()
			e.writeManifestLogged()
			time.Sleep(journalMinInterval)
		}
	}()
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

func (e *Experiment) writeManifest() error {
	e.journal.mu.Lock()
	defer e.journal.mu.Unlock()
	data, err := json.MarshalIndent(e.manifestDoc(), "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(e.ManifestPath(), append(data, '\n'))
}

// writeFileAtomic writes data to a temporary file beside path and renames it over path, so readers
// see the old or the new content, never a partial one.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil { // the rename must never publish a file whose data is not on disk
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

type manifestDoc struct {
	Schema     map[string]string `json:"schema info"`
	Experiment map[string]any    `json:"experiment"`
	Runs       []any             `json:"runs"`
}

func (e *Experiment) manifestDoc() manifestDoc {
	logs := filepath.Join(e.telemetryDir(), "logs")
	doc := manifestDoc{
		Schema: map[string]string{"schema_name": "entity manifest", "version": "0.0.4"},
		Experiment: map[string]any{"name": e.Name, "path": e.Path, "launcher": launcherTitle(e.LauncherName),
			"out_file": filepath.Join(logs, "smartsim.out"), "err_file": filepath.Join(logs, "smartsim.err"),
			"seed": e.opts.Seed},
		Runs: []any{},
	}
	for _, raw := range e.history.prior {
		doc.Runs = append(doc.Runs, raw)
	}
	for _, run := range e.runsSnapshot() {
		doc.Runs = append(doc.Runs, e.manifestRunDoc(run))
	}
	return doc
}

func launcherTitle(name string) string {
	if name == "" {
		return ""
	}
	return string(name[0]-32) + name[1:]
}

func (e *Experiment) manifestRunDoc(run *manifestRun) map[string]any {
	e.runsMu.Lock()
	jobs := append([]*job(nil), run.jobs...)
	databases := append([]*dbJob(nil), run.databases...)
	e.runsMu.Unlock()
	models, ensembles, orchestrators := []any{}, []any{}, []any{}
	for _, d := range databases {
		orchestrators = append(orchestrators, e.addShardTelemetry(d.manifestEntry()))
	}
	members := map[string][]any{}
	for _, j := range jobs {
		if j.ensemble == "" {
			models = append(models, e.manifestEntry(j))
		} else {
			members[j.ensemble] = append(members[j.ensemble], e.manifestEntry(j))
		}
	}
	for _, x := range run.ensembles {
		ms := members[x.name]
		if ms == nil {
			ms = []any{}
		}
		ensembles = append(ensembles, map[string]any{
			"name": x.name, "path": x.path, "perm_strategy": x.strategy, "seed": x.seed,
			"batch_settings": batchDoc(x.batch), "models": ms,
			"telemetry_metadata": map[string]any{
				"status_dir": filepath.Join(e.telemetryDir(), e.Name, run.id, "ensemble", x.name),
				"step_id":    nil, "task_id": nil, "managed": false},
		})
	}
	return map[string]any{"run_id": run.id, "timestamp": run.timestamp, "model": models,
		"orchestrator": orchestrators, "ensemble": ensembles}
}

// manifestEntry is a job's manifest entry. Once the job has ended its entry cannot change, so it is
// encoded once and reused by every later rewrite (a 1,000-member journal is mostly cached bytes).
func (e *Experiment) manifestEntry(j *job) any {
	j.mu.Lock()
	cached := j.manifestCache
	j.mu.Unlock()
	if cached != nil {
		return cached
	}
	entry := e.manifestModel(j)
	if st, _ := entry["telemetry_metadata"].(map[string]any)["status"].(string); launchers.Status(st).Terminal() {
		if data, err := json.Marshal(entry); err == nil {
			j.mu.Lock()
			j.manifestCache = data
			j.mu.Unlock()
			return json.RawMessage(data)
		}
	}
	return entry
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
