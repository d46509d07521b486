package host

import (
	"io"
	"log/slog"
	"time"
)

// DefaultMaxSteps bounds a script's Starlark execution (not the jobs it launches): about a minute of
// pure computation, far beyond any driver script, yet it stops a runaway loop with a clear error.
const DefaultMaxSteps = 1 << 30

// Plan output formats for --plan-format.
const (
	PlanText = "text"
	PlanJSON = "json"
)

// Options is everything `ssrun [flags] SCRIPT.star` decides before the script runs.
type Options struct {
	// Script is the driver script's path as the user wrote it; backtraces show it that way.
	Script string
	// Vars is the dict `vars` seen by the script (-D k=v and k=v arguments after --).
	Vars map[string]string
	// DryRun plans instead of launching: nothing is started and nothing is written under exp_path.
	DryRun bool
	// PlanFormat is PlanText or PlanJSON: the plan is printed on Stdout after the run. "" means PlanText
	// for a dry run and no plan for a real run (whose plan, when asked for, records what ran).
	PlanFormat string
	// Launcher is what Experiment(launcher="auto") resolves to; "" means detect the workload manager on
	// PATH in a real run and local in a dry run (see autoLauncher).
	Launcher string
	// Seed seeds perm_strategy="random" (and anything else random); recorded in the manifest.
	Seed uint64
	// Detach leaves local jobs running when the script ends instead of stopping them.
	Detach bool
	// Resume skips members that completed unchanged and re-attaches to those still running.
	Resume bool
	// MaxSteps bounds Starlark execution steps; 0 means DefaultMaxSteps.
	MaxSteps uint64
	// LogLevel filters the log: slog.LevelDebug for -v, slog.LevelWarn for -q.
	LogLevel slog.Level
	// TelemetryInterval is how often database collectors sample (--telemetry-interval; 0: 5 s).
	TelemetryInterval time.Duration
	// Getenv reads the environment variables the host consults (SMARTSIM_FLAG_TELEMETRY); nil means
	// os.Getenv. The runtime never reads the environment itself.
	Getenv func(string) string
	// IsTerminal says whether Stderr is a terminal, where blocking starts draw a progress line; nil
	// asks the operating system.
	IsTerminal func(io.Writer) bool
	// Stdout receives the plan; Stderr receives the log and error backtraces.
	Stdout, Stderr io.Writer
}
