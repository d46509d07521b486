package runtime

import "path/filepath"

// A hermetic dry run (Options.Hermetic) plans what the script does on a clean checkout: it ignores what
// earlier runs left in the experiment directory (entity directories, smartsim_params.txt, the manifest
// and telemetry with their run ids). An ordinary dry run takes them into account, since it must name
// what a real run would do here and now (remove an old directory, use run-003); `ssrun test` wants the
// same plan on every machine and after any real run, so golden files never depend on leftovers.

// applyHermetic makes a dry run's file system see exp_path as it exists but with nothing below it.
// Run ids start at run-000 because loadHistory skips hermetic experiments.
func (e *Experiment) applyHermetic() {
	if !e.opts.Hermetic || !e.opts.DryRun {
		return
	}
	if d, ok := e.opts.FS.(*DryFS); ok {
		d.shadow(e.Path)
	}
}

// shadow hides everything on disk below path; path itself keeps its real existence and kind.
func (d *DryFS) shadow(path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	path = filepath.Clean(path)
	exists, dir := OSFS{}.Exists(path)
	d.overlay[path] = dryEntry{exists: exists, dir: dir, shadow: true}
}
