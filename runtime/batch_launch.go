package runtime

import (
	"context"
	"path/filepath"

	"github.com/ssrun/ssrun/launchers"
)

// batchOwner is what a step's batch settings come from: its ensemble's, or its own for a model; nil
// owner settings mean the step is launched on its own.
func batchOwner(s step) (name, path string, bs *BatchSettings) {
	if s.ensemble != nil {
		if s.ensemble.BatchSettings != nil {
			return s.ensemble.Name, s.ensemble.Path, s.ensemble.BatchSettings
		}
		return "", "", nil
	}
	if s.model.BatchSettings != nil {
		return s.model.Name, s.model.Path, s.model.BatchSettings
	}
	return "", "", nil
}

// launchBatch writes one batch script for a batch model or ensemble, <path>/<name>.sh as SmartSim
// writes it, submits it once, and gives every member a job of its own inside that batch job: members
// share its id, each ends with its own status and exit code as the script records them in
// <status dir>/<name>.exitcodes (batch_member.go), and stopping any of them cancels the batch job. The
// batch job's output files are <status dir>/<name>.out|.err; each member writes its own under
// <status dir>/<member>/ (members' <path>/<member>.out links point there).
func (e *Experiment) launchBatch(ctx context.Context, run *manifestRun, owner, ownerPath string, bs *BatchSettings, members []step) ([]*job, error) {
	kind := "model"
	if members[0].ensemble != nil {
		kind = "ensemble"
	}
	statusDir := filepath.Join(e.telemetryDir(), e.Name, run.id, kind, owner)
	stepName := owner + "-" + run.id
	bj := launchers.BatchJob{Name: stepName, Script: filepath.Join(ownerPath, owner+".sh"), Dir: ownerPath,
		Stdout: filepath.Join(statusDir, owner+".out"), Stderr: filepath.Join(statusDir, owner+".err")}
	var launches []memberLaunch
	var lines []scriptMember
	for _, s := range members {
		m := s.model
		ml := memberLaunch{s: s, step: m.Name + "-" + run.id, dir: filepath.Join(statusDir, m.Name)}
		ml.out, ml.errOut = filepath.Join(ml.dir, m.Name+".out"), filepath.Join(ml.dir, m.Name+".err")
		if err := e.opts.FS.MkdirAll(ml.dir); err != nil {
			return nil, Errorf(SmartSimError, "Could not create directory %s: %w", ml.dir, err)
		}
		_, delta := e.jobEnv(m)
		argv, err := e.stepCommand(m, ml.step, ml.out, ml.errOut, delta, true)
		if err != nil {
			return nil, err
		}
		srun := e.LauncherName == "slurm" && m.RunSettings.RunCommandStyle() == "srun"
		lines = append(lines, scriptMember{Name: m.Name, Dir: m.Path, Command: memberCommand(argv, srun, delta, ml.out, ml.errOut)})
		ml.argv, ml.delta = argv, delta
		launches = append(launches, ml)
	}
	exitFile := filepath.Join(statusDir, owner+".exitcodes")
	script := batchScript(bs, stepName, bj.Stdout, bj.Stderr, exitFile, lines)
	if err := e.opts.FS.WriteFile(bj.Script, []byte(script), 0o755); err != nil {
		return nil, Errorf(SmartSimError, "Could not write batch script %s: %w", bj.Script, err)
	}
	if err := e.opts.FS.WriteFile(exitFile, nil, 0o644); err != nil { // created here: see batch_member.go
		return nil, Errorf(SmartSimError, "Could not create %s: %w", exitFile, err)
	}
	submit := batchSubmitArgv(bs.Kind, bj.Script)
	h, err := e.submitBatch(ctx, bj, submit)
	if err != nil {
		e.opts.Log.Error("batch submission failed", "step", stepName, "error", err)
		return nil, Errorf(SmartSimError, "Batch job %s failed to launch: %w", stepName, err)
	}
	e.plan.recordLaunch(PlanLaunch{Name: stepName, Entity: owner, Type: "Batch", Run: run.id, Argv: submit,
		Cwd: bj.Dir, Stdout: bj.Stdout, Stderr: bj.Stderr, Script: script})
	handles := e.memberHandles(h, exitFile, launches)
	jobs := make([]*job, 0, len(launches))
	for i, ml := range launches {
		m := ml.s.model
		runID := 0
		if prev := e.jobs.last(m.Name); prev != nil {
			runID = prev.runID + 1
		}
		j := &job{model: m, name: m.Name, snap: snapModel(m), entityType: "Model", runID: runID, run: run.id,
			step: ml.step, handle: handles[i], batch: true, started: e.opts.Now(), stdout: ml.out, stderr: ml.errOut, statusDir: ml.dir,
			argv: ml.argv, envDelta: ml.delta, now: e.opts.Now, log: e.opts.Log, result: launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}}
		if ml.s.ensemble != nil {
			j.ensemble = ml.s.ensemble.Name
		}
		jobs = append(jobs, j)
	}
	e.journalStarted(jobs...) // before any watcher can journal an end
	for i, j := range jobs {
		e.jobs.add(j)
		e.linkOutputs(j.model, launchers.Job{Stdout: launches[i].out, Stderr: launches[i].errOut})
		e.journal.bg.Add(1)
		go e.watch(j)
	}
	return jobs, nil
}

// memberHandles gives each member its own handle following the exit-code file of the batch job h
// (one reader per batch job, woken through the experiment's one watcher). A dry run records the
// submission without running anything, so its members follow the recorded job itself.
func (e *Experiment) memberHandles(h launchers.Handle, exitFile string, launches []memberLaunch) []launchers.Handle {
	out := make([]launchers.Handle, len(launches))
	if e.opts.DryRun {
		for i := range out {
			out[i] = h
		}
		return out
	}
	names := make([]string, len(launches))
	for i, ml := range launches {
		names[i] = ml.s.model.Name
	}
	g, members := newBatchExits(exitFile, h, names, e.opts.Log, e.closing)
	for i, m := range members {
		out[i] = m
	}
	wake, unsubscribe := e.batchWake.subscribe(exitFile)
	go func() {
		defer unsubscribe()
		g.follow(wake, exitCodesTick)
	}()
	return out
}

// submitBatch submits through the launcher's batch interface; a launcher without one (the dry-run
// recorder) is handed the submission command as an ordinary job, which it records without running.
func (e *Experiment) submitBatch(ctx context.Context, bj launchers.BatchJob, submit []string) (launchers.Handle, error) {
	if bl, ok := e.opts.Launcher.(launchers.BatchLauncher); ok {
		return bl.Submit(ctx, bj)
	}
	if !e.opts.DryRun {
		return nil, Errorf(SSUnsupportedError, "the %s launcher cannot submit batch jobs", e.opts.Launcher.Name())
	}
	return e.opts.Launcher.Launch(ctx, launchers.Job{Name: bj.Name, Argv: submit, Dir: bj.Dir, Stdout: bj.Stdout, Stderr: bj.Stderr})
}

// memberLaunch is one member of a batch job as launchBatch prepares it.
type memberLaunch struct {
	s                      step
	step, dir, out, errOut string
	argv, delta            []string // the member's command and environment delta, for the manifest
}

// batchMembers are the steps whose batch settings belong to owner, in launch order.
func batchMembers(steps []step, owner string) []step {
	var out []step
	for _, s := range steps {
		if name, _, bs := batchOwner(s); bs != nil && name == owner {
			out = append(out, s)
		}
	}
	return out
}
