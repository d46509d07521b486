// Package testrunner is `ssrun test`: it finds test scripts, runs each in dry run with a fresh host,
// compares the plan of a script x.star with x.golden beside it, runs the script's test_* functions
// (each after re-running the script's top level in a new host), and reports one line per test in a
// deterministic order, whatever order the parallel runs finish in.
package testrunner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"runtime"
	"sync"
	"time"

	"github.com/ssrun/ssrun/host"
)

// Config is what `ssrun test` was asked to do.
type Config struct {
	// Paths are the files and directories to search for test scripts (default: testdata).
	Paths []string
	// Update rewrites the golden file of every script run (creating it when the script made an
	// experiment) instead of comparing.
	Update bool
	// Run selects tests by name ("testdata/x.star" or "testdata/x.star:test_f"); nil runs all.
	Run *regexp.Regexp
	// Verbose prints every test's log, not only failing ones'.
	Verbose bool
	// Parallel bounds the tests running at once; 0 means the number of CPUs.
	Parallel int
	// Seed is given to every script as --seed.
	Seed uint64
}

// Result is the outcome of one test: a script's top level (with its golden plan) or one test function.
type Result struct {
	Name    string        // "dir/x.star" or "dir/x.star:test_f"
	Passed  bool          // false when the script failed or its plan differs from the golden
	Elapsed time.Duration // wall time of this test's run
	Detail  string        // why it failed: the backtrace or the golden diff; what --update did
	Log     string        // the script's log (print, get_logger, runtime messages)
}

// scriptResults are the results of one script, in report order: top level first, then test functions.
type scriptResults struct {
	results []Result
	deps    []string // the script and the files it loads or attaches, for watch mode
}

// Summary counts a run's results.
type Summary struct {
	Passed, Failed int
	// Deps maps each script run to the files it depends on (itself, loaded modules, attached files).
	Deps map[string][]string
}

// Run runs the test scripts and writes one line per test to out, then the summary line. Results are
// printed in script order (and within a script, top level first, then test functions sorted), as soon
// as every earlier one is known. It returns an error only when nothing could be run (bad paths).
func Run(ctx context.Context, cfg Config, out io.Writer) (Summary, error) {
	paths := cfg.Paths
	if len(paths) == 0 {
		paths = []string{"testdata"}
	}
	scripts, err := Discover(paths)
	if err != nil {
		return Summary{}, err
	}
	if len(scripts) == 0 {
		return Summary{}, fmt.Errorf("no *.star test scripts under %v", paths)
	}
	return runScripts(ctx, cfg, scripts, out), nil
}

