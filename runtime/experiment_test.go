package runtime

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ssrun/ssrun/launchers"
)

func statuses(t *testing.T, exp *Experiment, ents ...Entity) []launchers.Status {
	t.Helper()
	st, err := exp.GetStatus(ents...)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUnlaunchedModel(t *testing.T) { // case 13
	exp, _ := newExp(t, "local")
	m, _ := exp.CreateModel(ModelArgs{Name: "model", RunSettings: mustRS(t, exp, "true")})
	if diff := cmp.Diff([]launchers.Status{launchers.StatusNeverStarted}, statuses(t, exp, m)); diff != "" {
		t.Fatal(diff)
	}
	_, err := exp.Finished(m)
	if err == nil || err.Error() != "ValueError: Entity model has not been launched in this experiment" {
		t.Fatalf("got %v", err)
	}
	wantErr(t, exp.Stop(m), KeyError, "'model'")
}

func TestBlockingStartSummary(t *testing.T) { // cases 14, 15
	exp, _ := newExp(t, "local")
	m, _ := exp.CreateModel(ModelArgs{Name: "model", RunSettings: mustRS(t, exp, "echo", "Hello")})
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true"), Replicas: 2})
	rel, _ := exp.CreateModel(ModelArgs{Name: "rel", RunSettings: mustRS(t, exp, "true"), Path: "./x"})
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	out, err := exp.Summary("plain")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 2 {
		t.Fatalf("plain summary should be 2 lines:\n%s", out)
	}
	fields := strings.Fields(lines[1])
	if fields[1] != "model" || fields[2] != "Model" || fields[4] != "0" || fields[6] != "Completed" || fields[7] != "0" {
		t.Fatalf("row: %q", lines[1])
	}
	if got := readFile(t, filepath.Join(exp.Path, "model", "model.out")); got != "Hello\n" {
		t.Fatalf("model.out: %q", got)
	}
	if err := exp.Start(context.Background(), []Entity{ens, rel}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(exp.Path, "model"), filepath.Join(exp.Path, "ens", "ens_0"),
		filepath.Join(exp.Path, "ens", "ens_1"), filepath.Join(exp.Cwd(), "x")} {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			t.Fatalf("start did not create %s", dir)
		}
	}
}

