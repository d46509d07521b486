package testrunner

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/host"
)

// A suite directory as a user writes one: a golden script, a script with test functions, a helper
// module (skipped by discovery, loaded by a suite) and an attached input file.
var suite = map[string]string{
	"plan.star": `load("_lib.star", "settings")
exp = Experiment("plan", launcher="local")
ens = exp.create_ensemble("e", params={"x": [1, 2]}, run_settings=settings(exp))
ens.attach_generator_files(to_configure=["in.txt"])
exp.generate(ens)
exp.start(ens)
`,
	"_lib.star": `def settings(exp):
    return exp.create_run_settings(exe="echo", exe_args=["hi"])
`,
	"in.txt": "x = ;x;\n",
	"funcs.star": `load("@stdlib//assert.star", "assert")
exp = Experiment("funcs", launcher="local")
rs = exp.create_run_settings(exe="echo")
ens = exp.create_ensemble("e", replicas=2, run_settings=rs)

def test_add_one():
    ens.add_model(exp.create_model("extra", rs))
    assert.eq(len(ens), 3)  # a fresh host: test_add_two's model is not here

def test_add_two():
    ens.add_model(exp.create_model("extra", rs))
    assert.eq(len(ens), 3)

def test_fails():
    assert.eq(len(ens), 5)

def helper():
    fail("not a test: never called")
`,
}

func run(t *testing.T, cfg Config) (Summary, string) {
	t.Helper()
	var out bytes.Buffer
	sum, err := Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	return sum, out.String()
}

