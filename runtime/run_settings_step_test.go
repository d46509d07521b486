package runtime

import (
	"context"
	"testing"
)

// SmartSim case 21: a Slurm experiment refuses JsrunSettings at start.
func TestSlurmRefusesJsrunAtStart(t *testing.T) {
	exp, _ := newExp(t, "dryrun")
	exp.LauncherName = "slurm"
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "/bin/echo", RunCommand: "jsrun"})
	if err != nil {
		t.Fatal(err)
	}
	if rs.TypeName() != "JsrunSettings" {
		t.Fatalf("run_command jsrun gave %s", rs.TypeName())
	}
	m, err := exp.CreateModel(ModelArgs{Name: "m", RunSettings: rs})
	if err != nil {
		t.Fatal(err)
	}
	err = exp.Start(context.Background(), []Entity{m}, StartOptions{})
	wantErr(t, err, SSUnsupportedError, "SlurmLauncher does not support JsrunSettings")
}
