package main

// End-to-end tests: they build the real ssrun binary and run it the way a user does, checking exit
// codes, files, statuses, manifests and plans.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ssrunBin is the binary built once by TestMain.
var ssrunBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ssrun-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ssrunBin = filepath.Join(dir, "ssrun")
	goBin := filepath.Join(goruntime.GOROOT(), "bin", "go")
	build := exec.Command(goBin, "build", "-o", ssrunBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ssrun:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one ssrun invocation.
type result struct {
	code           int
	stdout, stderr string
}

// ssrun runs the binary in dir with args.
func ssrun(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(ssrunBin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	code := 0
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running ssrun %v: %v", args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// examplesCopy copies examples/ into a fresh directory (so runs write nowhere in the repository) and
// returns the directory holding the copy, named examples/.
func examplesCopy(t *testing.T) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-R", "examples", root).CombinedOutput(); err != nil {
		t.Fatalf("copy examples: %v\n%s", err, out)
	}
	return root
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVersion(t *testing.T) {
	r := ssrun(t, ".", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ssrun ") {
		t.Fatalf("ssrun version: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ok.star"), "")
	cases := map[string][]string{
		"no script":          nil,
		"unknown flag":       {"--bogus", "ok.star"},
		"two scripts":        {"ok.star", "ok.star"},
		"missing script":     {"nope.star"},
		"bad plan format":    {"--plan-format", "yaml", "ok.star"},
		"bad define":         {"-D", "novalue", "ok.star"},
		"bad script arg":     {"ok.star", "--", "novalue"},
		"planned subcommand": {"status"},
		"version extra arg":  {"version", "x"},
	}
	for name, args := range cases {
		r := ssrun(t, dir, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%s: exit %d stderr %q, want 2 with a message", name, r.code, r.stderr)
		}
	}
	if r := ssrun(t, dir, "--help"); r.code != 0 || !strings.Contains(r.stdout, "--dry-run") {
		t.Errorf("--help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestScriptErrorExit1WithBacktrace(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bad.star"), `exp = Experiment("bad")
def make():
    return exp.create_ensemble("e", params={"h": [5]}, perm_strategy="x",
                               run_settings=exp.create_run_settings(exe="true"))
make()
`)
	r := ssrun(t, dir, "bad.star")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"bad.star:5:5: in <toplevel>", "bad.star:3:31: in make",
		"Error in create_ensemble: SSUnsupportedError: Permutation strategy given is not supported: x"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		t.Errorf("a failed script created its experiment directory (err %v)", err)
	}
}

func TestDefinesAndScriptArgsReachVars(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "v.star"), `load("@stdlib//assert.star", "assert")
assert.eq(vars, {"a": "1", "b": "two", "c": "x=y"})
`)
	if r := ssrun(t, dir, "-D", "a=1", "--define", "b=two", "v.star", "--", "c=x=y"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// memberReport is what examples/apps/report.sh wrote in one member directory.
func memberReport(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(read(t, filepath.Join(dir, "report.txt"))), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		out[k] = strings.TrimSuffix(v, ":")
	}
	return out
}

// checkOutputLink checks <dir>/<name>.out is a symlink into the telemetry tree holding report.txt's text.
func checkOutputLink(t *testing.T, dir, name string) {
	t.Helper()
	link := filepath.Join(dir, name+".out")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatalf("%s is not a symlink: %v", link, err)
	}
	if !strings.Contains(target, "/.smartsim/telemetry/") {
		t.Errorf("%s -> %s, want a file under .smartsim/telemetry", link, target)
	}
	if got, want := read(t, link), read(t, filepath.Join(dir, "report.txt")); got != want {
		t.Errorf("%s holds %q, want the app's output %q", link, got, want)
	}
}

// manifest reads an experiment's manifest.json.
func manifest(t *testing.T, expDir string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(read(t, filepath.Join(expDir, ".smartsim", "telemetry", "manifest.json"))), &doc); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return doc
}

