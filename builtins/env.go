package builtins

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/runtime"
)

// envKey is the thread-local key under which the host stores the *Env of a run.
const envKey = "ssrun.builtins.env"

// Env is the Go side of one script run: what the builtins need from the host (context, logger, CLI
// choices) and what they accumulate for it (the experiments to close at the end). State lives here, not
// in Starlark values, because module globals are frozen once a file has executed.
type Env struct {
	// Ctx is cancelled on SIGINT/SIGTERM; blocking builtins (start, poll) return when it is.
	Ctx context.Context
	// Log receives print(), get_logger(...) and runtime messages.
	Log *slog.Logger
	// Launcher is what Experiment(launcher="auto") resolves to, as the host resolved it (--launcher, else
	// the workload manager on PATH in a real run, else local); "" means local.
	Launcher string
	// Seed seeds perm_strategy="random" when the script gives no seed= (from --seed).
	Seed uint64
	// DryRun makes every experiment plan instead of launch: nothing is started or written.
	DryRun bool
	// Hermetic makes a dry run ignore what earlier runs left in experiment directories (ssrun test).
	Hermetic bool
	// NewLauncher returns the launcher for an experiment created with Experiment(launcher=name), name
	// as the script spelled it ("auto" included). The host decides: a recorder in a dry run, local
	// processes, a workload manager.
	NewLauncher func(name string) launchers.Launcher
	// Detach leaves local jobs running when the script ends (ssrun --detach).
	Detach bool
	// NoTelemetry starts experiments with telemetry off (SMARTSIM_FLAG_TELEMETRY=0, read by the host);
	// Interval is how often database collectors sample (--telemetry-interval; 0: the default).
	NoTelemetry bool
	Interval    time.Duration
	// Progress draws the progress line of blocking starts (nil: none).
	Progress runtime.Progress
	// Resume skips members that completed unchanged and re-attaches to running ones (ssrun --resume);
	// Script (absolute) identifies the driver in the journal, so resume refuses another script's directory.
	Resume bool
	Script string
	// DiscardPlan: a real run whose plan nobody prints (no --plan-format) records none (runtime.Options).
	DiscardPlan bool
	// Dir is the directory relative paths in the script are resolved against ("" means the process's).
	Dir string
	// Source returns the text of a loaded script file by the name its positions carry; add_function
	// uses it to ship a function's source.
	Source func(filename string) ([]byte, error)
	// FileOptions is the dialect scripts are compiled with (to re-parse a function's source).
	FileOptions *syntax.FileOptions

	experiments []*experimentRun
}

// SetEnv attaches env to thread. Call it before execution starts, as Thread.SetLocal requires.
func SetEnv(thread *starlark.Thread, env *Env) {
	thread.SetLocal(envKey, env)
}

// EnvOf returns the Env attached to thread, or an internal error if the host did not attach one.
func EnvOf(thread *starlark.Thread) (*Env, error) {
	env, ok := thread.Local(envKey).(*Env)
	if !ok || env == nil {
		return nil, fmt.Errorf("internal error: ssrun host did not call builtins.SetEnv on this thread")
	}
	return env, nil
}

// context returns the run's context (Background if none was set, so tests may leave it out).
func (env *Env) context() context.Context {
	if env.Ctx == nil {
		return context.Background()
	}
	return env.Ctx
}

// logger returns the run's logger (a discarding one if none was set).
func (env *Env) logger() *slog.Logger {
	if env.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return env.Log
}

// dir returns the directory relative paths are resolved against.
func (env *Env) dir() string {
	if env.Dir != "" {
		return env.Dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// fileOptions returns the scripts' dialect (the zero dialect if the host set none).
func (env *Env) fileOptions() *syntax.FileOptions {
	if env.FileOptions == nil {
		return &syntax.FileOptions{}
	}
	return env.FileOptions
}