// names returns the test names of the ok/FAIL lines, in output order.
func names(out string) []string {
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^(?:ok  |FAIL) (\S+) \(\d+\.\d{3}s\)$`).FindAllStringSubmatch(out, -1) {
		got = append(got, m[1])
	}
	return got
}

func TestRunGoldenLifecycle(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, suite)
	script := filepath.Join(dir, "plan.star")

	// No golden yet: the script passes on its own; --update creates the golden.
	sum, out := run(t, Config{Paths: []string{dir}, Run: regexp.MustCompile(`plan\.star`)})
	if sum.Passed != 1 || sum.Failed != 0 {
		t.Fatalf("before update: %+v\n%s", sum, out)
	}
	_, out = run(t, Config{Paths: []string{dir}, Update: true, Run: regexp.MustCompile(`plan\.star`)})
	if !strings.Contains(out, "updated "+GoldenPath(script)) {
		t.Fatalf("update did not say it wrote the golden:\n%s", out)
	}
	golden, err := os.ReadFile(GoldenPath(script))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Ensemble e at $EXP/e (all_perm, seed 0, 2 members)", "params: x=2",
		"configure: $CWD/in.txt", "echo hi\n", "env:  SSKEYOUT=e_1"} {
		if !strings.Contains(string(golden), want) {
			t.Errorf("golden lacks %q:\n%s", want, golden)
		}
	}
	if strings.Contains(string(golden), dir) {
		t.Errorf("golden holds the absolute directory %s:\n%s", dir, golden)
	}

	// Unchanged script: passes. Changed script: fails with a unified diff of the plan.
	if sum, out := run(t, Config{Paths: []string{script}}); sum.Failed != 0 {
		t.Fatalf("golden run failed:\n%s", out)
	}
	writeFiles(t, dir, map[string]string{"plan.star": strings.Replace(suite["plan.star"], "[1, 2]", "[1, 3]", 1)})
	sum, out = run(t, Config{Paths: []string{script}})
	if sum.Failed != 1 {
		t.Fatalf("changed plan passed:\n%s", out)
	}
	for _, want := range []string{"FAIL " + script, "--- " + GoldenPath(script) + " (golden)", "+++ " + script + " (this run)",
		"@@ -", "-      params: x=2\n", "+      params: x=3\n", "ssrun test --update"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunTestFunctionsFreshHostsInOrder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, suite)
	sum, out := run(t, Config{Paths: []string{dir}, Parallel: 4})
	script := filepath.Join(dir, "funcs.star")
	want := []string{script, script + ":test_add_one", script + ":test_add_two", script + ":test_fails", filepath.Join(dir, "plan.star")}
	if got := names(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("tests %q, want %q (sorted, deterministic)\n%s", got, want, out)
	}
	if sum.Passed != 4 || sum.Failed != 1 {
		t.Fatalf("summary %+v, want 4 passed 1 failed\n%s", sum, out)
	}
	if !strings.HasSuffix(out, "4 passed, 1 failed\n") {
		t.Fatalf("no final summary line:\n%s", out)
	}
	// The failure names the script line of the failing assertion.
	if !strings.Contains(out, "FAIL "+script+":test_fails") || !strings.Contains(out, "funcs.star:15:14: assert.eq: 2 != 5") {
		t.Fatalf("failure lacks its file:line:\n%s", out)
	}

	// --run selects single test functions by full name.
	_, out = run(t, Config{Paths: []string{dir}, Run: regexp.MustCompile(`:test_add_`)})
	if got := names(out); len(got) != 2 || !strings.HasSuffix(got[0], ":test_add_one") || !strings.HasSuffix(got[1], ":test_add_two") {
		t.Fatalf("--run :test_add_ ran %q", got)
	}

	// The same run twice reports the same lines in the same order (times aside).
	_, again := run(t, Config{Paths: []string{dir}, Parallel: 4})
	_, once := run(t, Config{Paths: []string{dir}, Parallel: 1})
	strip := regexp.MustCompile(`\(\d+\.\d{3}s\)`)
	if strip.ReplaceAllString(again, "") != strip.ReplaceAllString(once, "") {
		t.Fatalf("parallel and serial output differ:\n%s\n---\n%s", again, once)
	}
}

func TestRunDependencies(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, suite)
	sum, _ := run(t, Config{Paths: []string{dir}, Run: regexp.MustCompile(`plan`)})
	abs, _ := filepath.Abs(dir)
	want := []string{filepath.Join(abs, "_lib.star"), filepath.Join(abs, "in.txt"), filepath.Join(abs, "plan.star")}
	got := sum.Deps[filepath.Join(dir, "plan.star")]
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("dependencies %q, want %q", got, want)
	}
}

func TestErrorGoldenAndDirectives(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		// The local launcher refuses batch settings; the golden pins that error.
		"batch.star": `exp = Experiment("b", launcher="auto")
bs = exp.create_batch_settings(nodes=2, time="00:10:00")
ens = exp.create_ensemble("e", batch_settings=bs)
ens.add_model(exp.create_model("m", exp.create_run_settings(exe="echo")))
exp.start(ens)
`,
		"batch.golden": "error:\n",
		"vars.star": `# Suite options come from directives in the leading comments.
# ssrun test: -D n=3 --seed 9
load("@stdlib//assert.star", "assert")
assert.eq(vars["n"], "3")
exp = Experiment("v", launcher="local")
ens = exp.create_ensemble("e", params={"h": [1, 2, 3, 4]}, perm_strategy="random", n_models=int(vars["n"]),
                          run_settings=exp.create_run_settings(exe="echo"))
`,
		"bad_directive.star": "# ssrun test: --bogus\n",
	})
	_, out := run(t, Config{Paths: []string{dir}, Update: true, Run: regexp.MustCompile(`batch`)})
	golden, _ := os.ReadFile(filepath.Join(dir, "batch.golden"))
	wantErr := "error:\nTraceback (most recent call last):\n  batch.star:5:10: in <toplevel>\nError in start: TypeError: Local Launcher only supports entities with RunSettings, not BatchSettings\n"
	if string(golden) != wantErr {
		t.Fatalf("error golden:\n%s\nwant:\n%s\noutput:\n%s", golden, wantErr, out)
	}
	sum, out := run(t, Config{Paths: []string{dir}})
	if sum.Passed != 2 || sum.Failed != 1 || !strings.Contains(out, "FAIL "+filepath.Join(dir, "bad_directive.star")) ||
		!strings.Contains(out, "bad_directive.star:1: ssrun test directive: unknown flag: --bogus") {
		t.Fatalf("want batch and vars to pass, bad_directive to fail:\n%s", out)
	}
	// The directive's seed reached the random ensemble.
	writeFiles(t, dir, map[string]string{"vars.golden": ""})
	_, _ = run(t, Config{Paths: []string{dir}, Update: true, Run: regexp.MustCompile(`vars`)})
	plan, _ := os.ReadFile(filepath.Join(dir, "vars.golden"))
	if !strings.Contains(string(plan), "(launcher local, seed 9, dry run)") {
		t.Fatalf("directive seed not applied:\n%s", plan)
	}
	// A script that must fail but succeeds fails.
	writeFiles(t, dir, map[string]string{"batch.star": "x = 1\n"})
	if sum, out := run(t, Config{Paths: []string{filepath.Join(dir, "batch.star")}}); sum.Failed != 1 || !strings.Contains(out, "+(none: the script succeeded)") {
		t.Fatalf("succeeding script with an error golden:\n%s", out)
	}
	// --update then records its plan, and it passes again.
	run(t, Config{Paths: []string{filepath.Join(dir, "batch.star")}, Update: true})
	if sum, out := run(t, Config{Paths: []string{filepath.Join(dir, "batch.star")}}); sum.Failed != 0 {
		t.Fatalf("after --update:\n%s", out)
	}
	if wantsError(filepath.Join(dir, "batch.star")) {
		t.Fatal("--update kept the error golden of a script that succeeds")
	}
}

func TestMainExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, suite)
	var stdout, stderr bytes.Buffer
	if code := Main([]string{dir, "--run", "plan|add_one"}, &stdout, &stderr); code != 0 {
		t.Fatalf("passing run: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if code := Main([]string{dir}, &stdout, &stderr); code != 1 {
		t.Fatalf("failing run: exit %d, want 1", code)
	}
	for _, args := range [][]string{{"--run", "("}, {filepath.Join(dir, "missing")}, {filepath.Join(dir, "in.txt")}, {"--bogus"}, {"--update", "--watch"}} {
		stderr.Reset()
		if code := Main(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("ssrun test %q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	empty := t.TempDir()
	stderr.Reset()
	if code := Main([]string{empty}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no *.star test scripts") {
		t.Errorf("empty directory: exit %d, %q", code, stderr.String())
	}
}

// TestAssertFailureMessages checks the messages of failing assertions that a suite cannot check
// itself (assert.fails cannot wrap assert.fails) and that each names the script line that made it.
func TestAssertFailureMessages(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.star": `load("@stdlib//assert.star", "assert")
def test_succeeds():
    assert.fails(lambda: None, "x")
def test_no_match():
    assert.fails(lambda: fail("boom"), "^bang$")
def test_bad_regexp():
    assert.fails(lambda: fail("boom"), "(")
`})
	_, out := run(t, Config{Paths: []string{dir}})
	script := filepath.Join(dir, "a.star")
	for _, want := range []string{
		script + ":3:17: assert.fails: call succeeded, want an error matching \"x\"",
		script + ":5:17: assert.fails: error \"fail: boom\" does not match \"^bang$\"",
		"_matches: invalid regular expression \"(\"",
		"1 passed, 3 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRunIsHermetic: leftovers of an earlier real run in the experiment directory (an entity
// directory, smartsim_params.txt, the telemetry of run-000 and run-001) change nothing in the plan
// `ssrun test` compares, so goldens pass on a clean checkout and after any real run alike.
func TestRunIsHermetic(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, suite)
	script := filepath.Join(dir, "plan.star")
	clean, err := host.RunTest(context.Background(), host.Options{Script: script}, "")
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"plan/e/e_0/in.txt":                         "old\n",
		"plan/smartsim_params.txt":                  "old\n",
		"plan/.smartsim/telemetry/plan/run-001/x":   "",
		"plan/.smartsim/telemetry/manifest.json":    `{"runs": [{"run_id": "run-000"}]}`,
		"plan/.smartsim/telemetry/plan/run-000/out": "",
	})
	dirty, err := host.RunTest(context.Background(), host.Options{Script: script}, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := unifiedDiff("clean", "with leftovers", string(clean.Plan), string(dirty.Plan)); d != "" {
		t.Fatalf("leftovers changed the plan:\n%s", d)
	}
	// An ordinary dry run does see them: it plans what a real run would do here.
	var plan bytes.Buffer
	if err := host.Run(context.Background(), host.Options{Script: script, DryRun: true, Stdout: &plan, Stderr: io.Discard}); err == nil {
		t.Fatalf("plain dry run ignored the existing entity directory:\n%s", plan.String())
	} else if !strings.Contains(err.Error(), "FileExistsError") {
		t.Fatalf("plain dry run: %v", err)
	}
}
