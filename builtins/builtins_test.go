package builtins_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/builtins"
	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/dryrun"
	"github.com/ssrun/ssrun/runtime"
)

var fileOptions = &syntax.FileOptions{TopLevelControl: true, GlobalReassign: true, While: true, Set: true}

// exec runs src as script.star in a temporary directory in dry run and returns its globals.
func exec(t *testing.T, src string) starlark.StringDict {
	t.Helper()
	dir := t.TempDir()
	name := filepath.Join(dir, "script.star")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	env := &builtins.Env{
		Ctx:         context.Background(),
		DryRun:      true,
		NewLauncher: func(string) launchers.Launcher { return dryrun.New() },
		Dir:         dir,
		FileOptions: fileOptions,
		Source: func(string) ([]byte, error) {
			return []byte(src), nil
		},
	}
	thread := &starlark.Thread{Name: t.Name()}
	builtins.SetEnv(thread, env)
	predeclared := starlark.StringDict{"Experiment": builtins.NewExperiment, "torch": builtins.Torch}
	globals, err := starlark.ExecFileOptions(fileOptions, thread, name, src, predeclared)
	if err != nil {
		if evalErr, ok := err.(*starlark.EvalError); ok {
			t.Fatal(evalErr.Backtrace())
		}
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	return globals
}

func TestAddFunctionShipsTheDefSource(t *testing.T) {
	globals := exec(t, `
exp = Experiment("e")
model = exp.create_model("m", exp.create_run_settings(exe="echo"))

def helper():
    pass

if True:
    def scale(x, factor = 2):
        # doubled
        y = torch.mul(x, factor)
        return y

model.add_function("scale", function=scale, device="GPU")
`)
	m := globals["model"].(*builtins.Model).Entity().(*runtime.Model)
	if len(m.Scripts) != 1 {
		t.Fatalf("model has %d scripts, want 1", len(m.Scripts))
	}
	s := m.Scripts[0]
	want := "def scale(x, factor = 2):\n    # doubled\n    y = torch.mul(x, factor)\n    return y\n"
	if s.Script != want || !s.IsFunction || s.Name != "scale" || s.Devices[0] != "GPU" {
		t.Fatalf("shipped %+v, want source %q on GPU", s, want)
	}
}

func TestAddMLModelUnpacksEveryArgument(t *testing.T) {
	globals := exec(t, `
exp = Experiment("e")
model = exp.create_model("m", exp.create_run_settings(exe="echo"))
model.add_ml_model("mlp", "onnx", model=b"\x00\x01", device="GPU", devices_per_node=2, first_device=1,
                   batch_size=64, min_batch_size=8, min_batch_timeout=100, tag="t", inputs="in", outputs=["a", "b"])
`)
	ml := globals["model"].(*builtins.Model).Entity().(*runtime.Model).MLModels[0]
	if ml.Name != "mlp" || ml.Backend != "ONNX" || string(ml.Model) != "\x00\x01" || ml.BatchSize != 64 ||
		ml.MinBatchSize != 8 || ml.MinBatchTimeout != 100 || ml.Tag != "t" ||
		len(ml.Inputs) != 1 || ml.Inputs[0] != "in" || len(ml.Outputs) != 2 ||
		len(ml.Devices) != 2 || ml.Devices[0] != "GPU:1" || ml.Devices[1] != "GPU:2" {
		t.Fatalf("unexpected ML model %+v", ml)
	}
}

func TestCreateEnsembleUnpacksEveryArgument(t *testing.T) {
	globals := exec(t, `
exp = Experiment("e")
rs = exp.create_run_settings(exe="echo", exe_args="x", run_command="mpirun", run_args={"np": 2}, env_vars={"A": None})
ens = exp.create_ensemble("ens", params={"a": [1, 2, 3]}, run_settings=rs, replicas=2, perm_strategy="random",
                          n_models=2, seed=42, path="elsewhere", params_as_args=["a"])
`)
	ens := globals["ens"].(*builtins.Ensemble).Entity().(*runtime.Ensemble)
	if ens.Len() != 4 || ens.Seed != 42 || ens.Strategy != "random" || filepath.Base(ens.Path) != "elsewhere" {
		t.Fatalf("unexpected ensemble: len %d seed %d strategy %s path %s", ens.Len(), ens.Seed, ens.Strategy, ens.Path)
	}
	m := ens.Models()[0]
	if got := m.RunSettings.ExeArgs; len(got) != 3 || got[0] != "x" || got[1] != "-a" {
		t.Fatalf("member exe_args %q, want x -a N", got)
	}
	if m.RunSettings.EnvVars[0].Key != "A" || !m.RunSettings.EnvVars[0].IsNone {
		t.Fatalf("env_vars %+v, want A=None", m.RunSettings.EnvVars)
	}
}
