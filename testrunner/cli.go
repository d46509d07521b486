package testrunner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/ssrun/ssrun/host"
)

// Main is `ssrun test [PATH...] [--update] [--run REGEXP] [-v] [--watch]`; it returns the exit code:
// 0 when every test passed, 1 when one failed, 2 for a usage error, 130 when interrupted.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, watch, err := parseArgs(args, stdout, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return host.ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssrun test: %v\nRun 'ssrun test --help' for usage.\n", err)
		return host.ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if watch {
		err := Watch(ctx, cfg, stdout)
		if ctx.Err() != nil {
			return host.ExitOK // Ctrl-C is how a watch session ends
		}
		fmt.Fprintf(stderr, "ssrun test: %v\n", err)
		return host.ExitFailure
	}
	sum, err := Run(ctx, cfg, stdout)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "ssrun test: %v\n", err)
		return host.ExitUsage
	case ctx.Err() != nil:
		return host.ExitInterrupted
	case sum.Failed > 0:
		return host.ExitFailure
	}
	return host.ExitOK
}

func parseArgs(args []string, stdout, stderr io.Writer) (Config, bool, error) {
	var cfg Config
	var run string
	var watch bool
	fs := pflag.NewFlagSet("ssrun test", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.BoolVar(&cfg.Update, "update", false, "write each script's plan to its .golden file instead of comparing")
	fs.StringVar(&run, "run", "", "run only tests whose name (dir/x.star or dir/x.star:test_f) matches this `REGEXP`")
	fs.BoolVarP(&cfg.Verbose, "verbose", "v", false, "print every test's log, not only failing ones'")
	fs.BoolVar(&watch, "watch", false, "re-run the affected scripts whenever a .star file or a file a script attaches changes")
	fs.IntVarP(&cfg.Parallel, "parallel", "p", 0, "tests run at once (default: the number of CPUs)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed given to every script, as ssrun --seed")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: ssrun test [PATH...] [flags]\n\n"+
			"Runs every *.star test script under the PATHs (default testdata) in dry run. A script x.star with\n"+
			"x.golden beside it must produce that plan (a diff is printed otherwise); its test_* functions run\n"+
			"one by one, each in a fresh host. Files and directories whose name starts with _ or . are skipped.\n\nFlags:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if run != "" {
		re, err := regexp.Compile(run)
		if err != nil {
			return cfg, false, fmt.Errorf("--run: %v", err)
		}
		cfg.Run = re
	}
	if cfg.Update && watch {
		return cfg, false, fmt.Errorf("--update and --watch cannot be combined: accept goldens once, then watch")
	}
	cfg.Paths = fs.Args()
	return cfg, watch, nil
}
