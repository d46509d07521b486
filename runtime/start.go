package runtime

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ssrun/ssrun/launchers"
)

// StartOptions are start()'s keyword arguments.
type StartOptions struct {
	Block           bool
	Summary         bool
	KillOnInterrupt bool
	// Resume skips members that completed unchanged and re-attaches to running ones (resume.go).
	Resume bool
}

// step is one model to launch in a start() call, with the ensemble it belongs to ("" for a model).
type step struct {
	model    *Model
	ensemble *Ensemble
}

// validateEntities applies SmartSim's Manifest checks: names set, unique, ensembles not empty.
func validateEntities(entities []Entity) error {
	seen := map[string]bool{}
	for _, ent := range entities {
		if ent == nil {
			return NotAnEntity("NoneType")
		}
		name := ent.EntityName()
		if name == "" {
			return Errorf(AttributeError, "Entity has no name. Please set name attribute.")
		}
		if seen[name] {
			return Errorf(SmartSimError, "User provided two entities with the same name")
		}
		seen[name] = true
		if ens, ok := ent.(*Ensemble); ok && ens.Len() == 0 {
			return Errorf(ValueError, "%s is empty. Nothing to launch.", name)
		}
	}
	return nil
}

// stepsOf orders the models to launch as SmartSim does: ensembles' members first, then models.
func stepsOf(entities []Entity) []step {
	var steps []step
	for _, ent := range entities {
		if ens, ok := ent.(*Ensemble); ok {
			for _, m := range ens.members {
				steps = append(steps, step{model: m, ensemble: ens})
			}
		}
	}
	for _, ent := range entities {
		if m, ok := ent.(*Model); ok {
			steps = append(steps, step{model: m})
		}
	}
	return steps
}