func TestExampleAllPerm(t *testing.T) {
	root := examplesCopy(t)
	r := ssrun(t, root, "examples/ensemble_all_perm.star")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := []string{
		"output_my_parameter --name=Ellie --parameter=2",
		"output_my_parameter --name=Ellie --parameter=11",
		"output_my_parameter --name=John --parameter=2",
		"output_my_parameter --name=John --parameter=11",
	}
	for i, args := range want {
		name := fmt.Sprintf("ensemble_%d", i)
		dir := filepath.Join(root, "examples", "all-perm", "ensemble", name)
		rep := memberReport(t, dir)
		if rep["args"] != args || rep["cwd"] != name || rep["SSKEYOUT"] != name {
			t.Errorf("%s reported %v, want args %q, cwd and SSKEYOUT %s", name, rep, args, name)
		}
		checkOutputLink(t, dir, name)
		if !strings.Contains(r.stderr, name+" {") || !strings.Contains(r.stderr, "Completed") {
			t.Errorf("log lacks %s's params and status:\n%s", name, r.stderr)
		}
	}
	doc := manifest(t, filepath.Join(root, "examples", "all-perm"))
	if runs, _ := doc["runs"].([]any); len(runs) != 1 {
		t.Errorf("manifest has %d runs, want 1", len(runs))
	}
	if n := strings.Count(r.stderr, "Completed  0"); n != 4 {
		t.Errorf("summary shows %d completed jobs with return code 0, want 4:\n%s", n, r.stderr)
	}
}

func TestExampleStepReplicasAppend(t *testing.T) {
	root := examplesCopy(t)
	for _, c := range []struct {
		script string
		dirs   map[string]string // member directory (relative to examples/) -> expected args
		env    string
	}{
		{"ensemble_step.star", map[string]string{
			"step/ensemble/ensemble_0": "output_my_parameter --name=Ellie --parameter=2",
			"step/ensemble/ensemble_1": "output_my_parameter --name=John --parameter=11",
		}, ""},
		{"ensemble_replicas.star", map[string]string{
			"replicas/ensemble-replica/ensemble-replica_0": "output_my_parameter",
			"replicas/ensemble-replica/ensemble-replica_1": "output_my_parameter",
			"replicas/ensemble-replica/ensemble-replica_2": "output_my_parameter",
			"replicas/ensemble-replica/ensemble-replica_3": "output_my_parameter",
		}, "hello from a replica"},
		{"ensemble_append.star", map[string]string{
			"append/ensemble-append/ensemble-append_0": "baseline",
			"append/ensemble-append/model_1":           "path/to/script_1",
			"append/ensemble-append/model_2":           "path/to/script_2",
		}, ""},
	} {
		r := ssrun(t, root, "examples/"+c.script)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", c.script, r.code, r.stderr)
		}
		if n := strings.Count(r.stderr, "Completed  0"); n != len(c.dirs) {
			t.Errorf("%s: summary shows %d completed jobs, want %d:\n%s", c.script, n, len(c.dirs), r.stderr)
		}
		var expName string
		for dir := range c.dirs {
			expName = strings.Split(dir, "/")[0]
		}
		if runs, _ := manifest(t, filepath.Join(root, "examples", expName))["runs"].([]any); len(runs) != 1 {
			t.Errorf("%s: manifest has %d runs, want 1", c.script, len(runs))
		}
		for dir, args := range c.dirs {
			rep := memberReport(t, filepath.Join(root, "examples", dir))
			if rep["args"] != args || rep["EXAMPLE_GREETING"] != c.env {
				t.Errorf("%s: %s reported %v, want args %q greeting %q", c.script, dir, rep, args, c.env)
			}
			checkOutputLink(t, filepath.Join(root, "examples", dir), filepath.Base(dir))
		}
	}
}

func TestExampleAttachFiles(t *testing.T) {
	root := examplesCopy(t)
	r := ssrun(t, root, "examples/ensemble_attach_files.star")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	exp := filepath.Join(root, "examples", "attach-files")
	for i, thermo := range []string{"10", "11", "12"} {
		dir := filepath.Join(exp, "ensemble", fmt.Sprintf("ensemble_%d", i))
		if got := read(t, filepath.Join(dir, "configure_inputs.txt")); got != "THERMO = "+thermo+"\n" {
			t.Errorf("ensemble_%d configured %q, want THERMO = %s", i, got, thermo)
		}
		if rep := memberReport(t, dir); rep["configure_inputs.txt"] != "THERMO = "+thermo {
			t.Errorf("ensemble_%d app saw %v", i, rep)
		}
		if p := read(t, filepath.Join(dir, "smartsim_params.txt")); !strings.Contains(p, "THERMO       "+thermo) {
			t.Errorf("ensemble_%d smartsim_params.txt:\n%s", i, p)
		}
	}
	global := read(t, filepath.Join(exp, "smartsim_params.txt"))
	if !strings.HasPrefix(global, "Generation start date and time:") || strings.Count(global, "Model name: ") != 3 {
		t.Errorf("global smartsim_params.txt:\n%s", global)
	}
	if read(t, filepath.Join(root, "examples", "inputs", "configure_inputs.txt")) != "THERMO = ;THERMO;\n" {
		t.Error("the template was modified")
	}
}