func TestStatusesAndRelaunch(t *testing.T) { // cases 17, 18, 19
	exp, _ := newExp(t, "local")
	ok := mustRS(t, exp, "sh", "-c", "exit 0")
	bad := mustRS(t, exp, "sh", "-c", "exit 3")
	m1, _ := exp.CreateModel(ModelArgs{Name: "m1", RunSettings: mustRS(t, exp, "sleep", "1")})
	m2, _ := exp.CreateModel(ModelArgs{Name: "m2", RunSettings: ok})
	fail, _ := exp.CreateModel(ModelArgs{Name: "fail", RunSettings: bad})
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: ok, Replicas: 2})
	ctx := context.Background()
	if err := exp.Start(ctx, []Entity{m1}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := statuses(t, exp, m1)[0]; st != launchers.StatusRunning {
		t.Fatalf("non-blocking m1: %s", st)
	}
	if err := exp.Start(ctx, []Entity{m2, fail, ens}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	want := []launchers.Status{"Completed", "Completed", "Completed", "Completed", "Failed"}
	if diff := cmp.Diff(want, statuses(t, exp, m1, ens, m2, fail)); diff != "" {
		t.Fatalf("argument order: %s", diff)
	}
	if err := exp.Start(ctx, []Entity{ens}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	rows := exp.SummaryRows()
	last := rows[len(rows)-1]
	if last.Name != "ens_1" || last.RunID != 1 || last.Status != "Completed" {
		t.Fatalf("relaunch row: %+v", last)
	}
	for _, r := range rows {
		if r.Name == "fail" && (r.Returncode == nil || *r.Returncode != 3) {
			t.Fatalf("fail row: %+v", r)
		}
	}
	impostor, _ := exp.CreateModel(ModelArgs{Name: "m2", RunSettings: ok})
	err := exp.Start(ctx, []Entity{impostor}, StartOptions{})
	if err == nil || err.Error() != "SSUnsupportedError: SmartSim entities cannot have duplicate names." {
		t.Fatalf("got %v", err)
	}
	err = exp.Start(ctx, []Entity{m2, impostor}, StartOptions{})
	wantErr(t, err, SmartSimError, "User provided two entities with the same name")
	clash, _ := exp.CreateModel(ModelArgs{Name: "other_0", RunSettings: ok})
	other, _ := exp.CreateEnsemble(EnsembleArgs{Name: "other", RunSettings: ok, Replicas: 1})
	wantErr(t, exp.Start(ctx, []Entity{other, clash}, StartOptions{}), SSUnsupportedError, "duplicate names")
	empty, _ := exp.CreateEnsemble(EnsembleArgs{Name: "empty", BatchSettings: &BatchSettings{}})
	wantErr(t, exp.Start(ctx, []Entity{empty}, StartOptions{}), ValueError, "empty is empty. Nothing to launch.")
}

func TestStopAndFinished(t *testing.T) { // case 16
	exp, _ := newExp(t, "local")
	m, _ := exp.CreateModel(ModelArgs{Name: "sleeper", RunSettings: mustRS(t, exp, "sleep", "5")})
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if done, err := exp.Finished(m); done || err != nil {
		t.Fatalf("finished %v %v", done, err)
	}
	again, _ := exp.CreateModel(ModelArgs{Name: "sleeper", RunSettings: mustRS(t, exp, "true")})
	wantErr(t, exp.Start(context.Background(), []Entity{again}, StartOptions{}), SSUnsupportedError, "duplicate names")
	start := time.Now()
	if err := exp.Stop(m); err != nil {
		t.Fatal(err)
	}
	if done, err := exp.Finished(m); !done || err != nil {
		t.Fatalf("after stop: finished %v %v", done, err)
	}
	if st := statuses(t, exp, m)[0]; st != launchers.StatusCancelled {
		t.Fatalf("status after stop: %s", st)
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("stop waited for the job to end by itself")
	}
	if err := exp.Stop(m); err != nil {
		t.Fatalf("stopping a finished job must be a no-op: %v", err)
	}
}

func TestInterruptedBlockingStartStopsEverything(t *testing.T) { // case 20
	exp, _ := newExp(t, "local")
	rs := mustRS(t, exp, "sleep", "100")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: rs})
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the "SIGINT": once all three jobs run
		for len(exp.SummaryRows()) < 3 {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	err := exp.Start(ctx, []Entity{m, ens}, StartOptions{Block: true, KillOnInterrupt: true})
	if err == nil || !strings.HasPrefix(err.Error(), "KeyboardInterrupt") {
		t.Fatalf("got %v", err)
	}
	want := []launchers.Status{"Cancelled", "Cancelled", "Cancelled"}
	if diff := cmp.Diff(want, statuses(t, exp, m, ens)); diff != "" {
		t.Fatal(diff)
	}
}

func TestCloseStopsRunningJobs(t *testing.T) {
	exp, _ := newExp(t, "local")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "sleep", "100")})
	exp.Start(context.Background(), []Entity{m}, StartOptions{})
	exp.Close()
	if st := statuses(t, exp, m)[0]; st != launchers.StatusCancelled {
		t.Fatalf("after Close: %s", st)
	}
}

func TestBatchSettingsOnLocalRefusedBeforeLaunch(t *testing.T) { // case 33
	exp, _ := newExp(t, "local")
	bs, err := exp.CreateBatchSettings(BatchSettingsArgs{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := exp.CreateModel(ModelArgs{Name: "ok", RunSettings: mustRS(t, exp, "true")})
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "true"), BatchSettings: bs})
	err = exp.Start(context.Background(), []Entity{ok, m}, StartOptions{})
	wantErr(t, err, TypeError, "Local Launcher only supports entities with RunSettings, not BatchSettings")
	if len(exp.SummaryRows()) != 0 {
		t.Fatal("a job was launched before the refusal")
	}
	if _, err := os.Lstat(filepath.Join(exp.Path, "ok", "ok.out")); err == nil {
		t.Fatal("symlinks made before the refusal")
	}
}

