package runtime

import (
	"path/filepath"
	"strings"
)

// stepCommand is the argv a model's step runs as. On the Slurm launcher an srun run command becomes a
// full srun step as SmartSim writes it: `srun --output <out> --error <err> --job-name <step> [--jobid
// <alloc>] [--export ALL,K=V,...] <run args> <exe> <exe args>`. Outside a batch script the step needs
// an allocation: a "jobid" run argument or $SLURM_JOB_ID, as SmartSim's AllocationError demands; a dry
// run plans the step without one so a laptop can review a cluster run. Every other combination of
// launcher and run command runs the run settings' command as is. A colocated model's program is
// wrapped by `ssrun colocated` (colocatedCommand) behind the run command and its arguments.
func (e *Experiment) stepCommand(m *Model, step, stdout, stderr string, delta []string, inBatch bool) ([]string, error) {
	rs := m.RunSettings
	if e.LauncherName == "slurm" && filepath.Base(rs.RunCommand) == "jsrun" {
		return nil, Errorf(SSUnsupportedError, "SlurmLauncher does not support JsrunSettings")
	}
	prog, err := e.colocatedCommand(m, filepath.Dir(stdout))
	if err != nil {
		return nil, err
	}
	if e.LauncherName != "slurm" || rs.RunCommandStyle() != "srun" {
		if colocationOf(m) == nil {
			return rs.Command(), nil
		}
		var argv []string // a colocated model has no MPMD part (checkColocations)
		if rs.RunCommand != "" {
			argv = append([]string{rs.RunCommand}, rs.FormatRunArgs()...)
		}
		return append(argv, prog...), nil
	}
	argv := []string{rs.RunCommand, "--output", stdout, "--error", stderr, "--job-name", step}
	if !inBatch && !rs.hasRunArg("jobid") {
		alloc := e.environValue("SLURM_JOB_ID")
		switch {
		case alloc != "":
			argv = append(argv, "--jobid", alloc)
		case !e.opts.DryRun:
			return nil, Errorf(SmartSimError, "Step creation failed: AllocationError: No allocation specified or found and not running in batch (set SLURM_JOB_ID, run inside salloc/sbatch, or give the model batch settings)")
		}
	}
	if export := srunExport(delta); export != "" {
		argv = append(argv, "--export", export)
	}
	argv = append(argv, rs.FormatRunArgs()...)
	argv = append(argv, prog...)
	return append(argv, rs.srunMPMD(step)...), nil
}

// srunExport is srun's --export value: ALL plus the variables the experiment adds. Values holding a
// comma cannot be written there (srun splits on commas); outside a batch script they reach the step
// through srun's own environment, which ALL forwards.
func srunExport(delta []string) string {
	if len(delta) == 0 {
		return ""
	}
	parts := []string{"ALL"}
	for _, kv := range delta {
		if !strings.Contains(kv, ",") {
			parts = append(parts, kv)
		}
	}
	return strings.Join(parts, ",")
}

func (rs *RunSettings) hasRunArg(key string) bool {
	for _, a := range rs.RunArgs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// environValue is a variable of the environment jobs start from.
func (e *Experiment) environValue(key string) string {
	for _, kv := range e.opts.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