func TestExampleBatchAppendNeedsAWorkloadManager(t *testing.T) {
	root := examplesCopy(t)
	r := ssrun(t, root, "examples/ensemble_append_batch.star")
	if r.code != 1 || !strings.Contains(r.stderr, "TypeError: Local Launcher only supports entities with RunSettings") {
		t.Fatalf("exit %d, want 1 with SmartSim's TypeError:\n%s", r.code, r.stderr)
	}
	if _, err := os.Lstat(filepath.Join(root, "examples", "append-batch", "ensemble-append", "model_1", "model_1.out")); !os.IsNotExist(err) {
		t.Errorf("a refused batch start made output links (err %v)", err)
	}
}

// tree lists the files under dir (relative paths), or nil when dir does not exist.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestDryRunWritesNothingAndPrintsThePlan(t *testing.T) {
	root := examplesCopy(t)
	before := tree(t, root)
	text := ssrun(t, root, "--dry-run", "examples/ensemble_attach_files.star")
	if text.code != 0 {
		t.Fatalf("exit %d\n%s", text.code, text.stderr)
	}
	for _, want := range []string{"Experiment attach-files", "ensemble_2", "configure_inputs.txt", "argv:"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text plan lacks %q:\n%s", want, text.stdout)
		}
	}
	one := ssrun(t, root, "--dry-run", "--plan-format", "json", "examples/ensemble_attach_files.star")
	two := ssrun(t, root, "--dry-run", "--plan-format=json", "examples/ensemble_attach_files.star")
	elsewhere := ssrun(t, filepath.Join(root, "examples", "apps"), "--dry-run", "--plan-format", "json", "../ensemble_attach_files.star")
	if one.code != 0 || two.code != 0 || elsewhere.code != 0 {
		t.Fatalf("exits %d %d %d", one.code, two.code, elsewhere.code)
	}
	if one.stdout != two.stdout {
		t.Errorf("json plan differs between two runs:\n%s", cmp.Diff(one.stdout, two.stdout))
	}
	if one.stdout != elsewhere.stdout {
		t.Errorf("json plan differs from another working directory:\n%s", cmp.Diff(one.stdout, elsewhere.stdout))
	}
	if !json.Valid([]byte(one.stdout)) {
		t.Errorf("plan is not JSON:\n%s", one.stdout)
	}
	if diff := cmp.Diff(before, tree(t, root)); diff != "" {
		t.Errorf("dry runs wrote files (-before +after):\n%s", diff)
	}
}

// planOf is the part of a JSON plan the dry-run/real-run comparison reads.
type planOf struct {
	Launches []struct {
		Entity string   `json:"entity"`
		Argv   []string `json:"argv"`
		Cwd    string   `json:"cwd"`
	} `json:"launches"`
}

