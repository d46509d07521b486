package runtime

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runSweep runs the same small driver in a fresh directory: a configured 2x2 ensemble and a model.
// The clock is fixed for both kinds so that the smartsim_params.txt header is the same bytes.
func runSweep(t *testing.T, kind string) *Experiment {
	t.Helper()
	exp, _ := newExp(t, kind, func(o *Options) {
		o.Environ = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
		o.Now = fixedNow
	})
	cwd := exp.Cwd()
	writeFile(t, filepath.Join(cwd, "app.sh"), "#!/bin/sh\necho \"$@\"\n")
	os.Chmod(filepath.Join(cwd, "app.sh"), 0o755)
	writeFile(t, filepath.Join(cwd, "in.txt"), "a = ;a;\nb = ;b;\n")
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "./app.sh", EnvVars: []Arg{{Key: "OMP_NUM_THREADS", Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, ParamsAsArgs: []string{"a"},
		Params: []ParamSpec{{"a", ints("1", "2")}, {"b", List("x", "y")}}})
	if err != nil {
		t.Fatal(err)
	}
	ens.AttachGeneratorFiles([]string{"app.sh"}, nil, []string{"in.txt"})
	m, _ := exp.CreateModel(ModelArgs{Name: "post", RunSettings: mustRS(t, exp, "true")})
	ctx := context.Background()
	if err := exp.Generate([]Entity{ens, m}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, []Entity{ens, m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	return exp
}

func TestDryRunPlanIsByteStableAndPortable(t *testing.T) {
	a, err := runSweep(t, "dryrun").Plan().JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := runSweep(t, "dryrun").Plan().JSON()
	if string(a) != string(b) {
		t.Fatalf("plans differ between two directories:\n%s", cmp.Diff(string(a), string(b)))
	}
	if strings.Contains(string(a), os.TempDir()) || !strings.HasSuffix(string(a), "}\n") {
		t.Fatalf("plan has absolute temp paths or no trailing newline:\n%s", a)
	}
	var generic map[string]any
	if err := json.Unmarshal(a, &generic); err != nil {
		t.Fatal(err)
	}
	launches := generic["launches"].([]any)
	first := launches[0].(map[string]any)
	if diff := cmp.Diff([]any{"$CWD/app.sh", "-a", "1"}, first["argv"]); diff != "" {
		t.Fatalf("argv: %s", diff)
	}
	if diff := cmp.Diff([]any{"OMP_NUM_THREADS=1", "SSKEYOUT=ens_0"}, first["env"]); diff != "" {
		t.Fatalf("env delta: %s", diff)
	}
	if first["cwd"] != "$EXP/ens/ens_0" || first["stdout"] != "$EXP/.smartsim/telemetry/exp/run-000/ensemble/ens/ens_0/ens_0.out" {
		t.Fatalf("launch: %v", first)
	}
	text := runSweep(t, "dryrun").Plan().Text()
	for _, want := range []string{"Ensemble ens at $EXP/ens (all_perm, seed 0, 4 members)", "params: a=1, b=x",
		"argv: $CWD/app.sh -a 2", "write   $EXP/ens/ens_3/in.atm", "copy    $EXP/ens/ens_0/app.sh <- $CWD/app.sh"} {
		if want == "write   $EXP/ens/ens_3/in.atm" {
			want = "write   $EXP/ens/ens_3/in.txt"
		}
		if !strings.Contains(text, want) {
			t.Fatalf("text plan lacks %q:\n%s", want, text)
		}
	}
}

func TestDryRunAndRealRunAgree(t *testing.T) {
	dry := runSweep(t, "dryrun")
	real := runSweep(t, "local")
	if _, err := os.Stat(dry.Path); err == nil {
		t.Fatal("dry run wrote the experiment directory")
	}
	dp, rp := dry.Plan(), real.Plan()
	if diff := cmp.Diff(dp.Entities, rp.Entities); diff != "" {
		t.Fatalf("entities differ: %s", diff)
	}
	if diff := cmp.Diff(dp.FileOps, rp.FileOps); diff != "" {
		t.Fatalf("file operations differ: %s", diff)
	}
	if diff := cmp.Diff(dp.Launches, rp.Launches); diff != "" {
		t.Fatalf("launches differ: %s", diff)
	}
	if got := readFile(t, filepath.Join(real.Path, "ens", "ens_3", "ens_3.out")); got != "-a 2\n" {
		t.Fatalf("real output %q", got)
	}
	sum, _ := dry.Summary("plain")
	if !strings.Contains(sum, "dryrun-1") || !strings.Contains(sum, "0.0000") {
		t.Fatalf("dry-run summary should show recorded ids and zero times:\n%s", sum)
	}
}

func TestPreview(t *testing.T) {
	exp, _ := newExp(t, "")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true", "x"), Params: []ParamSpec{{"h", ints("1", "2")}}})
	out := exp.Preview(ens)
	for _, want := range []string{"=== Experiment Overview ===", "Experiment Name: exp", "Ensemble Name: ens", "Members: 2",
		"  Model Name: ens_1", "  Parameters: h=2", "Executable Arguments: x", "Key Prefixing: on"} {
		if !strings.Contains(out, want) {
			t.Fatalf("preview lacks %q:\n%s", want, out)
		}
	}
}

func TestMemberTreeRefusesEscapes(t *testing.T) {
	tr := &memberTree{nodes: map[string]*treeNode{}}
	wantErr(t, tr.add("../x", &treeNode{op: FileOp{Op: "write"}}), ValueError, "outside the entity directory")
	wantErr(t, tr.add("/etc/passwd", &treeNode{op: FileOp{Op: "write"}}), ValueError, "outside the entity directory")
	if err := tr.add("link", &treeNode{op: FileOp{Op: "symlink", Target: "/tmp"}}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, tr.add("link/x", &treeNode{op: FileOp{Op: "write"}}), ValueError, "link is a symlink, not a directory")
	if err := tr.add("a/b/c.txt", &treeNode{op: FileOp{Op: "write"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"link", "a", "a/b", "a/b/c.txt"}, tr.order); diff != "" {
		t.Fatal(diff)
	}
}