// checkLaunchable refuses, before anything is launched, batch settings on the local launcher (SmartSim's
// TypeError), batch launches on other launchers (not built yet), and names that are running or were
// used by another object (SSUnsupportedError).
func (e *Experiment) checkLaunchable(entities []Entity, steps []step) error {
	for _, ent := range entities {
		if ens, ok := ent.(*Ensemble); ok && ens.BatchSettings != nil {
			if err := e.batchRefusal(ens.BatchSettings); err != nil {
				return err
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range steps {
		if seen[s.model.Name] {
			return Errorf(SSUnsupportedError, "SmartSim entities cannot have duplicate names.")
		}
		seen[s.model.Name] = true
		if s.model.BatchSettings != nil {
			if err := e.batchRefusal(s.model.BatchSettings); err != nil {
				return err
			}
		}
		if s.model.RunSettings == nil {
			return Errorf(SmartSimError, "Model %s has no run settings", s.model.Name)
		}
		if j := e.jobs.last(s.model.Name); j != nil {
			if !j.Result().Status.Terminal() || j.model != s.model {
				return Errorf(SSUnsupportedError, "SmartSim entities cannot have duplicate names.")
			}
		}
	}
	return nil
}

func (e *Experiment) batchRefusal(bs *BatchSettings) error {
	if e.LauncherName == "local" {
		return Errorf(TypeError, "Local Launcher only supports entities with RunSettings, not %s", bs.TypeName())
	}
	if _, ok := e.opts.Launcher.(launchers.BatchLauncher); ok || e.opts.DryRun {
		return nil
	}
	return Errorf(SSUnsupportedError, "Batch launch through the %s launcher is not supported", e.LauncherName)
}

// Start launches the entities: Manifest checks, every check that can refuse the launch, mkdir of the
// entity paths, then one job per model (ensemble members first), each with its output files under the
// telemetry directory and <path>/<name>.out/.err symlinks. The manifest is written afterwards. With
// Block it returns when every job of the experiment has ended, or when ctx is cancelled (then, with
// KillOnInterrupt, every running job is stopped first) with an error wrapping ctx.Err().
func (e *Experiment) Start(ctx context.Context, entities []Entity, o StartOptions) error {
	if err := validateEntities(entities); err != nil {
		return err
	}
	if e.opts.Launcher == nil {
		return Errorf(SmartSimError, "Experiment %s has no launcher to start jobs with", e.Name)
	}
	steps := stepsOf(entities)
	e.mu.Lock()
	err := e.checkLaunchable(entities, steps)
	if err == nil {
		err = e.checkDatabases(entities, steps)
	}
	if err == nil && (o.Resume || e.opts.Resume) {
		_, err = e.resumeJournal() // a journal resume cannot trust refuses before anything starts
	}
	if err == nil {
		err = e.launchAll(ctx, entities, steps, o)
	}
	e.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil && o.KillOnInterrupt {
			e.stopJobs(e.jobs.active())
			e.flushJournal()
		}
		return err
	}
	if o.Block {
		return e.wait(ctx, 0, false, o.KillOnInterrupt)
	}
	return nil
}

// launchAll runs with e.mu held.
func (e *Experiment) launchAll(ctx context.Context, entities []Entity, steps []step, o StartOptions) error {
	fsys := e.opts.FS
	for _, ent := range entities {
		e.plan.recordEntity(ent)
		if ens, ok := ent.(*Ensemble); ok {
			if err := fsys.MkdirAll(ens.Path); err != nil {
				return Errorf(SmartSimError, "Could not create directory %s: %w", ens.Path, err)
			}
		}
	}
	for _, s := range steps {
		if err := fsys.MkdirAll(s.model.Path); err != nil {
			return Errorf(SmartSimError, "Could not create directory %s: %w", s.model.Path, err)
		}
	}
	e.loadHistory()
	e.runsMu.Lock()
	run := &manifestRun{id: fmt.Sprintf("run-%03d", e.history.nextRun+len(e.runs)), timestamp: e.opts.Now().UnixNano()}
	for _, ent := range entities {
		if ens, ok := ent.(*Ensemble); ok {
			run.ensembles = append(run.ensembles, &ensembleSnap{name: ens.Name, path: ens.Path,
				strategy: ens.Strategy, seed: ens.Seed, batch: ens.BatchSettings.Clone()})
		}
	}
	e.runs = append(e.runs, run)
	e.runsMu.Unlock()
	if o.Summary {
		e.opts.Log.Info(e.launchSummary(entities))
	}
	if err := e.prepareDatabases(ctx, run, entities, steps); err != nil {
		e.flushJournal()
		return err
	}
	if o.Resume || e.opts.Resume {
		var err error
		if steps, err = e.applyResume(run, steps); err != nil {
			e.flushJournal()
			return err
		}
	}
	if err := e.journalIntents(e.intents(run, steps)); err != nil {
		e.flushJournal()
		return err
	}
	var firstErr error
	batched := map[string]bool{}
	for _, s := range steps {
		if ctx.Err() != nil {
			firstErr = Errorf(KeyboardInterrupt, "%w", ctx.Err())
			break
		}
		if owner, path, bs := batchOwner(s); bs != nil { // one batch job for all of the owner's members
			if batched[owner] {
				continue
			}
			batched[owner] = true
			js, err := e.launchBatch(ctx, run, owner, path, bs, batchMembers(steps, owner))
			if err != nil {
				firstErr = err
				break
			}
			e.runsMu.Lock()
			run.jobs = append(run.jobs, js...)
			e.runsMu.Unlock()
			continue
		}
		j, err := e.launchStep(ctx, run, s)
		if err != nil {
			firstErr = err
			break
		}
		e.runsMu.Lock()
		run.jobs = append(run.jobs, j)
		e.runsMu.Unlock()
	}
	e.flushJournal() // the journal shows this start before start() returns
	return firstErr
}

// launchStep builds the launchers.Job of one model and launches it.
func (e *Experiment) launchStep(ctx context.Context, run *manifestRun, s step) (*job, error) {
	m := s.model
	runID := 0
	if prev := e.jobs.last(m.Name); prev != nil {
		runID = prev.runID + 1
	}
	statusDir := filepath.Join(e.telemetryDir(), e.Name, run.id, "model", m.Name)
	if s.ensemble != nil {
		statusDir = filepath.Join(e.telemetryDir(), e.Name, run.id, "ensemble", s.ensemble.Name, m.Name)
	}
	env, delta := e.jobEnv(m)
	lj := launchers.Job{
		Name:     m.Name + "-" + run.id,
		Argv:     m.RunSettings.Command(),
		Env:      env,
		EnvDelta: delta,
		Dir:      m.Path,
		Stdout:   filepath.Join(statusDir, m.Name+".out"),
		Stderr:   filepath.Join(statusDir, m.Name+".err"),
		Record:   filepath.Join(statusDir, m.Name), // `ssrun member` records pid and exit code there
	}
	argv, err := e.stepCommand(m, lj.Name, lj.Stdout, lj.Stderr, delta, false)
	if err != nil {
		return nil, err
	}
	lj.Argv = argv
	if err := e.opts.FS.MkdirAll(statusDir); err != nil {
		return nil, Errorf(SmartSimError, "Could not create directory %s: %w", statusDir, err)
	}
	h, err := e.opts.Launcher.Launch(ctx, lj)
	if err != nil {
		e.opts.Log.Error("launch failed", "step", lj.Name, "error", err)
		return nil, Errorf(SmartSimError, "Job step %s failed to launch: %w", lj.Name, err)
	}
	j := &job{model: m, name: m.Name, snap: snapModel(m), entityType: "Model", runID: runID, run: run.id, step: lj.Name, handle: h,
		started: e.opts.Now(), stdout: lj.Stdout, stderr: lj.Stderr, statusDir: statusDir, argv: lj.Argv, envDelta: lj.EnvDelta,
		now: e.opts.Now, log: e.opts.Log, result: launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}}
	if s.ensemble != nil {
		j.ensemble = s.ensemble.Name
	}
	e.jobs.add(j)
	e.journalStarted(j)
	e.plan.recordLaunch(PlanLaunch{Name: lj.Name, Entity: m.Name, Type: j.entityType, RunID: runID, Run: run.id,
		Argv: lj.Argv, EnvDelta: lj.EnvDelta, Cwd: lj.Dir, Stdout: lj.Stdout, Stderr: lj.Stderr})
	e.linkOutputs(m, lj)
	e.journal.bg.Add(1)
	go e.watch(j)
	return j, nil
}

// linkOutputs (re)creates <path>/<name>.out and .err as symlinks to this run's output files; earlier
// runs' files stay where they are.
func (e *Experiment) linkOutputs(m *Model, lj launchers.Job) {
	for _, pair := range [][2]string{{lj.Stdout, ".out"}, {lj.Stderr, ".err"}} {
		link := filepath.Join(m.Path, m.Name+pair[1])
		_ = e.opts.FS.RemoveAll(link)
		if err := e.opts.FS.Symlink(pair[0], link); err != nil {
			e.opts.Log.Warn("could not link output file", "link", link, "error", err)
		}
	}
}

// watch waits for the job's end without polling and journals the change. It also returns when the
// experiment closes: a batch job left to the scheduler may run for days, and Close must not wait for it.
func (e *Experiment) watch(j *job) {
	defer e.journal.bg.Done()
	e.jobStarted(j)
	select {
	case <-j.handle.Done():
	case <-e.closing:
		return
	}
	j.settle()
	e.jobStopped(j)
	e.journalChanged()
}

// jobEnv is the process environment (Options.Environ with the model's env_vars and the client
// variables on top) and the sorted delta the experiment added.
func (e *Experiment) jobEnv(m *Model) (env, delta []string) {
	added := append([]Arg(nil), m.RunSettings.EnvVars...)
	added = mergeArgs(added, e.dbClientEnv(m))
	if len(m.Incoming) > 0 {
		added = mergeArgs(added, []Arg{{Key: "SSKEYIN", Value: strings.Join(m.Incoming, ",")}})
	}
	if m.keyPrefixing {
		added = mergeArgs(added, []Arg{{Key: "SSKEYOUT", Value: m.Name}})
	}
	values := map[string]string{}
	for _, a := range added {
		values[a.Key] = noneOrEmpty(a)
	}
	env = make([]string, 0, len(e.opts.Environ)+len(added))
	for _, kv := range e.opts.Environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := values[k]; !ok {
			env = append(env, kv)
		}
	}
	for _, a := range added {
		kv := a.Key + "=" + values[a.Key]
		env = append(env, kv)
		delta = append(delta, kv)
	}
	sort.Strings(delta)
	return env, delta
}