func TestDryRunAgreesWithRealRun(t *testing.T) {
	root := examplesCopy(t)
	dry := ssrun(t, root, "--dry-run", "--plan-format", "json", "examples/ensemble_all_perm.star")
	if dry.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", dry.code, dry.stderr)
	}
	real := ssrun(t, root, "--plan-format", "json", "examples/ensemble_all_perm.star")
	if real.code != 0 {
		t.Fatalf("real run: exit %d\n%s", real.code, real.stderr)
	}
	var dryPlan, realPlan map[string]any
	if err := json.Unmarshal([]byte(dry.stdout), &dryPlan); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(real.stdout), &realPlan); err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"entities", "launches"} {
		if diff := cmp.Diff(dryPlan[section], realPlan[section]); diff != "" {
			t.Errorf("dry run and real run plans disagree on %s (-dry +real):\n%s", section, diff)
		}
	}

	// And the plan matches what the processes saw: directory and arguments of every member.
	var plan planOf
	if err := json.Unmarshal([]byte(dry.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	expDir := filepath.Join(root, "examples", "all-perm")
	var planned, ran []string
	for _, l := range plan.Launches {
		planned = append(planned, fmt.Sprintf("%s %s %s", l.Entity, strings.Replace(l.Cwd, "$EXP", expDir, 1), strings.Join(l.Argv[1:], " ")))
	}
	members, _ := filepath.Glob(filepath.Join(expDir, "ensemble", "ensemble_*"))
	for _, dir := range members {
		ran = append(ran, fmt.Sprintf("%s %s %s", filepath.Base(dir), dir, memberReport(t, dir)["args"]))
	}
	sort.Strings(planned)
	sort.Strings(ran)
	if len(planned) != 4 {
		t.Fatalf("plan launches %d jobs, want 4:\n%s", len(planned), dry.stdout)
	}
	if diff := cmp.Diff(planned, ran); diff != "" {
		t.Errorf("the plan and the processes disagree on members, directories or argv (-planned +ran):\n%s", diff)
	}
}

// processesWithArg returns the PIDs whose command line contains arg.
func processesWithArg(arg string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(cmdline), "\x00") {
			if a == arg {
				pids = append(pids, e.Name())
			}
		}
	}
	return pids
}

func TestSIGINTDuringBlockingStartStopsEveryJob(t *testing.T) {
	dir := t.TempDir()
	marker := fmt.Sprintf("%d.5", 100+os.Getpid()%1000) // a sleep duration no other process uses
	write(t, filepath.Join(dir, "long.star"), `exp = Experiment("long")
rs = exp.create_run_settings(exe="sleep", exe_args="`+marker+`")
model = exp.create_model("model", rs)
ens = exp.create_ensemble("ens", replicas=2, run_settings=rs)
exp.start(model, ens, block=True)
`)
	cmd := exec.Command(ssrunBin, "long.star")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(processesWithArg(marker)) < 3 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the 3 jobs did not start; running: %v\n%s", processesWithArg(marker), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Fatalf("ssrun ended with %v, want exit 130\n%s", err, stderr.String())
	}
	if left := processesWithArg(marker); len(left) > 0 {
		t.Fatalf("processes left behind after SIGINT: %v", left)
	}
	raw := read(t, filepath.Join(dir, "long", ".smartsim", "telemetry", "manifest.json"))
	if n := len(regexp.MustCompile(`"status":\s*"Cancelled"`).FindAllString(raw, -1)); n != 3 {
		t.Fatalf("manifest records %d Cancelled jobs, want 3:\n%s", n, raw)
	}
}

func TestLauncherFlagResolvesAuto(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "l.star"), `load("@stdlib//assert.star", "assert")
exp = Experiment("x", launcher="auto")
assert.eq(exp.launcher, vars["want"])
`)
	if r := ssrun(t, dir, "-D", "want=local", "l.star"); r.code != 0 {
		t.Errorf("without --launcher: exit %d\n%s", r.code, r.stderr)
	}
	if r := ssrun(t, dir, "--launcher", "slurm", "-D", "want=slurm", "--dry-run", "l.star"); r.code != 0 {
		t.Errorf("--launcher slurm: exit %d\n%s", r.code, r.stderr)
	}
}

func TestSeedDrivesRandomExpansion(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "r.star"), `exp = Experiment("r")
rs = exp.create_run_settings(exe="true")
ens = exp.create_ensemble("ens", params={"h": list(range(50))}, run_settings=rs, perm_strategy="random", n_models=5)
exp.generate(ens)
`)
	plan := func(seed string) string {
		r := ssrun(t, dir, "--dry-run", "--plan-format", "json", "--seed", seed, "r.star")
		if r.code != 0 {
			t.Fatalf("--seed %s: exit %d\n%s", seed, r.code, r.stderr)
		}
		return r.stdout
	}
	one, again, two := plan("1"), plan("1"), plan("2")
	if one != again {
		t.Errorf("the same seed gave different plans:\n%s", cmp.Diff(one, again))
	}
	if one == two {
		t.Errorf("seeds 1 and 2 gave the same members")
	}
	if !strings.Contains(two, `"seed": 2`) {
		t.Errorf("plan does not record the seed:\n%s", two)
	}
}

