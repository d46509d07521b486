package runtime

import (
	"path/filepath"
	"sync"

	"github.com/ssrun/ssrun/launchers"
	jrnl "github.com/ssrun/ssrun/runtime/journal"
)

// runLog is the experiment's append-only journal (package journal): intents are written and fsync'ed
// before a start launches anything, job ids and ends are appended as they happen and fsync'ed with the
// manifest's coalesced rewrites. A real run opens it at its first start; a dry run never writes it.
type runLog struct {
	once sync.Once
	w    *jrnl.Writer
	err  error
}

// JournalPath is where the journal is written.
func (e *Experiment) JournalPath() string { return filepath.Join(e.telemetryDir(), jrnl.FileName) }

func (e *Experiment) journalWriter() (*jrnl.Writer, error) {
	if e.opts.DryRun {
		return nil, nil
	}
	e.runlog.once.Do(func() {
		e.runlog.w, e.runlog.err = jrnl.Create(e.JournalPath(), jrnl.Record{Exp: e.Name, Script: e.opts.Script})
	})
	return e.runlog.w, e.runlog.err
}

// journalAppend appends records; a failure is logged (the run goes on; intents use journalIntents).
func (e *Experiment) journalAppend(sync bool, recs ...jrnl.Record) {
	w, err := e.journalWriter()
	if err == nil && w != nil {
		err = w.Append(sync, recs...)
	}
	if err != nil {
		e.opts.Log.Error("could not append to the journal", "path", e.JournalPath(), "error", err)
	}
}

// journalIntents makes the intents durable; a start that cannot record them launches nothing.
func (e *Experiment) journalIntents(recs []jrnl.Record) error {
	if len(recs) == 0 {
		return nil
	}
	w, err := e.journalWriter()
	if err == nil && w != nil {
		err = w.Append(true, recs...)
	}
	if err != nil {
		return Errorf(SmartSimError, "Could not write the journal %s (nothing was launched): %w", e.JournalPath(), err)
	}
	return nil
}

// journalSync is the group commit of started and end records.
func (e *Experiment) journalSync() {
	if e.runlog.w != nil {
		if err := e.runlog.w.Sync(); err != nil {
			e.opts.Log.Error("could not sync the journal", "path", e.JournalPath(), "error", err)
		}
	}
}

// journalStarted records launched jobs' ids and arranges for their ends to be recorded. The members
// of one batch job are recorded in one write, so a driver killed meanwhile leaves all of them with the
// job's id or none.
func (e *Experiment) journalStarted(js ...*job) {
	if e.opts.DryRun {
		return
	}
	recs := make([]jrnl.Record, len(js))
	for i, j := range js {
		j.onSettle = e.journalEnd
		recs[i] = jrnl.Record{Ev: jrnl.EvStarted, Run: j.run, Name: j.name, Job: j.handle.ID()}
	}
	e.journalAppend(false, recs...)
}

// journalEnd records how a job ended, under the run whose execution it follows.
func (e *Experiment) journalEnd(j *job, r launchers.Result) {
	code := r.ExitCode
	run := j.run
	if j.attachedFrom != "" {
		run = j.attachedFrom
	}
	e.journalAppend(false, jrnl.Record{Ev: jrnl.EvEnd, Run: run, Name: j.name, Status: string(r.Status), Code: &code})
}
