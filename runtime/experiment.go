package runtime

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// Options are the experiment's injected dependencies and run-wide settings. Zero values are usable:
// Cwd defaults to the process's working directory, Now to time.Now (a fixed instant in dry run), Log to
// slog.Default(), Environ to os.Environ(), LookPath to exec.LookPath.
type Options struct {
	// Cwd resolves relative paths (exp_path default, entity paths, attached files, executables).
	Cwd string
	// Launcher runs the jobs (launchers/local, launchers/dryrun, ...). Required by Start.
	Launcher launchers.Launcher
	// AutoLauncher is what launcher="auto" resolves to ("" means "local").
	AutoLauncher string
	// Seed seeds perm_strategy="random" unless create_ensemble gives seed=; it is recorded in the manifest.
	Seed uint64
	// DryRun: nothing is written under exp_path; file operations are recorded in the Plan instead.
	DryRun bool
	// Now is the clock for smartsim_params.txt and the manifest timestamps.
	Now func() time.Time
	// Log receives SmartSim's log lines (warnings for unused tags, job statuses while blocking, ...).
	Log *slog.Logger
	// Environ is the environment jobs start from (env_vars are added on top).
	Environ []string
	// LookPath resolves executables named without a slash.
	LookPath func(string) (string, error)
	// FS performs generation's file operations; default: the real file system, or a recording overlay
	// in dry run.
	FS FS
	// Hermetic makes a dry run ignore what earlier runs left under exp_path (plan_hermetic.go).
	Hermetic bool
	// NoTelemetry starts the experiment with telemetry off (the host sets it from
	// SMARTSIM_FLAG_TELEMETRY=0); TelemetryInterval is how often database collectors sample (0:
	// DefaultTelemetryInterval). See telemetry.go.
	NoTelemetry       bool
	TelemetryInterval time.Duration
	// Progress draws the progress line of blocking starts (nil: none; see progress.go).
	Progress Progress
	// Resume skips members that completed unchanged and re-attaches to those still running (resume.go).
	Resume bool
	// DiscardPlan records no plan: a real run nobody asked to print one for. The plan keeps every
	// member's entity, file operations and launch (about 0.7 KiB a member), which a 100,000-member run
	// would otherwise hold until it ends.
	DiscardPlan bool
	// Script identifies the driver script in the journal, so a resume refuses another script's directory.
	Script string
}

// DryRunTime is the clock of a dry run, so that plans are byte-stable.
var DryRunTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Experiment is the top-level object of a driver script: it creates entities, generates their
// directories, launches them through the injected launcher, tracks their jobs and journals them to the
// manifest. Its methods are safe for concurrent use.
type Experiment struct {
	// Name is the experiment's name; Path its absolute directory; LauncherName the launcher it was
	// created for ("local", "slurm", ...).
	Name         string
	Path         string
	LauncherName string

	opts    Options
	mu      sync.Mutex // serialises start/generate
	jobs    *jobTable
	plan    *Plan
	runsMu  sync.Mutex
	runs    []*manifestRun
	journal journal
	history history
	// closing is closed by Close, so watchers of batch jobs left to the scheduler return.
	closing chan struct{}
	// Telemetry is exp.telemetry; shardTelemetry what it knows of each launched shard (telemetry_db.go).
	Telemetry      TelemetryConfiguration
	shardTelemetry shardRegistry
	progress       *progressState // the blocking wait being shown; only the waiting goroutine uses it
	closeOnce      sync.Once
	// batchWake wakes the readers of batch jobs' exit-code files (batch_member.go).
	batchWake fileWake
	// digests caches input digests for member identities (member_hash.go); runlog is the append-only
	// journal and resume what it says about earlier runs (journal.go, resume.go).
	digests digestCache
	runlog  runLog
	resume  resumeState
}

var supportedLaunchers = []string{"local", "slurm", "pbs", "pals", "lsf", "dragon", "dryrun"}