func TestDetachLeavesJobsRunning(t *testing.T) {
	dir := t.TempDir()
	marker := fmt.Sprintf("%d.25", 200+os.Getpid()%1000)
	write(t, filepath.Join(dir, "d.star"), `exp = Experiment("d")
m = exp.create_model("m", exp.create_run_settings(exe="sleep", exe_args="`+marker+`"))
exp.start(m, block=False)
`)
	if r := ssrun(t, dir, "--detach", "d.star"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	left := processesWithArg(marker)
	for _, pid := range left {
		if n, err := strconv.Atoi(pid); err == nil {
			syscall.Kill(n, syscall.SIGKILL)
		}
	}
	if len(left) != 1 {
		t.Fatalf("%d detached jobs running, want 1", len(left))
	}
	// Without --detach the same script stops its job at the end.
	if r := ssrun(t, dir, "d.star"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if left := processesWithArg(marker); len(left) != 0 {
		t.Fatalf("job left running at script end: %v", left)
	}
}

func TestLogLevelAndStepLimitFlags(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "log.star"), `log = get_logger("L")
log.debug("dbg")
print("inf")
log.warning("wrn")
`)
	for flag, want := range map[string][]string{
		"-v": {"DEBUG [L] dbg", "inf", "WARNING [L] wrn"},
		"":   {"inf", "WARNING [L] wrn"},
		"-q": {"WARNING [L] wrn"},
	} {
		args := []string{"log.star"}
		if flag != "" {
			args = append([]string{flag}, args...)
		}
		r := ssrun(t, dir, args...)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("%q: exit %d, stdout %q", flag, r.code, r.stdout)
		}
		if got := strings.Count(r.stderr, "\n"); got != len(want) {
			t.Errorf("%q: %d log lines, want %d:\n%s", flag, got, len(want), r.stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%q: log lacks %q:\n%s", flag, w, r.stderr)
			}
		}
	}
	write(t, filepath.Join(dir, "loop.star"), "while True:\n    pass\n")
	if r := ssrun(t, dir, "--max-steps", "5000", "loop.star"); r.code != 1 || !strings.Contains(r.stderr, "too many steps") {
		t.Errorf("--max-steps: exit %d, want 1 with a step-limit error:\n%s", r.code, r.stderr)
	}
}

// TestRealRunLifecycle drives SmartSim's status cases with real processes from an assert-style script
// (reference §8 cases 16, 18, 19, 31).
func TestRealRunLifecycle(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "life.star"), `load("@stdlib//assert.star", "assert")
exp = Experiment("life")

# 16. non-blocking sleep: not finished; stop: finished, Cancelled.
sleeper = exp.create_model("sleeper", exp.create_run_settings(exe="sleep", exe_args="30"))
exp.start(sleeper, block=False)
assert.eq(exp.finished(sleeper), False)
assert.eq(exp.get_status(sleeper), [status.RUNNING])
exp.stop(sleeper)
assert.true(exp.finished(sleeper))
assert.eq(exp.get_status(sleeper), [status.CANCELLED])

# 18. a non-zero exit is Failed.
failing = exp.create_model("failing", exp.create_run_settings(exe="false"))
exp.start(failing, block=True)
assert.eq(exp.get_status(failing), ["Failed"])

# 19. M1 non-blocking, then M2 blocking: both Completed in the end.
m1 = exp.create_model("m1", exp.create_run_settings(exe="sleep", exe_args="0.2"))
m2 = exp.create_model("m2", exp.create_run_settings(exe="true"))
exp.start(m1, block=False)
assert.ne(exp.get_status(m1), ["Failed"])
exp.start(m2, block=True)
exp.poll(interval=1, verbose=False)
assert.eq(exp.get_status(m1, m2), ["Completed", "Completed"])

# 31. regenerate and restart with new arguments: a new output file, the old one kept.
rs = exp.create_run_settings(exe="echo", exe_args="spam eggs")
echo = exp.create_model("echo", rs)
exp.generate(echo, overwrite=True)
exp.start(echo, block=True)
rs.exe_args = ["hello", "world"]
exp.generate(echo, overwrite=True)
exp.start(echo, block=True)
assert.eq([r["RunID"] for r in json.decode(exp.summary(style="json")) if r["Name"] == "echo"], [0, 1])
`)
	r := ssrun(t, dir, "life.star")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	link := filepath.Join(dir, "life", "echo", "echo.out")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, link); got != "hello world\n" {
		t.Errorf("%s holds %q, want the second run's output", link, got)
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "life", ".smartsim", "telemetry", "life", "run-*", "model", "echo", "echo.out"))
	if len(outs) != 2 {
		t.Fatalf("echo has %d output files, want 2: %v", len(outs), outs)
	}
	for _, out := range outs {
		if out != target && read(t, out) != "spam eggs\n" {
			t.Errorf("first run's output %s holds %q, want spam eggs", out, read(t, out))
		}
	}
}

