package runtime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ssrun/ssrun/launchers"
)

func TestSrunMPMDStepAsSmartSimWritesIt(t *testing.T) {
	e := &Experiment{LauncherName: "slurm", opts: Options{Environ: []string{"SLURM_JOB_ID=7"}}}
	rs := &RunSettings{Exe: "/bin/a", ExeArgs: []string{"x"}, RunCommand: "srun", RunArgs: []Arg{{Key: "ntasks", Value: "2"}}}
	other := &RunSettings{Exe: "/bin/b", RunCommand: "srun", RunArgs: []Arg{{Key: "n", Value: "1"}}, EnvVars: []Arg{{Key: "B", Value: "1"}}}
	if err := rs.MakeMPMD(other); err != nil {
		t.Fatal(err)
	}
	other.Exe = "/bin/changed" // make_mpmd copied it
	argv, err := e.stepCommand(&Model{Name: "m", RunSettings: rs}, "m-run-000", "/o", "/e", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"srun", "--output", "/o", "--error", "/e", "--job-name", "m-run-000", "--jobid", "7", "--ntasks=2",
		"/bin/a", "x", ":", "-n", "1", "--job-name", "m-run-000", "--export", "ALL,B=1", "/bin/b"}
	if diff := cmp.Diff(want, argv); diff != "" {
		t.Fatalf("srun MPMD (-want +got):\n%s", diff)
	}
	mpi := &RunSettings{Exe: "/bin/a", RunCommand: "mpirun"}
	wantErr(t, rs.MakeMPMD(mpi), SSUnsupportedError, "Cannot make an MPMD with different RunSettings types")
	plain := &RunSettings{Exe: "/bin/a"}
	wantErr(t, plain.MakeMPMD(&RunSettings{Exe: "/bin/b"}), SSUnsupportedError, "RunSettings does not support MPMD")
}

// TestMpirunMPMDRunsBothPrograms launches "mpirun --n 1 A : --n 1 -x WHO=second B" with Open MPI.
func TestMpirunMPMDRunsBothPrograms(t *testing.T) {
	if _, err := exec.LookPath("mpirun"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mpirun is required under CI (ci/setup-mpi.sh installs openmpi-bin)")
		}
		t.Skip("mpirun not installed; apt-get install openmpi-bin (or run ci/setup-mpi.sh)")
	}
	exp, _ := newExp(t, "local", func(o *Options) {
		o.Environ = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
			"OMPI_MCA_rmaps_base_oversubscribe=1")
	})
	mk := func(script string, env ...Arg) *RunSettings {
		rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "/bin/sh", ExeArgs: []string{"-c", script}, RunCommand: "mpirun", EnvVars: env})
		if err != nil {
			t.Fatal(err)
		}
		rs.ApplySetter("set_tasks", "1", false, false)
		return rs
	}
	rs := mk(`echo "first rank $OMPI_COMM_WORLD_RANK"`)
	if err := rs.MakeMPMD(mk(`echo "$WHO rank $OMPI_COMM_WORLD_RANK"`, Arg{Key: "WHO", Value: "second"})); err != nil {
		t.Fatal(err)
	}
	m, err := exp.CreateModel(ModelArgs{Name: "mpmd", RunSettings: rs})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(filepath.Join(m.Path, "mpmd.out"))
	if st, _ := exp.GetStatus(m); st[0] != launchers.StatusCompleted ||
		!strings.Contains(string(out), "first rank 0") || !strings.Contains(string(out), "second rank 1") {
		errOut, _ := os.ReadFile(filepath.Join(m.Path, "mpmd.err"))
		t.Fatalf("status %v, out %q, err %q", st, out, errOut)
	}
}