func TestOutputSymlinksAcrossRuns(t *testing.T) { // case 31
	exp, _ := newExp(t, "local")
	rs := mustRS(t, exp, "echo", "spam", "eggs")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: rs})
	ctx := context.Background()
	if err := exp.Generate([]Entity{m}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(m.Path, "m.out")
	first, err := os.Readlink(link)
	if err != nil {
		t.Fatalf("m.out is not a symlink: %v", err)
	}
	rs.ExeArgs = []string{"hello", "world"}
	if err := exp.Generate([]Entity{m}, GenerateOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.Readlink(link)
	if second == first || readFile(t, link) != "hello world\n" || readFile(t, first) != "spam eggs\n" {
		t.Fatalf("links %s %s", first, second)
	}
	wantDir := filepath.Join(exp.Path, ".smartsim", "telemetry", "exp", "run-001", "model", "m")
	if filepath.Dir(second) != wantDir {
		t.Fatalf("output under %s, want %s", second, wantDir)
	}
}

// TestWholeEnsembleLocal drives a whole experiment the way a user would: generate and start a
// 4-member ensemble of /bin/sh scripts with a configured input file, then check outputs, statuses,
// manifest and summary.
func TestWholeEnsembleLocal(t *testing.T) {
	exp, _ := newExp(t, "local", func(o *Options) { o.Seed = 3 })
	cwd := exp.Cwd()
	writeFile(t, filepath.Join(cwd, "app.sh"), "#!/bin/sh\necho \"args=$*\"\necho \"key=$SSKEYOUT color=$COLOR\"\ncat in.txt\necho oops >&2\n")
	os.Chmod(filepath.Join(cwd, "app.sh"), 0o755)
	writeFile(t, filepath.Join(cwd, "in.txt"), "name = ;name;\nsteps = ;steps;\n")
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "./app.sh", ExeArgs: []string{"--fixed"}, EnvVars: []Arg{{Key: "COLOR", Value: "blue"}}})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, ParamsAsArgs: []string{"steps"},
		Params: []ParamSpec{{"name", List("Ellie", "John")}, {"steps", ints("2", "11")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ens.AttachGeneratorFiles(nil, nil, []string{"in.txt"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, []Entity{ens}, StartOptions{Block: true, Summary: true}); err != nil {
		t.Fatal(err)
	}
	want := "args=--fixed --steps=11\nkey=ens_1 color=blue\nname = Ellie\nsteps = 11\n"
	if got := readFile(t, filepath.Join(exp.Path, "ens", "ens_1", "ens_1.out")); got != want {
		t.Fatalf("ens_1.out:\n%s\nwant\n%s", got, want)
	}
	if got := readFile(t, filepath.Join(exp.Path, "ens", "ens_2", "ens_2.err")); got != "oops\n" {
		t.Fatalf("ens_2.err: %q", got)
	}
	if diff := cmp.Diff([]launchers.Status{"Completed", "Completed", "Completed", "Completed"}, statuses(t, exp, ens)); diff != "" {
		t.Fatal(diff)
	}
	// manifest
	var manifest struct {
		Schema     map[string]string `json:"schema info"`
		Experiment map[string]any    `json:"experiment"`
		Runs       []struct {
			RunID    string `json:"run_id"`
			Ensemble []struct {
				Name   string  `json:"name"`
				Seed   float64 `json:"seed"`
				Models []struct {
					Name      string            `json:"name"`
					Params    map[string]string `json:"params"`
					ExeArgs   []string          `json:"exe_args"`
					OutFile   string            `json:"out_file"`
					Telemetry map[string]any    `json:"telemetry_metadata"`
				} `json:"models"`
			} `json:"ensemble"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(readFile(t, exp.ManifestPath())), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.Schema["version"] != "0.0.4" || manifest.Experiment["launcher"] != "Local" || len(manifest.Runs) != 1 {
		t.Fatalf("manifest header: %+v", manifest)
	}
	run := manifest.Runs[0]
	if run.RunID != "run-000" || len(run.Ensemble) != 1 || len(run.Ensemble[0].Models) != 4 || run.Ensemble[0].Seed != 3 {
		t.Fatalf("manifest run: %+v", run)
	}
	m3 := run.Ensemble[0].Models[3]
	if m3.Name != "ens_3" || m3.Params["name"] != "John" || m3.Telemetry["status"] != "Completed" || m3.Telemetry["return_code"] != 0.0 {
		t.Fatalf("manifest member: %+v", m3)
	}
	if m3.OutFile != filepath.Join(exp.Path, ".smartsim/telemetry/exp/run-000/ensemble/ens/ens_3/ens_3.out") {
		t.Fatalf("out_file %s", m3.OutFile)
	}
	// ssrun's additions: the launched argv and when the member started and ended
	if argv, _ := m3.Telemetry["argv"].([]any); len(argv) == 0 {
		t.Fatalf("manifest member has no argv: %+v", m3.Telemetry)
	}
	start, err1 := time.Parse(time.RFC3339Nano, str(m3.Telemetry["start_time"]))
	end, err2 := time.Parse(time.RFC3339Nano, str(m3.Telemetry["end_time"]))
	if err1 != nil || err2 != nil || end.Before(start) {
		t.Fatalf("manifest member times: start %v (%v), end %v (%v)", start, err1, end, err2)
	}
	// summary
	gh, _ := exp.Summary("github")
	lines := strings.Split(gh, "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "|    | Name   | Entity-Type   | JobID ") || !strings.HasPrefix(lines[1], "|----|--------|") ||
		!strings.HasPrefix(lines[2], "| 0  | ens_0  | Model         | ") || !strings.HasSuffix(lines[5], "| Completed | 0            |") {
		t.Fatalf("github summary:\n%s", gh)
	}
	md, _ := exp.Summary("markdown")
	if !strings.HasPrefix(strings.Split(md, "\n")[1], "|:---|:-------|") {
		t.Fatalf("markdown summary:\n%s", md)
	}
	js, _ := exp.Summary("json")
	var rows []SummaryRow
	if err := json.Unmarshal([]byte(js), &rows); err != nil || len(rows) != 4 || rows[2].Name != "ens_2" {
		t.Fatalf("json summary: %v %s", err, js)
	}
	_, err = exp.Summary("fancy")
	wantErr(t, err, ValueError, "fancy")
}

func TestJobEnvironment(t *testing.T) {
	exp, _ := newExp(t, "", func(o *Options) { o.Environ = []string{"PATH=/bin", "COLOR=red", "KEEP=1"} })
	rs, _ := exp.CreateRunSettings(RunSettingsArgs{Exe: "true", EnvVars: []Arg{{Key: "COLOR", Value: "blue"}, {Key: "EMPTY", IsNone: true}}})
	producer, _ := exp.CreateModel(ModelArgs{Name: "producer", RunSettings: rs})
	consumer, _ := exp.CreateModel(ModelArgs{Name: "consumer", RunSettings: rs, EnableKeyPrefixing: true})
	consumer.RegisterIncomingEntity(producer)
	env, delta := exp.jobEnv(consumer)
	if diff := cmp.Diff([]string{"PATH=/bin", "KEEP=1", "COLOR=blue", "EMPTY=", "SSKEYIN=producer", "SSKEYOUT=consumer"}, env); diff != "" {
		t.Fatal(diff)
	}
	if diff := cmp.Diff([]string{"COLOR=blue", "EMPTY=", "SSKEYIN=producer", "SSKEYOUT=consumer"}, delta); diff != "" {
		t.Fatal(diff)
	}
	if _, delta := exp.jobEnv(producer); len(delta) != 2 {
		t.Fatalf("producer has no prefixing and no incoming entities: %v", delta)
	}
}

func TestPollAndEmptyStart(t *testing.T) {
	exp, logs := newExp(t, "local")
	if err := exp.Start(context.Background(), nil, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(exp.ManifestPath()); err != nil {
		t.Fatalf("start() with no entities must still write the manifest: %v", err)
	}
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "sleep", "1")})
	exp.Start(context.Background(), []Entity{m}, StartOptions{})
	if err := exp.Poll(context.Background(), 100*time.Millisecond, true, true); err != nil {
		t.Fatal(err)
	}
	if st := statuses(t, exp, m)[0]; st != launchers.StatusCompleted {
		t.Fatalf("after poll: %s", st)
	}
	if !strings.Contains(logs.String(), "m(") || !strings.Contains(logs.String(), "Running") {
		t.Fatalf("poll should log running jobs: %s", logs.String())
	}
}

func TestDryFSOverlay(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "old", "file"), "x")
	d := NewDryFS()
	if ok, isDir := d.Exists(filepath.Join(dir, "old")); !ok || !isDir {
		t.Fatal("disk content must show through")
	}
	d.RemoveAll(filepath.Join(dir, "old"))
	if ok, _ := d.Exists(filepath.Join(dir, "old", "file")); ok {
		t.Fatal("removed directory still shows its disk content")
	}
	d.MkdirAll(filepath.Join(dir, "tmp", "a"))
	d.WriteFile(filepath.Join(dir, "tmp", "a", "f"), nil, 0)
	d.Rename(filepath.Join(dir, "tmp"), filepath.Join(dir, "old"))
	if ok, _ := d.Exists(filepath.Join(dir, "old", "a", "f")); !ok {
		t.Fatal("renamed content missing")
	}
	if ok, _ := d.Exists(filepath.Join(dir, "old", "file")); ok {
		t.Fatal("replaced directory shows old disk content")
	}
	if ok, _ := d.Exists(filepath.Join(dir, "tmp")); ok {
		t.Fatal("rename source still exists")
	}
	if got := tree(t, dir); !cmp.Equal(got, []string{"old/", "old/file"}) {
		t.Fatalf("DryFS touched the disk: %v", got)
	}
}

func TestSecondInvocationContinuesTheJournal(t *testing.T) {
	first, _ := newExp(t, "local")
	m, _ := first.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, first, "echo", "one")})
	if err := first.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second, err := NewExperiment("exp", "", "local", Options{Cwd: first.Cwd(), Launcher: first.opts.Launcher, Log: first.opts.Log})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	m2, _ := second.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, second, "echo", "two")})
	if err := second.Start(context.Background(), []Entity{m2}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
	}
	json.Unmarshal([]byte(readFile(t, second.ManifestPath())), &doc)
	if len(doc.Runs) != 2 || doc.Runs[0].RunID != "run-000" || doc.Runs[1].RunID != "run-001" {
		t.Fatalf("journal runs: %+v", doc.Runs)
	}
	old := filepath.Join(first.Path, ".smartsim", "telemetry", "exp", "run-000", "model", "m", "m.out")
	if readFile(t, old) != "one\n" || readFile(t, filepath.Join(m2.Path, "m.out")) != "two\n" {
		t.Fatal("the second invocation overwrote the first one's output")
	}
}

// TestManifestFollowsStatusChanges checks that a job's end reaches the journal by itself, without any
// further call from the script, and that no temporary file is left beside it.
func TestManifestFollowsStatusChanges(t *testing.T) {
	exp, _ := newExp(t, "local")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "sh", "-c", "exit 4")})
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(exp.ManifestPath())
		if strings.Contains(string(data), `"status": "Failed"`) && strings.Contains(string(data), `"return_code": 4`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("manifest never showed the job's end:\n%s", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	exp.Close()
	entries, _ := os.ReadDir(filepath.Dir(exp.ManifestPath()))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestLaunchSummary(t *testing.T) {
	exp, _ := newExp(t, "dryrun")
	rs := mustRS(t, exp, "echo", "hi")
	m, _ := exp.CreateModel(ModelArgs{Name: "model", RunSettings: rs, Params: []ParamSpec{{"k", Str("v")}}})
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: 2})
	got := exp.launchSummary([]Entity{m, ens})
	for _, want := range []string{"=== Launch Summary ===\nExperiment: exp\n", "Launcher: local\nModels: 1\nDatabase Status: inactive\n",
		"=== Ensembles ===\nens\nMembers: 2\nBatch Launch: False\n", "=== Models ===\nmodel\nExecutable: " + rs.Exe + "\nExecutable Arguments: hi\nParameters: \nk = v"} {
		if !strings.Contains(got, want) {
			t.Fatalf("summary lacks %q:\n%s", want, got)
		}
	}
}

// str is a JSON value's string, or "" when it is not one.
func str(v any) string { s, _ := v.(string); return s }
