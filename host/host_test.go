package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixture is a temporary script directory with helpers to write files and run scripts through Run.
type fixture struct {
	t   *testing.T
	dir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, dir: dir}
}

// file writes name (relative to the fixture) with content and returns its path.
func (f *fixture) file(name, content string) string {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// run executes script (relative to the fixture) with opts and returns its stdout, stderr and error.
func (f *fixture) run(script string, opts Options) (string, string, error) {
	f.t.Helper()
	var stdout, stderr bytes.Buffer
	opts.Script = filepath.Join(f.dir, script)
	opts.Stdout, opts.Stderr = &stdout, &stderr
	err := Run(context.Background(), opts)
	return stdout.String(), stderr.String(), err
}

// TestPredeclaredNamesAreExactlyTheDesignList checks docs/design.md §3's list, plus the torch placeholder that
// add_function needs (a function using torch.* must compile in the driver to be shipped).
func TestPredeclaredNamesAreExactlyTheDesignList(t *testing.T) {
	got := predeclared(nil).Keys()
	sort.Strings(got)
	want := []string{"Experiment", "get_logger", "json", "math", "status", "struct", "torch", "vars"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("predeclared names (-want +got):\n%s", diff)
	}
}

func TestNoClockEnvironmentOrFileAccess(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"time", "os", "open", "getenv", "exec"} {
		f.file("s.star", name+"\n")
		_, _, err := f.run("s.star", Options{})
		if err == nil || !strings.Contains(err.Error(), "undefined: "+name) {
			t.Errorf("%s: got %v, want undefined", name, err)
		}
	}
}

func TestVarsFromDefines(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", `
load("@stdlib//assert.star", "assert")
assert.eq(vars, {"a": "1", "b": "x=y"})
assert.eq(list(vars.keys()), ["a", "b"])
assert.fails(lambda: vars.update(c = "2"), "frozen")
`)
	if _, stderr, err := f.run("s.star", Options{Vars: map[string]string{"b": "x=y", "a": "1"}}); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
}

func TestPrintAndLoggersGoToTheLogWithLevels(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", `print("hello")
log = get_logger("Experiment Log")
log.debug("d")
log.info("i")
log.warning("w")
log.error("e")
`)
	cases := []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelInfo, "INFO [" + filepath.Join(f.dir, "s.star") + ":1:6] hello\nINFO [Experiment Log] i\nWARNING [Experiment Log] w\nERROR [Experiment Log] e\n"},
		{slog.LevelDebug, "INFO [" + filepath.Join(f.dir, "s.star") + ":1:6] hello\nDEBUG [Experiment Log] d\nINFO [Experiment Log] i\nWARNING [Experiment Log] w\nERROR [Experiment Log] e\n"},
		{slog.LevelWarn, "WARNING [Experiment Log] w\nERROR [Experiment Log] e\n"},
	}
	for _, c := range cases {
		stdout, stderr, err := f.run("s.star", Options{LogLevel: c.level})
		if err != nil {
			t.Fatal(err)
		}
		if stdout != "" {
			t.Errorf("stdout = %q, want nothing (logs go to stderr)", stdout)
		}
		if diff := cmp.Diff(c.want, stderr); diff != "" {
			t.Errorf("level %v log (-want +got):\n%s", c.level, diff)
		}
	}
}

func TestErrorBacktraceNamesFileLineColumn(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", "def f():\n    return 1 // 0\n\nf()\n")
	_, _, err := f.run("s.star", Options{})
	if ExitCode(err) != ExitFailure {
		t.Fatalf("exit code %d, want %d (err %v)", ExitCode(err), ExitFailure, err)
	}
	var buf bytes.Buffer
	Report(&buf, err)
	name := filepath.Join(f.dir, "s.star")
	for _, want := range []string{name + ":4:2: in <toplevel>", name + ":2:14: in f", "Error: floored division by zero"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("backtrace %q lacks %q", buf.String(), want)
		}
	}
}

func TestStepLimitStopsRunawayLoops(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", "while True:\n    pass\n")
	_, _, err := f.run("s.star", Options{MaxSteps: 10000})
	if err == nil || !strings.Contains(err.Error(), "too many steps") {
		t.Fatalf("got %v, want a too-many-steps error", err)
	}
	if ExitCode(err) != ExitFailure {
		t.Fatalf("exit code %d, want 1", ExitCode(err))
	}
}

func TestCancellationInterruptsTheScript(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", "while True:\n    pass\n")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var stderr bytes.Buffer
	err := Run(ctx, Options{Script: filepath.Join(f.dir, "s.star"), Stderr: &stderr})
	if !errors.Is(err, ErrInterrupted) || ExitCode(err) != ExitInterrupted {
		t.Fatalf("got %v (exit %d), want ErrInterrupted / 130", err, ExitCode(err))
	}
}

func TestUsageErrors(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", "")
	f.file("s.py", "")
	cases := map[string]Options{
		"missing script":  {Script: filepath.Join(f.dir, "nope.star")},
		"not .star":       {Script: filepath.Join(f.dir, "s.py")},
		"bad plan format": {Script: filepath.Join(f.dir, "s.star"), PlanFormat: "yaml"},
		"no script":       {},
	}
	for name, opts := range cases {
		err := Run(context.Background(), opts)
		if ExitCode(err) != ExitUsage {
			t.Errorf("%s: exit %d (err %v), want 2", name, ExitCode(err), err)
		}
	}
}

func TestPlanOutputForZeroOneAndSeveralExperiments(t *testing.T) {
	f := newFixture(t)
	cases := map[string]string{
		"":                                     "[]\n",
		`Experiment("a")`:                      `{`,
		"Experiment(\"a\")\nExperiment(\"b\")": `[`,
		"e = Experiment(\"a\")\ne.create_model(\"m\", e.create_run_settings(exe=\"true\"))": `"name": "a"`,
	}
	for src, wantPrefix := range cases {
		f.file("s.star", src)
		stdout, stderr, err := f.run("s.star", Options{DryRun: true, PlanFormat: PlanJSON})
		if err != nil {
			t.Fatalf("%q: %v\n%s", src, err, stderr)
		}
		if !json.Valid([]byte(stdout)) || !strings.Contains(stdout, wantPrefix) {
			t.Errorf("%q: plan %q, want valid JSON containing %q", src, stdout, wantPrefix)
		}
	}
	f.file("s.star", "Experiment(\"a\")\nExperiment(\"b\")")
	stdout, _, _ := f.run("s.star", Options{DryRun: true, PlanFormat: PlanJSON})
	var plans []map[string]any
	if err := json.Unmarshal([]byte(stdout), &plans); err != nil || len(plans) != 2 {
		t.Fatalf("two experiments: %v, %d plans:\n%s", err, len(plans), stdout)
	}
	if stdout, _, _ := f.run("s.star", Options{}); stdout != "" {
		t.Errorf("a real run without --plan-format printed %q", stdout)
	}
}

func TestMultiLineMessagesStartOnTheirOwnLine(t *testing.T) {
	f := newFixture(t)
	f.file("s.star", `get_logger("t").info("a  b\nc  d\n")`)
	_, stderr, err := f.run("s.star", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if stderr != "INFO [t]\na  b\nc  d\n" {
		t.Fatalf("log %q", stderr)
	}
}
