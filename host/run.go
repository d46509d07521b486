// Package host embeds the Starlark interpreter for `ssrun SCRIPT.star`: it builds the thread (one explicit
// syntax.FileOptions, a step limit, cancellation on SIGINT/SIGTERM), resolves load() (embedded stdlib and
// files confined to the script's directory), predeclares exactly the names of docs/design.md §3, routes print()
// and get_logger() to the log, stops every job the script launched when it ends, and turns failures into
// backtraces and exit codes. The Starlark types themselves live in package builtins.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/builtins"
)

// fileOptions is the one dialect every script and loaded module is compiled with. Driver scripts are
// ported from Python, so top-level for/if/while, while loops, sets and re-assigned globals are allowed;
// recursion stays off (the step limit bounds loops, nothing bounds deep recursion as cleanly).
var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
}

// Run executes the driver script of opts. It returns nil on success, ErrInterrupted (wrapped) when ctx
// was cancelled, a *UsageError for bad options, and otherwise the script's error (a *starlark.EvalError
// carries the backtrace; see Report). Every local job still running when the script ends is stopped,
// unless opts.Detach. After a successful dry run, or any run given a PlanFormat, the plan is written to
// opts.Stdout.
//
// Relative paths in the script (exp_path, exe, attached files, entity paths) resolve against the
// script's directory, so `ssrun path/to/driver.star` does the same from any working directory. SmartSim
// resolves them against the working directory, which is the same thing whenever the driver is run from
// its own directory, as SmartSim drivers usually are.
func Run(ctx context.Context, opts Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	opts.Launcher = autoLauncher(opts) // resolved once: experiments, plan and manifest agree
	stderr := writerOr(opts.Stderr, os.Stderr)
	root, realRoot, err := scriptRoot(opts.Script)
	if err != nil {
		return err
	}
	noTelemetry, err := telemetryOff(getenvOr(opts.Getenv))
	if err != nil {
		return err
	}
	progress, logTo := progressFor(opts, stderr)
	log := NewLogger(logTo, opts.LogLevel)
	l := newLoader(root, realRoot, fileOptions, predeclared(opts.Vars))
	env := &builtins.Env{
		Ctx:         ctx,
		Log:         log,
		Launcher:    opts.Launcher,
		Seed:        opts.Seed,
		DryRun:      opts.DryRun,
		Detach:      opts.Detach,
		NoTelemetry: noTelemetry,
		Progress:    progress,
		Interval:    opts.TelemetryInterval,
		Resume:      opts.Resume,
		DiscardPlan: !opts.DryRun && opts.PlanFormat == "",
		Script:      absScript(opts.Script),
		NewLauncher: launcherFactory(opts),
		Dir:         root,
		Source:      l.source,
		FileOptions: fileOptions,
	}
	thread := newThread(env, opts)
	thread.Load = l.load

	stopWatch := cancelOnDone(ctx, thread)
	scriptErr := l.execMain(thread, opts.Script)
	stopWatch()

	closeErr := env.Close()
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ErrInterrupted, context.Cause(ctx))
	}
	if scriptErr != nil {
		return scriptErr
	}
	if closeErr != nil {
		return closeErr
	}
	if opts.PlanFormat != "" {
		return env.WritePlan(writerOr(opts.Stdout, os.Stdout), opts.PlanFormat)
	}
	return nil
}

// check validates the options a user can get wrong on the command line.
func (opts *Options) check() error {
	if opts.Script == "" {
		return Usagef("no script given")
	}
	switch opts.PlanFormat {
	case "":
		if opts.DryRun {
			opts.PlanFormat = PlanText
		}
	case PlanText, PlanJSON:
	default:
		return Usagef("--plan-format must be %q or %q, not %q", PlanText, PlanJSON, opts.PlanFormat)
	}
	if filepath.Ext(opts.Script) != ".star" {
		return Usagef("script %s: a driver script is a .star file", opts.Script)
	}
	if st, err := os.Stat(opts.Script); err != nil {
		return Usagef("script %s: %v", opts.Script, errors.Unwrap(err))
	} else if st.IsDir() {
		return Usagef("script %s is a directory", opts.Script)
	}
	return checkTelemetryInterval(opts.TelemetryInterval)
}

// scriptRoot returns the directory load() is confined to, the main script's: as spelled (absolute) and
// with symlinks resolved. Relative paths in the script resolve against the first.
func scriptRoot(script string) (root, realRoot string, err error) {
	if root, err = filepath.Abs(filepath.Dir(script)); err != nil {
		return "", "", err
	}
	realRoot, err = filepath.EvalSymlinks(root)
	return root, realRoot, err
}

// newThread builds the script's thread: step limit, print routed to the log, the builtins' Env attached.
func newThread(env *builtins.Env, opts Options) *starlark.Thread {
	thread := &starlark.Thread{
		Name: "ssrun " + opts.Script,
		Print: func(thread *starlark.Thread, msg string) {
			env.Log.Info(msg, builtins.LoggerNameKey, thread.CallFrame(1).Pos.String())
		},
	}
	maxSteps := opts.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	thread.SetMaxExecutionSteps(maxSteps)
	builtins.SetEnv(thread, env)
	return thread
}

// cancelOnDone cancels thread when ctx ends (SIGINT/SIGTERM); the returned func stops watching.
func cancelOnDone(ctx context.Context, thread *starlark.Thread) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			thread.Cancel(fmt.Sprint(context.Cause(ctx)))
		case <-done:
		}
	}()
	return func() { close(done) }
}

func writerOr(w, fallback io.Writer) io.Writer {
	if w == nil {
		return fallback
	}
	return w
}

// LevelFor maps -v/-q to a log level: quiet wins over verbose.
func LevelFor(verbose, quiet bool) slog.Level {
	switch {
	case quiet:
		return slog.LevelWarn
	case verbose:
		return slog.LevelDebug
	default:
		return slog.LevelInfo
	}
}

// absScript is the script's absolute path, the identity the journal records for resume.
func absScript(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
