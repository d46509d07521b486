package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// This file holds what a script does with jobs once they are launched: wait for them (blocking start,
// poll), stop them, ask whether they finished and what their statuses are, and close the experiment.

// wait blocks until no job of the experiment is active. With verbose it logs every job's status each
// interval (poll()); the waiting itself is driven by the jobs' Done channels.
func (e *Experiment) wait(ctx context.Context, interval time.Duration, verbose, killOnInterrupt bool) error {
	var tick <-chan time.Time
	if verbose && interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	redraw, done := e.showProgress(e.jobs.active())
	defer done()
	for {
		active := e.jobs.active()
		if len(active) == 0 {
			e.flushJournal()
			return nil
		}
		for i := 0; i < len(active); {
			select {
			case <-active[i].handle.Done():
				active[i].settle()
				i++
				e.redrawProgress()
			case <-redraw:
				e.redrawProgress()
			case <-tick:
				for _, j := range active[i:] {
					e.opts.Log.Info(fmt.Sprintf("%s(%s): %s", j.name, j.handle.ID(), j.Result().Status))
				}
			case <-ctx.Done():
				return e.interrupted(ctx, killOnInterrupt)
			}
		}
	}
}

// interrupted ends a wait cut short by ctx (SIGINT): with kill_on_interrupt every running local job is
// stopped, otherwise each is named so the user can stop it by hand. Batch jobs are left to the
// scheduler either way (docs/design.md §4), as at script end: Close records them; exp.stop cancels them.
func (e *Experiment) interrupted(ctx context.Context, killOnInterrupt bool) error {
	if killOnInterrupt {
		local, _ := splitBatchJobs(e.jobs.active())
		e.stopJobs(local)
	} else {
		for _, j := range e.jobs.active() {
			e.opts.Log.Warn(fmt.Sprintf("job %s (id %s) left running", j.name, j.handle.ID()))
		}
	}
	e.flushJournal()
	return Errorf(KeyboardInterrupt, "%w", ctx.Err())
}

// Poll waits until every job has ended, logging statuses every interval when verbose (SmartSim's
// poll(interval=10, verbose=True, kill_on_interrupt=True)).
func (e *Experiment) Poll(ctx context.Context, interval time.Duration, verbose, killOnInterrupt bool) error {
	return e.wait(ctx, interval, verbose, killOnInterrupt)
}

// Stop ends the entities' running jobs (Cancelled): models and ensembles first, then databases (every
// shard is sent SHUTDOWN, so models still running never see their database vanish under them). A
// finished job or stopped database is left alone; an entity never launched in this experiment is
// SmartSim's raw KeyError, and then nothing is stopped.
func (e *Experiment) Stop(entities ...Entity) error {
	if err := validateEntities(entities); err != nil {
		return err
	}
	var jobs []*job
	for _, s := range stepsOf(entities) {
		j := e.jobs.last(s.model.Name)
		if j == nil {
			return Errorf(KeyError, "'%s'", s.model.Name)
		}
		jobs = append(jobs, j)
	}
	dbs := databasesOf(entities)
	for _, o := range dbs {
		if !o.launched() {
			return Errorf(KeyError, "'%s'", o.Name)
		}
	}
	e.stopJobs(jobs)
	for _, o := range dbs {
		if err := e.StopDatabase(o); err != nil {
			return err
		}
	}
	e.flushJournal()
	return nil
}

// stopJobs stops jobs concurrently and waits until each has ended.
func (e *Experiment) stopJobs(jobs []*job) {
	done := make(chan struct{}, len(jobs))
	for _, j := range jobs {
		go func() {
			defer func() { done <- struct{}{} }()
			if j.Result().Status.Terminal() {
				return
			}
			j.mu.Lock()
			j.stopped = true
			j.mu.Unlock()
			if err := j.handle.Stop(); err != nil {
				e.opts.Log.Warn("stop failed", "job", j.model.Name, "error", err)
			}
			<-j.handle.Done()
			j.settle()
		}()
	}
	for range jobs {
		<-done
	}
}

