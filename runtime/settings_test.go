package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunSettings(t *testing.T) { // case 35 and exe resolution
	exp, logs := newExp(t, "")
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "sh", EnvVars: []Arg{{Key: "A", Value: "a"}, {Key: "B", IsNone: true}, {Key: "C"}, {Key: "D", Value: "12"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(rs.Exe) {
		t.Fatalf("exe not resolved: %s", rs.Exe)
	}
	if diff := cmp.Diff([]string{"A=a", "B=", "C=", "D=12"}, rs.FormatEnvVars()); diff != "" {
		t.Fatal(diff)
	}
	rs.AddExeArgsString("--time 5")
	rs.AddExeArgs("--add", "--list")
	if diff := cmp.Diff([]string{"--time", "5", "--add", "--list"}, rs.ExeArgs); diff != "" {
		t.Fatal(diff)
	}
	rs.Set("   --a-mess    ", "5", false, true)
	rs.Set("flag", "", true, true)
	rs.Set("skipped", "1", false, false)
	rs.Set("a-mess", "6", false, true)
	if diff := cmp.Diff([]string{"a-mess", "6", "flag", "None"}, rs.FormatRunArgs()); diff != "" {
		t.Fatal(diff)
	}
	if !strings.Contains(logs.String(), "Overwritting argument 'a-mess' with value '6'") || !strings.Contains(logs.String(), "condition not met") {
		t.Fatalf("logs: %s", logs.String())
	}
	_, err = exp.CreateRunSettings(RunSettingsArgs{Exe: "definitely-not-an-exe-ssrun"})
	if err == nil || err.Error() != "FileNotFoundError: Could not locate executable definitely-not-an-exe-ssrun" {
		t.Fatalf("got %v", err)
	}
	os.WriteFile(filepath.Join(exp.Cwd(), "data.txt"), nil, 0o644)
	_, err = exp.CreateRunSettings(RunSettingsArgs{Exe: "./data.txt"})
	wantErr(t, err, TypeError, "not executable")
	c := rs.Clone()
	c.AddExeArgs("more")
	c.UpdateEnv([]Arg{{Key: "A", Value: "z"}, {Key: "E", Value: "1"}})
	if len(rs.ExeArgs) != 4 || rs.EnvVars[0].Value != "a" || c.EnvVars[0].Value != "z" || len(c.EnvVars) != 5 {
		t.Fatal("Clone is not deep or UpdateEnv misplaced keys")
	}
}

func TestBatchSettingsFormat(t *testing.T) { // case 37
	bs := &BatchSettings{Kind: "sbatch", Nodes: 1, Time: "10:00:00", Queue: "default", Account: "myproject",
		BatchArgs: []Arg{{Key: "exclusive", IsNone: true}, {Key: "oversubscribe", IsNone: true}}}
	want := []string{"--exclusive", "--oversubscribe", "--nodes=1", "--time=10:00:00", "--partition=default", "--account=myproject"}
	if diff := cmp.Diff(want, bs.FormatBatchArgs()); diff != "" {
		t.Fatal(diff)
	}
	bs = &BatchSettings{Kind: "sbatch", BatchArgs: []Arg{{Key: "C", Value: "P100"}}}
	if diff := cmp.Diff([]string{"-C", "P100"}, bs.FormatBatchArgs()); diff != "" {
		t.Fatal(diff)
	}
}

func TestExperimentConstructor(t *testing.T) { // case 12
	dir := t.TempDir()
	_, err := NewExperiment("test", filepath.Join(dir, "not-a-directory"), "local", Options{Cwd: dir})
	if err == nil || err.Error() != "NotADirectoryError: Experiment path provided does not exist" {
		t.Fatalf("got %v", err)
	}
	_, err = NewExperiment("test", "", "cobalt", Options{Cwd: dir})
	wantErr(t, err, SSUnsupportedError, "Cobalt")
	_, err = NewExperiment("test", "", "flux", Options{Cwd: dir})
	wantErr(t, err, SSUnsupportedError, "Launcher type not supported: flux")
	exp, err := NewExperiment("test", "", "AUTO", Options{Cwd: dir, AutoLauncher: "slurm"})
	if err != nil || exp.LauncherName != "slurm" || exp.Path != filepath.Join(dir, "test") {
		t.Fatalf("%v %+v", err, exp)
	}
	exp, err = NewExperiment("test", ".", "local", Options{Cwd: dir})
	if err != nil || exp.Path != dir {
		t.Fatalf("%v %s", err, exp.Path)
	}
}

func TestDBObjects(t *testing.T) { // case 40 and reference §2 ML objects
	exp, _ := newExp(t, "")
	model := []byte("blob")
	_, err := NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "TORCH", ModelPath: "missing.pt"})
	wantErr(t, err, FileNotFoundError, "missing.pt")
	_, err = NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "TORCH", Model: model, Device: DeviceOptions{Device: "TPU"}})
	wantErr(t, err, ValueError, "Device argument must start with either CPU or GPU")
	_, err = NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "TORCH", Model: model, Device: DeviceOptions{Device: "CPU", DevicesPerNode: 2}})
	if err == nil || err.Error() != "SSUnsupportedError: Cannot set devices_per_node>1 if CPU is specified under devices" {
		t.Fatalf("got %v", err)
	}
	_, err = NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "TFLITE", Model: model})
	if err == nil || err.Error() != "ValueError: Backend type TFLITE unsupported. Options are ['TF', 'TORCH', 'ONNX']" {
		t.Fatalf("got %v", err)
	}
	_, err = NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "onnx", Model: model, Device: DeviceOptions{Device: "GPU:1", DevicesPerNode: 2}})
	wantErr(t, err, ValueError, "Cannot set devices_per_node>1 if a device numeral is specified, the device was set to GPU:1 and devices_per_node==2")
	_, err = NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "onnx"})
	wantErr(t, err, ValueError, "Either model or model_file must be provided")
	gpu, err := NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "onnx", Model: model, Device: DeviceOptions{Device: "GPU", DevicesPerNode: 2, FirstDevice: 1}})
	if err != nil || gpu.Backend != "ONNX" || !cmp.Equal(gpu.Devices, []string{"GPU:1", "GPU:2"}) {
		t.Fatalf("%v %+v", err, gpu)
	}
	rs := mustRS(t, exp, "true")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: 2})
	if err := ens.AddMLModel(gpu); err != nil {
		t.Fatal(err)
	}
	if err := ens.AddMLModel(gpu); err == nil || err.Error() != `SSUnsupportedError: An ML Model with name "cnn" already exists` {
		t.Fatalf("got %v", err)
	}
	holder, _ := exp.CreateModel(ModelArgs{Name: "holder", RunSettings: rs})
	holder.AddMLModel(gpu)
	if err := ens.AddModel(holder); err == nil || err.Error() != `SSUnsupportedError: An ML Model with name "cnn" already exists` {
		t.Fatalf("got %v", err)
	}
	for _, m := range ens.Models() {
		if len(m.MLModels) != 1 {
			t.Fatalf("member %s has %d ML models", m.Name, len(m.MLModels))
		}
	}
	s, err := NewScript(exp.Cwd(), ScriptArgs{Name: "f", Function: "def f(x):\n    return x\n"})
	if err != nil || !s.IsFunction {
		t.Fatal(err)
	}
	_, err = NewScript(exp.Cwd(), ScriptArgs{Name: "s"})
	wantErr(t, err, ValueError, "Either script or script_path must be provided")
}

