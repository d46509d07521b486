package builtins_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"
)

func TestBatchSettingsSettersPerScheduler(t *testing.T) {
	g := exec(t, `
slurm = Experiment("s", launcher="slurm").create_batch_settings(nodes=2, batch_args={"exclusive": None})
slurm.set_partition("debug")
slurm.set_hostlist(["n1", "n2"])
slurm.set_cpus_per_task(4)
slurm.set_tasks(8)
sbatch = slurm.format_batch_args()

lsf = Experiment("l", launcher="lsf").create_batch_settings(nodes=2, time="01:30:00")
lsf.set_project("proj")
lsf.set_hostlist(["h1", "h2"])
lsf.set_tasks(4)
lsf.set_smts(2)
bsub = lsf.format_batch_args()

pbs = Experiment("p", launcher="pbs").create_batch_settings(nodes=3, time="00:20:00", queue="workq")
pbs.set_hostlist("h1")  # qsub has no host list setter: warned, nothing set
qsub = pbs.format_batch_args()
`)
	want := map[string][]string{
		"sbatch": {"--exclusive", "--nodelist=n1,n2", "--cpus-per-task=4", "--ntasks=8", "--nodes=2", "--partition=debug"},
		"bsub":   {"-m \"h1 h2\"", "-n 4", "-alloc_flags smt2", "-nnodes 2", "-W 01:30", "-P proj"},
		"qsub":   {"-l select=3", "-l walltime=00:20:00", "-q workq"},
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
}
