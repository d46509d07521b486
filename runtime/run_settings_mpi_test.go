package runtime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/launchers"
)

// TestMpirunMemberRunsTwoRanksLocally runs a model with run_command="mpirun" and set_tasks(2) on the
// local launcher with Debian's Open MPI. As root, Open MPI refuses to start unless told through its
// documented variables OMPI_ALLOW_RUN_AS_ROOT and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM; ssrun does not lift
// that guard on its own, so the test sets them in the jobs' environment as a user or CI would.
func TestMpirunMemberRunsTwoRanksLocally(t *testing.T) {
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
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: "/bin/sh", RunCommand: "mpirun",
		ExeArgs: []string{"-c", `echo "rank $OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE"`}})
	if err != nil {
		t.Fatal(err)
	}
	if !rs.ApplySetter("set_tasks", "2", false, false) || rs.TypeName() != "MpirunSettings" {
		t.Fatalf("set_tasks not applied to %s", rs.TypeName())
	}
	m, err := exp.CreateModel(ModelArgs{Name: "ranks", RunSettings: rs})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := exp.GetStatus(m)
	out, _ := os.ReadFile(filepath.Join(m.Path, "ranks.out"))
	errOut, _ := os.ReadFile(filepath.Join(m.Path, "ranks.err"))
	if st[0] != launchers.StatusCompleted {
		t.Fatalf("status %s; out %q err %q", st[0], out, errOut)
	}
	for _, want := range []string{"rank 0 of 2", "rank 1 of 2"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q: %q", want, out)
		}
	}
	if argv := exp.Plan().Launches[0].Argv; strings.Contains(strings.Join(argv, " "), "allow-run-as-root") {
		t.Errorf("argv shows --allow-run-as-root: %v", argv)
	}
}