// NewExperiment validates SmartSim's constructor rules: an explicit exp_path must be an existing
// directory (NotADirectoryError); without one the path is cwd/name; the launcher name is lower-cased,
// "auto" resolved through Options.AutoLauncher, "cobalt" and unknown names are SSUnsupportedError.
func NewExperiment(name, expPath, launcherName string, opts Options) (*Experiment, error) {
	opts = opts.withDefaults()
	if name == "" {
		return nil, Errorf(AttributeError, "Experiment has no name. Please set name attribute.")
	}
	path := filepath.Join(opts.Cwd, name)
	if expPath != "" {
		path = absFrom(opts.Cwd, expPath)
		if st, err := os.Stat(path); err != nil || !st.IsDir() {
			return nil, Errorf(NotADirectoryError, "Experiment path provided does not exist")
		}
	}
	launcher := strings.ToLower(launcherName)
	if launcher == "" {
		launcher = "local"
	}
	if launcher == "auto" {
		launcher = opts.AutoLauncher
		if launcher == "" {
			launcher = "local"
		}
	}
	if launcher == "cobalt" {
		return nil, Errorf(SSUnsupportedError, "Cobalt launcher is no longer supported.")
	}
	if !contains(supportedLaunchers, launcher) {
		return nil, Errorf(SSUnsupportedError, "Launcher type not supported: %s", launcher)
	}
	e := &Experiment{Name: name, Path: path, LauncherName: launcher, opts: opts, jobs: newJobTable(),
		closing: make(chan struct{})}
	e.Telemetry.enabled = !opts.NoTelemetry
	e.plan = newPlan(e)
	e.applyHermetic()
	return e, nil
}

func (o Options) withDefaults() Options {
	if o.Cwd == "" {
		o.Cwd, _ = os.Getwd()
	}
	if o.Now == nil {
		if o.DryRun {
			o.Now = func() time.Time { return DryRunTime }
		} else {
			o.Now = time.Now
		}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.FS == nil {
		if o.DryRun {
			o.FS = NewDryFS()
		} else {
			o.FS = OSFS{}
		}
	}
	return o
}

// Seed is the experiment-wide seed.
func (e *Experiment) Seed() uint64 { return e.opts.Seed }

// DryRun reports whether the experiment only records.
func (e *Experiment) DryRun() bool { return e.opts.DryRun }

// Log is the experiment's logger.
func (e *Experiment) Log() *slog.Logger { return e.opts.Log }

// Cwd is the directory relative paths are resolved against.
func (e *Experiment) Cwd() string { return e.opts.Cwd }

// RunSettingsArgs are create_run_settings's arguments. RunCommand "" or "auto" picks the launcher's
// default.
type RunSettingsArgs struct {
	Exe        string
	ExeArgs    []string
	RunCommand string
	// NoRunCommand is run_command=None: the executable runs as it is, whatever the launcher.
	NoRunCommand bool
	RunArgs      []Arg
	EnvVars      []Arg
}

// CreateRunSettings resolves the executable now (FileNotFoundError "Could not locate executable X",
// TypeError for a file that is not executable) and the run command for the launcher.
func (e *Experiment) CreateRunSettings(a RunSettingsArgs) (*RunSettings, error) {
	exe, err := e.resolveExe(a.Exe)
	if err != nil {
		return nil, err
	}
	runCmd := ""
	if !a.NoRunCommand {
		if runCmd, err = e.resolveRunCommand(a.RunCommand); err != nil {
			return nil, err
		}
	}
	return &RunSettings{Exe: exe, ExeArgs: append([]string(nil), a.ExeArgs...), RunCommand: runCmd,
		RunArgs: append([]Arg(nil), a.RunArgs...), EnvVars: append([]Arg(nil), a.EnvVars...), log: e.opts.Log}, nil
}

func (e *Experiment) resolveExe(exe string) (string, error) {
	if exe == "" {
		return "", Errorf(FileNotFoundError, "Could not locate executable %s", exe)
	}
	if strings.Contains(exe, "/") {
		p := absFrom(e.opts.Cwd, exe)
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			return "", Errorf(FileNotFoundError, "Could not locate executable %s", exe)
		}
		if st.Mode().Perm()&0o111 == 0 {
			return "", Errorf(TypeError, "Executable %s is not executable", exe)
		}
		return p, nil
	}
	p, err := e.opts.LookPath(exe)
	if err != nil {
		return "", Errorf(FileNotFoundError, "Could not locate executable %s", exe)
	}
	return absFrom(e.opts.Cwd, p), nil
}

// runCommandCandidates is SmartSim's "auto" run command search order per launcher.
var runCommandCandidates = map[string][]string{
	"slurm": {"srun", "mpirun", "mpiexec"},
	"pbs":   {"aprun", "mpirun", "mpiexec"},
	"pals":  {"mpiexec"},
	"lsf":   {"jsrun", "mpirun", "mpiexec"},
}