func TestRunArgFormatting(t *testing.T) { // case 36
	args := []Arg{{Key: "account", Value: "A3123"}, {Key: "exclusive", IsNone: true}, {Key: "C", Value: "P100"},
		{Key: "nodes", Value: "10"}, {Key: "ntasks", Value: "100"}}
	srun := &RunSettings{RunCommand: "/usr/bin/srun", RunArgs: args}
	want := []string{"--account=A3123", "--exclusive", "-C", "P100", "--nodes=10", "--ntasks=100"}
	if diff := cmp.Diff(want, srun.FormatRunArgs()); diff != "" {
		t.Fatal(diff)
	}
	mpi := &RunSettings{RunCommand: "mpirun", RunArgs: []Arg{{Key: "np", Value: "2"}, {Key: "wdir", Value: "/x"}, {Key: "oversubscribe", IsNone: true}}}
	if diff := cmp.Diff([]string{"--np", "2", "--oversubscribe"}, mpi.FormatRunArgs()); diff != "" {
		t.Fatal(diff)
	}
	if diff := cmp.Diff([]string{"mpirun", "--np", "2", "--oversubscribe", "/bin/app", "x"}, (&RunSettings{RunCommand: "mpirun",
		RunArgs: mpi.RunArgs, Exe: "/bin/app", ExeArgs: []string{"x"}}).Command()); diff != "" {
		t.Fatal(diff)
	}
	if FormatWalltime(0, 0, 72) != "00:01:12" || FormatWalltime(1, 31, 1845) != "02:01:45" {
		t.Fatalf("walltime %s %s", FormatWalltime(0, 0, 72), FormatWalltime(1, 31, 1845))
	}
	srun.SetTime(0, 0, 72)
	if got := srun.FormatRunArgs(); got[len(got)-1] != "--time=00:01:12" {
		t.Fatal(got)
	}
}

func TestRunCommandAuto(t *testing.T) {
	noWLM := func(name string) (string, error) {
		if name == "sh" {
			return "/bin/sh", nil
		}
		return "", os.ErrNotExist
	}
	dir := t.TempDir()
	exp, _ := NewExperiment("e", "", "slurm", Options{Cwd: dir, LookPath: noWLM})
	_, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "sh"})
	wantErr(t, err, SmartSimError, "Could not find any of srun, mpirun, mpiexec")
	dry, _ := NewExperiment("e", "", "slurm", Options{Cwd: dir, LookPath: noWLM, DryRun: true})
	rs, err := dry.CreateRunSettings(RunSettingsArgs{Exe: "sh", RunArgs: []Arg{{Key: "n", Value: "2"}}})
	if err != nil || rs.RunCommand != "srun" || !cmp.Equal(rs.Command(), []string{"srun", "-n", "2", "/bin/sh"}) {
		t.Fatalf("dry-run plan of a slurm step: %v %v", err, rs)
	}
	local, _ := NewExperiment("e", "", "local", Options{Cwd: dir, LookPath: noWLM})
	rs, _ = local.CreateRunSettings(RunSettingsArgs{Exe: "sh"})
	if rs.RunCommand != "" {
		t.Fatalf("local launcher has no run command, got %q", rs.RunCommand)
	}
	bs, err := dry.CreateBatchSettings(BatchSettingsArgs{Nodes: 2, Queue: "debug"})
	if err != nil || bs.Kind != "sbatch" || !cmp.Equal(bs.FormatBatchArgs(), []string{"--nodes=2", "--partition=debug"}) {
		t.Fatalf("%v %+v", err, bs)
	}
}