func noneOrEmpty(a Arg) string {
	if a.IsNone {
		return ""
	}
	return a.Value
}

func (e *Experiment) telemetryDir() string { return filepath.Join(e.Path, ".smartsim", "telemetry") }

// launchSummary is the "=== Launch Summary ===" block SmartSim logs with summary=True, followed by
// the launch manifest: ensembles (members, batch), models (run settings, parameters).
func (e *Experiment) launchSummary(entities []Entity) string {
	var b strings.Builder
	var ensembles []*Ensemble
	var models []*Model
	for _, ent := range entities {
		switch x := ent.(type) {
		case *Ensemble:
			ensembles = append(ensembles, x)
		case *Model:
			models = append(models, x)
		}
	}
	fmt.Fprintf(&b, "=== Launch Summary ===\nExperiment: %s\nExperiment Path: %s\nLauncher: %s\n", e.Name, e.Path, e.LauncherName)
	if len(models) > 0 {
		fmt.Fprintf(&b, "Models: %d\n", len(models))
	}
	b.WriteString("Database Status: " + e.databaseStatus() + "\n\n")
	if len(ensembles) > 0 {
		b.WriteString("=== Ensembles ===\n")
		for _, x := range ensembles {
			fmt.Fprintf(&b, "%s\nMembers: %d\nBatch Launch: %s\n", x.Name, x.Len(), pyBool(x.BatchSettings != nil))
		}
		b.WriteString("\n")
	}
	if len(models) > 0 {
		b.WriteString("=== Models ===\n")
		for _, m := range models {
			fmt.Fprintf(&b, "%s\n%s\n", m.Name, m.RunSettings)
			if len(m.Params) > 0 {
				b.WriteString("Parameters: \n")
				for _, p := range m.Params {
					fmt.Fprintf(&b, "%s = %s\n", p.Key, p.Value)
				}
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}