// runScripts runs the given scripts and reports as Run does.
func runScripts(ctx context.Context, cfg Config, scripts []string, out io.Writer) Summary {
	slots := make(chan struct{}, parallelism(cfg.Parallel))
	done := make([]chan scriptResults, len(scripts))
	for i, script := range scripts {
		done[i] = make(chan scriptResults, 1)
		go func() { done[i] <- runScript(ctx, cfg, script, slots) }()
	}
	sum := Summary{Deps: map[string][]string{}}
	for i, script := range scripts {
		sr := <-done[i]
		sum.Deps[script] = sr.deps
		for _, r := range sr.results {
			report(out, r, cfg.Verbose)
			if r.Passed {
				sum.Passed++
			} else {
				sum.Failed++
			}
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", sum.Passed, sum.Failed)
	return sum
}

func parallelism(n int) int {
	if n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// runScript runs one script's top level, then its selected test functions in parallel, each holding a
// slot only while it runs.
func runScript(ctx context.Context, cfg Config, script string, slots chan struct{}) scriptResults {
	slots <- struct{}{}
	top, run := runTopLevel(ctx, cfg, script)
	<-slots
	sr := scriptResults{deps: dependencies(script, run)}
	if selected(cfg, top.Name) {
		sr.results = append(sr.results, top)
	}
	var funcs []string
	for _, fn := range run.Tests {
		if selected(cfg, script+":"+fn) {
			funcs = append(funcs, fn)
		}
	}
	results := make([]Result, len(funcs))
	var wg sync.WaitGroup
	for i, fn := range funcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = runFunc(ctx, cfg, script, fn)
		}()
	}
	wg.Wait()
	sr.results = append(sr.results, results...)
	return sr
}

func selected(cfg Config, name string) bool {
	return cfg.Run == nil || cfg.Run.MatchString(name)
}

// runTopLevel runs the script's top level and checks (or, with Update, writes) its golden plan.
func runTopLevel(ctx context.Context, cfg Config, script string) (Result, host.ScriptRun) {
	r := Result{Name: script}
	start := time.Now()
	var log bytes.Buffer
	opts, err := scriptOptions(cfg, script, &log)
	if err != nil {
		r.Detail = err.Error()
		return r, host.ScriptRun{}
	}
	run, err := host.RunTest(ctx, opts, "")
	r.Elapsed, r.Log = time.Since(start), log.String()
	if err != nil && !wantsError(script) {
		r.Detail = backtrace(err)
		return r, run
	}
	outcome := run.Plan
	switch {
	case err != nil:
		outcome = errorOutcome(script, err)
	case wantsError(script) && !cfg.Update: // succeeded but must fail; --update turns it into a plan golden
		outcome = errorOutcome(script, nil)
	}
	r.Passed, r.Detail = checkGolden(cfg, script, outcome)
	return r, run
}

// checkGolden compares plan with script's golden file, or writes it under --update. A script without a
// golden passes on its own assertions; --update rewrites every existing golden and creates a missing
// one only if the script made an experiment.
func checkGolden(cfg Config, script string, plan []byte) (bool, string) {
	if cfg.Update {
		want, exists, _ := readGolden(script)
		if !exists && !madeExperiment(plan) {
			return true, ""
		}
		if bytes.Equal(want, plan) {
			return true, ""
		}
		if err := writeGolden(script, plan); err != nil {
			return false, fmt.Sprintf("writing the golden plan: %v", err)
		}
		return true, "updated " + GoldenPath(script)
	}
	want, ok, err := readGolden(script)
	if err != nil {
		return false, fmt.Sprintf("reading the golden plan: %v", err)
	}
	if !ok {
		return true, ""
	}
	if diff := goldenDiff(script, want, plan); diff != "" {
		return false, "plan differs from the golden (run `ssrun test --update` to accept it):\n" + diff
	}
	return true, ""
}

// madeExperiment tells a plan from the placeholder of a script that created no experiment.
func madeExperiment(plan []byte) bool {
	return !bytes.HasPrefix(plan, []byte("no experiment was created"))
}

// runFunc runs one test function in a fresh host.
func runFunc(ctx context.Context, cfg Config, script, fn string) Result {
	r := Result{Name: script + ":" + fn}
	start := time.Now()
	var log bytes.Buffer
	opts, err := scriptOptions(cfg, script, &log)
	if err == nil {
		_, err = host.RunTest(ctx, opts, fn)
	}
	r.Elapsed, r.Log = time.Since(start), log.String()
	if err != nil {
		r.Detail = backtrace(err)
		return r
	}
	r.Passed = true
	return r
}

// scriptOptions are the host options of one test run: dry run, text plan, the configured seed, and the
// script's own directives over them.
func scriptOptions(cfg Config, script string, log io.Writer) (host.Options, error) {
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	opts := host.Options{Script: script, PlanFormat: host.PlanText, Seed: cfg.Seed, LogLevel: level, Stderr: log}
	d, err := readDirectives(script)
	if err != nil {
		return opts, err
	}
	opts.Launcher, opts.Vars = d.Launcher, d.Vars
	if d.Seed != nil {
		opts.Seed = *d.Seed
	}
	return opts, nil
}

// backtrace renders a script error as `ssrun` does (the Starlark backtrace, file:line of each frame).
func backtrace(err error) string {
	var b bytes.Buffer
	host.Report(&b, err)
	return b.String()
}

// report writes one result: "ok" or "FAIL", the name, the time; then, indented, why it failed and the
// script's log (the log of a passing test only with verbose).
func report(out io.Writer, r Result, verbose bool) {
	status := "ok  "
	if !r.Passed {
		status = "FAIL"
	}
	fmt.Fprintf(out, "%s %s (%.3fs)\n", status, r.Name, r.Elapsed.Seconds())
	if r.Detail != "" {
		writeIndented(out, r.Detail)
	}
	if r.Log != "" && (verbose || !r.Passed) {
		fmt.Fprintln(out, "    log:")
		writeIndented(out, r.Log)
	}
}

func writeIndented(out io.Writer, text string) {
	for _, line := range bytes.SplitAfter([]byte(text), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		fmt.Fprintf(out, "    %s", line)
		if line[len(line)-1] != '\n' {
			fmt.Fprintln(out)
		}
	}
}
