package builtins_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"
)

func TestRunSettingsSettersFormatPerRunCommand(t *testing.T) {
	g := exec(t, `
exp = Experiment("e", launcher="slurm")
rs = exp.create_run_settings("echo", exe_args="hi", run_command="srun")
rs.set_nodes(2)
rs.set_tasks(8)
rs.set_tasks_per_node(4)
rs.set_cpus_per_task(2)
rs.set_hostlist(["n1", "n2"])
rs.set_excluded_hosts("n3")
rs.set_walltime("00:10:00")
rs.set_memory_per_node(1024)
rs.set_het_group([0, 1])
rs.set_verbose_launch(True)
rs.set_quiet_launch(True)
rs.set_quiet_launch(False)
srun_cmd = rs.run_command
srun_args = rs.format_run_args()

mpi = exp.create_run_settings("echo", run_command="mpirun")
mpi.set_tasks(2)
mpi.set_tasks_per_node(1)
mpi.set_hostlist("a")
mpi.set_binding("core")
mpi.set_nodes(3)  # not an mpirun option: SmartSim warns and sets nothing
mpi_args = mpi.format_run_args()

auto = exp.create_run_settings("echo")
auto_cmd = auto.run_command
`)
	want := map[string][]string{
		"srun_args": {"--nodes=2", "--ntasks=8", "--ntasks-per-node=4", "--cpus-per-task=2", "--nodelist=n1,n2",
			"--exclude=n3", "--time=00:10:00", "--mem=1024M", "--het-group=0,1", "--verbose"},
		"mpi_args": {"--n", "2", "--npernode", "1", "--host", "a", "--bind-to", "core"},
	}
	for name, w := range want {
		var got []string
		for v := range g[name].(*starlark.List).Elements() {
			got = append(got, string(v.(starlark.String)))
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	// A dry run looks no run command up on PATH: the plan is the same on a laptop and on the cluster.
	if g["srun_cmd"] != starlark.String("srun") || g["auto_cmd"] != starlark.String("srun") {
		t.Errorf("run commands %v and %v, want the bare name srun", g["srun_cmd"], g["auto_cmd"])
	}
}

func TestRunSettingsSetterRejectsWrongTypes(t *testing.T) {
	g := exec(t, `
exp = Experiment("e", launcher="slurm")
rs = exp.create_run_settings("echo", run_command="srun")
`)
	set, err := g["rs"].(starlark.HasAttrs).Attr("set_tasks")
	if err != nil {
		t.Fatal(err)
	}
	_, err = starlark.Call(&starlark.Thread{}, set, starlark.Tuple{starlark.Float(1.5)}, nil)
	if err == nil || err.Error() != "TypeError: set_tasks expects a str, an int or a list of str, not float" {
		t.Fatalf("set_tasks(1.5): %v", err)
	}
}
