// Command ssrun runs SmartSim-style experiments from Starlark driver scripts.
//
//	ssrun [flags] SCRIPT.star [-- k=v ...]   run a driver script (see `ssrun --help`)
//	ssrun version                           print the version
//
// main only parses the command line and dispatches; the run itself lives in package host.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/ssrun/ssrun/client/cli"
	"github.com/ssrun/ssrun/colocated"
	"github.com/ssrun/ssrun/dashboard"
	"github.com/ssrun/ssrun/host"
	"github.com/ssrun/ssrun/member"
	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/status"
	"github.com/ssrun/ssrun/testrunner"
)

// version is set at build time by the Makefile (-X main.version=...).
var version = "dev"

// subcommand runs `ssrun NAME ARGS...` and returns the exit code.
type subcommand func(args []string, stdout, stderr io.Writer) int

// subcommands dispatches on the first argument: `ssrun db` runs one orchestrator shard, `ssrun client`
// is the SmartRedis-style client for shell scripts.
var subcommands = map[string]subcommand{
	"version": runVersion,
	"db":      orchestrator.Main,
	"client":  runClient,
	"test":    testrunner.Main,
	"status":  status.Main,
	// colocated wraps a colocated model's program with its node's database (runtime.ColocatedSubcommand).
	"colocated": colocated.Main,
	"dashboard": dashboard.Main,
	"report":    dashboard.ReportMain,
	// member runs a local member and records its pid and exit code (member.Subcommand).
	member.Subcommand: member.Main,
}

func runClient(args []string, stdout, stderr io.Writer) int {
	return cli.Main(args, os.Stdin, stdout, stderr)
}

// plannedSubcommands are documented in docs/design.md §2 but not built into this binary yet; naming one gives
// a clear error instead of being mistaken for a script.
var plannedSubcommands = []string{}

func main() {
	host.MemberBinary, _ = os.Executable()
	os.Exit(withProfiles(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := subcommands[args[0]]; ok {
			return cmd(args[1:], stdout, stderr)
		}
		for _, name := range plannedSubcommands {
			if args[0] == name {
				fmt.Fprintf(stderr, "ssrun %s: not available in this build of ssrun\n", name)
				return host.ExitUsage
			}
		}
	}
	return runScript(args, stdout, stderr)
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "ssrun version: unexpected argument %q\n", args[0])
		return host.ExitUsage
	}
	fmt.Fprintf(stdout, "ssrun %s\n", version)
	return host.ExitOK
}

// runScript parses `ssrun [flags] SCRIPT.star [-- k=v ...]` and runs the script until it ends or
// SIGINT/SIGTERM arrives.
func runScript(args []string, stdout, stderr io.Writer) int {
	opts, err := parseScriptArgs(args, stdout, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return host.ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssrun: %v\nRun 'ssrun --help' for usage.\n", err)
		return host.ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = host.Run(ctx, opts)
	host.Report(stderr, err)
	return host.ExitCode(err)
}

func parseScriptArgs(args []string, stdout, stderr io.Writer) (host.Options, error) {
	opts := host.Options{Stdout: stdout, Stderr: stderr}
	fs := pflag.NewFlagSet("ssrun", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	var defines []string
	var verbose, quiet bool
	fs.BoolVar(&opts.DryRun, "dry-run", false, "plan only: launch nothing, write nothing under the experiment path; print the plan")
	fs.StringVar(&opts.PlanFormat, "plan-format", "", "print the plan as text or json (a dry run prints text by default; a real run prints what ran only when asked)")
	fs.StringArrayVarP(&defines, "define", "D", nil, "script variable k=v, visible as vars[\"k\"] (repeatable)")
	fs.StringVar(&opts.Launcher, "launcher", "", "launcher that Experiment(launcher=\"auto\") resolves to (default: detected on PATH in a real run, local in a dry run)")
	fs.Uint64Var(&opts.Seed, "seed", 0, "seed for perm_strategy=\"random\"; recorded in the manifest")
	fs.BoolVar(&opts.Detach, "detach", false, "leave local jobs running when the script ends")
	fs.DurationVar(&opts.TelemetryInterval, "telemetry-interval", 5*time.Second, "how often database telemetry (db.telemetry.enable()) samples each shard")
	fs.BoolVar(&opts.Resume, "resume", false, "skip members that completed unchanged, re-attach to running ones, run the rest (with --dry-run: say why per member)")
	fs.Uint64Var(&opts.MaxSteps, "max-steps", host.DefaultMaxSteps, "limit on Starlark execution steps (guards against runaway loops)")
	fs.BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	fs.BoolVarP(&quiet, "quiet", "q", false, "log warnings and errors only")
	fs.Usage = func() { usage(stdout, fs) }
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	positional, scriptArgs := splitAtDash(fs)
	if len(positional) != 1 {
		return opts, fmt.Errorf("expected one SCRIPT.star, got %d arguments %q", len(positional), positional)
	}
	opts.Script = positional[0]
	opts.LogLevel = host.LevelFor(verbose, quiet)
	vars, err := parseDefines(append(defines, scriptArgs...))
	opts.Vars = vars
	return opts, err
}

// splitAtDash separates the arguments before `--` (the script) from those after it (script variables).
func splitAtDash(fs *pflag.FlagSet) (before, after []string) {
	args := fs.Args()
	if dash := fs.ArgsLenAtDash(); dash >= 0 {
		return args[:dash], args[dash:]
	}
	return args, nil
}

// parseDefines turns k=v strings into the vars dict; a later definition of k wins.
func parseDefines(defs []string) (map[string]string, error) {
	vars := make(map[string]string, len(defs))
	for _, def := range defs {
		k, v, ok := strings.Cut(def, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("script variable %q: want k=v", def)
		}
		vars[k] = v
	}
	return vars, nil
}

func usage(w io.Writer, fs *pflag.FlagSet) {
	names := make([]string, 0, len(subcommands))
	for name := range subcommands {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(w, `Usage: ssrun [flags] SCRIPT.star [-- k=v ...]
       ssrun %s

Runs a SmartSim-style experiment driver script. Script variables come from -D k=v and from k=v
arguments after --; the script reads them from the dict vars.

Exit codes: 0 success, 1 script or launch failure, 2 usage, 130 interrupted (jobs stopped).

Flags:
%s`, strings.Join(names, "|"), fs.FlagUsages())
}
