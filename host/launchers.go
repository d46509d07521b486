package host

import (
	"context"
	"strings"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/dryrun"
	"github.com/ssrun/ssrun/launchers/local"
	"github.com/ssrun/ssrun/runtime"
)

// launcherFactory returns the function that gives each Experiment(launcher=name) its launcher: the
// recorder in a dry run (and for launcher="dryrun"), local processes for "local" (and "auto" without
// --launcher), and for a workload manager not built into this binary a launcher that refuses to start
// jobs with a clear message (entities can still be created and planned). The Slurm, PBS and LSF
// launchers plug in here.
func launcherFactory(opts Options) func(name string) launchers.Launcher {
	return func(name string) launchers.Launcher {
		if opts.DryRun {
			return dryrun.New()
		}
		name = strings.ToLower(name)
		if name == "auto" {
			name = opts.Launcher
		}
		switch name {
		case "", "local":
			return local.New(local.Options{})
		case "dryrun":
			return dryrun.New()
		}
		return unavailableLauncher{name: name}
	}
}

// unavailableLauncher stands for a launcher this build does not include.
type unavailableLauncher struct{ name string }

func (u unavailableLauncher) Name() string { return u.name }

func (u unavailableLauncher) Launch(context.Context, launchers.Job) (launchers.Handle, error) {
	return nil, runtime.Errorf(runtime.SmartSimError, "the %s launcher is not available in this build of ssrun; plan with --dry-run, or use launcher=\"local\"", u.name)
}

func (u unavailableLauncher) Close() error { return nil }