// resolveRunCommand finds the run command on PATH. A dry run looks nothing up: an explicit run command
// stays as written and "auto" is the launcher's first choice (srun, aprun, jsrun), so a plan made on a
// laptop is the plan the cluster's login node would make.
func (e *Experiment) resolveRunCommand(rc string) (string, error) {
	if e.opts.DryRun && rc != "" && rc != "auto" {
		return rc, nil
	}
	if rc != "" && rc != "auto" {
		if p, err := e.opts.LookPath(rc); err == nil {
			return p, nil
		}
		return rc, nil
	}
	cands, ok := runCommandCandidates[e.LauncherName]
	if !ok {
		return "", nil
	}
	if e.opts.DryRun {
		return cands[0], nil
	}
	for _, c := range cands {
		if p, err := e.opts.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", Errorf(SmartSimError, "Could not find any of %s to use as a run command for the %s launcher", strings.Join(cands, ", "), e.LauncherName)
}

// BatchSettingsArgs are create_batch_settings's arguments.
type BatchSettingsArgs struct {
	Nodes     int
	Time      string
	Queue     string
	Account   string
	BatchArgs []Arg
}

// CreateBatchSettings makes the launcher's batch settings (sbatch for slurm, qsub for pbs/pals, bsub for
// lsf). For the local launcher a generic BatchSettings is returned so the script can carry it, and
// start refuses it with SmartSim's TypeError (the Local launcher only runs RunSettings).
func (e *Experiment) CreateBatchSettings(a BatchSettingsArgs) (*BatchSettings, error) {
	kind, err := batchKindFor(e.LauncherName)
	if err != nil && e.LauncherName != "local" && e.LauncherName != "dryrun" {
		return nil, err
	}
	return &BatchSettings{Kind: kind, Nodes: a.Nodes, Time: a.Time, Queue: a.Queue, Account: a.Account,
		BatchArgs: append([]Arg(nil), a.BatchArgs...)}, nil
}

// ModelArgs are create_model's arguments.
type ModelArgs struct {
	Name               string
	RunSettings        *RunSettings
	Params             []ParamSpec
	Path               string
	EnableKeyPrefixing bool
	BatchSettings      *BatchSettings
	ParamsAsArgs       []string
}

// checkEntityName refuses names that are not one plain path component: generation puts an entity in
// exp_path/<name> and, with overwrite, removes what is there, so "../x" must never get that far.
func checkEntityName(name string) error {
	if name == "" {
		return Errorf(AttributeError, "Entity has no name. Please set name attribute.")
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return Errorf(ValueError, "Entity name %q must be a plain name, not a path", name)
	}
	return nil
}

// CreateModel makes a Model with path exp_path/name by default (relative paths from Cwd).
func (e *Experiment) CreateModel(a ModelArgs) (*Model, error) {
	if err := checkEntityName(a.Name); err != nil {
		return nil, err
	}
	if a.RunSettings == nil {
		return nil, Errorf(TypeError, "create_model() missing required argument: 'run_settings'")
	}
	params, err := modelParamsOf(a.Params)
	if err != nil {
		return nil, err
	}
	m := &Model{Name: a.Name, Path: e.entityPath(a.Name, a.Path), Params: params,
		ParamsAsArgs: append([]string(nil), a.ParamsAsArgs...), RunSettings: a.RunSettings,
		BatchSettings: a.BatchSettings, keyPrefixing: a.EnableKeyPrefixing, cwd: e.opts.Cwd}
	if err := m.ParamsToArgs(); err != nil {
		return nil, err
	}
	return m, nil
}

// CreateEnsemble makes an Ensemble (see EnsembleArgs and the member-creation table in newEnsemble).
func (e *Experiment) CreateEnsemble(a EnsembleArgs) (*Ensemble, error) {
	if err := checkEntityName(a.Name); err != nil {
		return nil, err
	}
	seed := e.opts.Seed
	if a.Seed != nil {
		seed = *a.Seed
	}
	return newEnsemble(a, e.entityPath(a.Name, a.Path), e.opts.Cwd, seed, e.opts.Log)
}

func (e *Experiment) entityPath(name, path string) string {
	if path == "" {
		return filepath.Join(e.Path, name)
	}
	return absFrom(e.opts.Cwd, path)
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}
