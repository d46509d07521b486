package host

import (
	"context"
	"os"
	"os/exec"
	"strings"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/dryrun"
	"github.com/ssrun/ssrun/launchers/local"
	"github.com/ssrun/ssrun/launchers/lsf"
	"github.com/ssrun/ssrun/launchers/pbs"
	"github.com/ssrun/ssrun/launchers/slurm"
	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/member"
	"github.com/ssrun/ssrun/runtime"
)

// launcherFactory returns the function that gives each Experiment(launcher=name) its launcher: the
// recorder in a dry run (and for launcher="dryrun"), local processes for "local", the workload-manager
// launchers for "slurm", "pbs"/"pals" and "lsf", and for "auto" the one autoLauncher resolves
// (--launcher, else detection in a real run, else local). Other names get a launcher that refuses to start jobs with a clear
// message (entities can still be created and planned).
func launcherFactory(opts Options) func(name string) launchers.Launcher {
	return func(name string) launchers.Launcher {
		name = strings.ToLower(name)
		if name == "auto" {
			name = autoLauncher(opts)
		}
		if opts.DryRun {
			if s := scheduler(name); s != nil && opts.Resume {
				return dryRunLookup{dryrun.New(), s}
			}
			return dryrun.New()
		}
		switch name {
		case "", "local":
			return local.New(local.Options{Recorder: memberRecorder()})
		case "dryrun":
			return dryrun.New()
		}
		if s := scheduler(name); s != nil {
			return wlm.New(s, wlm.Options{Steps: local.New(local.Options{Recorder: memberRecorder()})})
		}
		return unavailableLauncher{name: name}
	}
}

// scheduler is the workload manager a launcher name stands for (nil for local, dryrun and unknown
// names). Steps of its launcher (srun, mpirun) are started by the member supervisor like local
// members, so a resume finds them again by pid and start time and reads their codes.
func scheduler(name string) wlm.Scheduler {
	switch name {
	case "slurm":
		return slurm.Scheduler{}
	case "pbs", "pals":
		return pbs.Scheduler{}
	case "lsf":
		return lsf.Scheduler{}
	}
	return nil
}

// dryRunLookup is the recorder of `ssrun --dry-run --resume` on a workload manager: it runs nothing,
// but asks the scheduler (one read-only query) about the jobs a previous driver left, so the plan says
// which members would be followed and which rerun, and why ("never finished (job 123 gone)").
type dryRunLookup struct {
	*dryrun.Launcher
	sched wlm.Scheduler
}

func (d dryRunLookup) LookupJobs(ctx context.Context, ids []string) (map[string]launchers.Result, error) {
	return d.sched.Query(ctx, ids)
}

// autoLauncher is what Experiment(launcher="auto") resolves to: the --launcher name when given;
// otherwise, in a real run, the workload manager detectLauncher finds on PATH (SmartSim's detection, so
// a driver written for a cluster runs through its scheduler there and locally on a laptop); and in a
// dry run (so also in `ssrun test`) local, because a plan must not depend on the machine that made it.
// Run resolves it once, so every experiment, the runtime's AutoLauncher, the plan and the manifest
// record the same resolved name.
func autoLauncher(opts Options) string {
	switch {
	case opts.Launcher != "":
		return strings.ToLower(opts.Launcher)
	case opts.DryRun:
		return "local"
	}
	return detectLauncher(exec.LookPath, os.Getenv, qsubVersion)
}

// detectLauncher finds the workload manager from the commands on PATH in SmartSim's order: PBS (qsub,
// qstat, qdel, and `qsub --version` says pbs), LSF (bsub, jsrun, jslist, bjobs, bkill), Slurm (sacct,
// srun, salloc, sbatch, scancel, sstat, sinfo), PBS again when $PBS_JOBID is set, else local.
func detectLauncher(lookPath func(string) (string, error), getenv func(string) string, qsubVersion func() string) string {
	has := func(cmds ...string) bool {
		for _, c := range cmds {
			if _, err := lookPath(c); err != nil {
				return false
			}
		}
		return true
	}
	switch {
	case has("qsub", "qstat", "qdel") && strings.Contains(strings.ToLower(qsubVersion()), "pbs"):
		return "pbs"
	case has("bsub", "jsrun", "jslist", "bjobs", "bkill"):
		return "lsf"
	case has("sacct", "srun", "salloc", "sbatch", "scancel", "sstat", "sinfo"):
		return "slurm"
	case getenv("PBS_JOBID") != "":
		return "pbs"
	}
	return "local"
}

func qsubVersion() string {
	out, _ := exec.Command("qsub", "--version").CombinedOutput()
	return string(out)
}

// unavailableLauncher stands for a launcher this build does not include.
type unavailableLauncher struct{ name string }

func (u unavailableLauncher) Name() string { return u.name }

func (u unavailableLauncher) Launch(context.Context, launchers.Job) (launchers.Handle, error) {
	return nil, runtime.Errorf(runtime.SmartSimError, "the %s launcher is not available in this build of ssrun; plan with --dry-run, or use launcher=\"local\"", u.name)
}

func (u unavailableLauncher) Close() error { return nil }

// MemberBinary is the ssrun binary that supervises local members (`ssrun member --serve`); the ssrun
// command sets it to itself. A test binary driving host.Run leaves it empty: it cannot act as one.
var MemberBinary string

// memberRecorder is the `ssrun member` command of the supervisor that starts local members, so their
// pid and exit code are recorded without the driver (package member); $SSRUN_BIN names another ssrun
// binary. Without one, the driver starts members itself and a resume reruns those it did not see end.
func memberRecorder() []string {
	bin := os.Getenv("SSRUN_BIN")
	if bin == "" {
		bin = MemberBinary
	}
	if bin == "" {
		return nil
	}
	return []string{bin, member.Subcommand}
}