// Finished reports whether the entity's latest job has ended (an ensemble: all its members).
func (e *Experiment) Finished(ent Entity) (bool, error) {
	if ent == nil {
		return false, NotAnEntity("NoneType")
	}
	for _, s := range stepsOf([]Entity{ent}) {
		j := e.jobs.last(s.model.Name)
		if j == nil {
			return false, Errorf(ValueError, "Entity %s has not been launched in this experiment", s.model.Name)
		}
		if !j.Result().Status.Terminal() {
			return false, nil
		}
	}
	if ens, ok := ent.(*Ensemble); ok && ens.Len() == 0 {
		return false, Errorf(ValueError, "Entity %s has not been launched in this experiment", ens.Name)
	}
	return true, nil
}

// GetStatus returns the statuses in argument order (an ensemble contributes its members in order, a
// database its shards); a model or database never launched in this experiment is NeverStarted.
func (e *Experiment) GetStatus(entities ...Entity) ([]launchers.Status, error) {
	var out []launchers.Status
	for _, ent := range entities {
		if ent == nil {
			return nil, NotAnEntity("NoneType")
		}
		if o, ok := ent.(*Orchestrator); ok {
			out = append(out, o.ShardStatuses()...)
			continue
		}
		for _, s := range stepsOf([]Entity{ent}) {
			if j := e.jobs.last(s.model.Name); j != nil && j.model == s.model {
				out = append(out, j.Result().Status)
			} else {
				out = append(out, launchers.StatusNeverStarted)
			}
		}
	}
	return out, nil
}

// Close stops every local job still running (script end, SIGINT), then every database (SHUTDOWN, so
// each ends cleanly rather than killed by the launcher's release), waits for the background journal
// work and writes the final manifest. Batch jobs are left to the scheduler (they are the cluster's, and
// may wait in its queue longer than any driver runs): the manifest records each with its job id and
// latest status, so `ssrun status` and a re-run find them. Nothing else of the experiment keeps running.
func (e *Experiment) Close() error {
	local, batch := splitBatchJobs(e.jobs.active())
	e.stopJobs(local)
	e.StopDatabases()
	e.closeOnce.Do(func() {
		e.leaveToScheduler(batch)
		close(e.closing)
	})
	e.journal.bg.Wait()
	e.flushJournal()
	return nil
}

// splitBatchJobs separates jobs following batch jobs from those the experiment runs itself.
func splitBatchJobs(jobs []*job) (local, batch []*job) {
	for _, j := range jobs {
		if j.batch {
			batch = append(batch, j)
		} else {
			local = append(local, j)
		}
	}
	return local, batch
}

// leaveToScheduler records each batch job's latest known state (Running, or Paused while it waits in
// the queue) for the final manifest and says which jobs keep running. A job the launcher has not
// polled yet (New) keeps the Running it was given at submission.
func (e *Experiment) leaveToScheduler(jobs []*job) {
	logged := map[string]bool{} // an ensemble's members share one batch job: say so once
	for _, j := range jobs {
		r := j.handle.Result()
		switch {
		case r.Status.Terminal():
			j.settle()
			continue
		case r.Status != launchers.StatusNew:
			j.setResult(r, e.opts.Now())
		}
		if owner := j.batchOwnerName(); !logged[j.handle.ID()] {
			logged[j.handle.ID()] = true
			e.opts.Log.Warn(fmt.Sprintf("batch job %s (id %s) left to the scheduler: %s", owner, j.handle.ID(), j.Result().Status))
		}
	}
}

// batchOwnerName is the entity a batch job was submitted for: the member's ensemble, or the model.
func (j *job) batchOwnerName() string {
	if j.ensemble != "" {
		return j.ensemble
	}
	return j.name
}