// TestRealGeneration checks generation's files on disk (reference §8 cases 15, 23-26).
func TestRealGeneration(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sleep.py"), "print('zz')\n")
	write(t, filepath.Join(dir, "data", "big.bin"), "data\n")
	write(t, filepath.Join(dir, "tmpl", "test.in"), "a @PARAM0@ b @PARAM1@\n")
	write(t, filepath.Join(dir, "tmpl", "test_dir_1", "nested_0", "tagged_0.sh"), "echo \"Hello with parameter 0 = @PARAM0@\"\n")
	write(t, filepath.Join(dir, "tmpl", "test_dir_1", "nested_1", "tagged_1.sh"), "echo \"Hello with parameter 1 = @PARAM1@\"\n")
	write(t, filepath.Join(dir, "hello.sh"), "#!/bin/sh\necho \"My two parameters are ;port; and ;password;, OK?\"\n")
	write(t, filepath.Join(dir, "gen.star"), `exp = Experiment("gen")
rs = exp.create_run_settings(exe="true")
model = exp.create_model("model", rs)
model.attach_generator_files(to_copy=["sleep.py"], to_symlink=["data"])
ens = exp.create_ensemble("test", params={"PARAM0": [0, 1], "PARAM1": [2, 3]}, run_settings=rs)
ens.attach_generator_files(to_configure=["tmpl"])
exp.generate(model, ens, tag="@")
here = exp.create_model("here", rs, path="./x")

hello = exp.create_model("hello", exp.create_run_settings(exe="sh", exe_args="hello.sh"),
                         params={"port": 6379, "password": "unbreakable_password"})
hello.attach_generator_files(to_configure="hello.sh")
exp.generate(hello)
exp.start(model, hello, here, block=True)
`)
	if r := ssrun(t, dir, "gen.star"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	exp := filepath.Join(dir, "gen")
	if got := read(t, filepath.Join(exp, "model", "sleep.py")); got != "print('zz')\n" {
		t.Errorf("copied sleep.py holds %q", got)
	}
	if target, err := os.Readlink(filepath.Join(exp, "model", "data")); err != nil || target != filepath.Join(dir, "data") {
		t.Errorf("data symlink -> %q (%v), want %s", target, err, filepath.Join(dir, "data"))
	}
	for i, want := range map[int][2]string{
		0: {"a 0 b 2\n", "echo \"Hello with parameter 0 = 0\"\n"},
		1: {"a 0 b 3\n", "echo \"Hello with parameter 0 = 0\"\n"},
		3: {"a 1 b 3\n", "echo \"Hello with parameter 0 = 1\"\n"},
	} {
		member := filepath.Join(exp, "test", fmt.Sprintf("test_%d", i))
		if got := read(t, filepath.Join(member, "test.in")); got != want[0] {
			t.Errorf("test_%d/test.in = %q, want %q", i, got, want[0])
		}
		if got := read(t, filepath.Join(member, "test_dir_1", "nested_0", "tagged_0.sh")); got != want[1] {
			t.Errorf("test_%d nested_0/tagged_0.sh = %q, want %q", i, got, want[1])
		}
	}
	if got := read(t, filepath.Join(exp, "test", "test_1", "test_dir_1", "nested_1", "tagged_1.sh")); got != "echo \"Hello with parameter 1 = 3\"\n" {
		t.Errorf("test_1 nested_1/tagged_1.sh = %q", got)
	}
	if got := read(t, filepath.Join(exp, "hello", "hello.out")); !strings.Contains(got, "My two parameters are 6379 and unbreakable_password, OK?") {
		t.Errorf("hello.out = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "x", "here.out")); err != nil {
		t.Errorf("model with path=./x did not run in %s: %v", filepath.Join(dir, "x"), err)
	}
}
