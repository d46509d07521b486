package runtime

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBatchScriptsAsSmartSimWritesThem(t *testing.T) {
	members := []string{"cd /exp/ens/ens_0 ; srun --output /t/ens_0.out a", "cd /exp/ens/ens_1 ; srun --output /t/ens_1.out b"}
	args := []Arg{{Key: "exclusive", IsNone: true}, {Key: "C", Value: "P100"}}
	cases := []struct {
		kind string
		want string
	}{
		{"sbatch", `#!/bin/bash

#SBATCH --output=/t/ens.out
#SBATCH --error=/t/ens.err
#SBATCH --job-name=ens-run-000
#SBATCH --exclusive
#SBATCH -C
#SBATCH P100
#SBATCH --nodes=2
#SBATCH --time=01:00:00
#SBATCH --partition=debug
#SBATCH --account=proj
module load gcc

cd /exp/ens/ens_0 ; srun --output /t/ens_0.out a &

cd /exp/ens/ens_1 ; srun --output /t/ens_1.out b &

wait
`},
		{"qsub", `#!/bin/bash

#PBS -o /t/ens.out
#PBS -e /t/ens.err
#PBS -N ens-run-000
#PBS -V
#PBS -exclusive
#PBS -C P100
#PBS -l select=2
#PBS -l walltime=01:00:00
#PBS -q debug
#PBS -A proj
module load gcc

cd /exp/ens/ens_0 ; srun --output /t/ens_0.out a &

cd /exp/ens/ens_1 ; srun --output /t/ens_1.out b &

wait
`},
		{"bsub", `#!/bin/bash

#BSUB -J ens-run-000
#BSUB -o /t/ens.out
#BSUB -e /t/ens.err
#BSUB -exclusive
#BSUB -C P100
#BSUB -nnodes 2
#BSUB -W 01:00
#BSUB -q debug
#BSUB -P proj
module load gcc

cd /exp/ens/ens_0 ; srun --output /t/ens_0.out a &

cd /exp/ens/ens_1 ; srun --output /t/ens_1.out b &

wait
`},
	}
	for _, c := range cases {
		bs := &BatchSettings{Kind: c.kind, Nodes: 2, Time: "01:00:00", Queue: "debug", Account: "proj", BatchArgs: args}
		bs.AddPreamble("module load gcc")
		if diff := cmp.Diff(c.want, batchScript(bs, "ens-run-000", "/t/ens.out", "/t/ens.err", members)); diff != "" {
			t.Errorf("%s script (-want +got):\n%s", c.kind, diff)
		}
	}
}

func TestMemberLineQuotesOnlyWhatTheShellWouldSplit(t *testing.T) {
	got := memberLine("/exp/m", []string{"/usr/bin/mpirun", "--n", "2", "/bin/sh", "-c", "echo a b"}, false,
		[]string{"GREETING=hello world", "N=1"}, "/t/m.out", "/t/m.err")
	want := `cd /exp/m ; GREETING='hello world' N=1 /usr/bin/mpirun --n 2 /bin/sh -c 'echo a b' > /t/m.out 2> /t/m.err`
	if got != want {
		t.Fatalf("memberLine:\n got %s\nwant %s", got, want)
	}
}

func TestSrunStepCommandNeedsAnAllocationOutsideBatch(t *testing.T) {
	for _, env := range [][]string{{"SLURM_JOB_ID=42"}, nil} {
		e := &Experiment{LauncherName: "slurm", opts: Options{Environ: env}}
		m := &Model{Name: "m", RunSettings: &RunSettings{Exe: "/bin/echo", ExeArgs: []string{"hi"}, RunCommand: "/usr/bin/srun",
			RunArgs: []Arg{{Key: "nodes", Value: "1"}, {Key: "n", Value: "2"}}}}
		argv, err := e.stepCommand(m, "m-run-000", "/t/m.out", "/t/m.err", []string{"A=1", "B=x,y"}, false)
		if env == nil {
			if err == nil || !cmp.Equal(argv, []string(nil)) {
				t.Fatalf("no allocation: argv %v, err %v; want AllocationError", argv, err)
			}
			continue
		}
		want := []string{"/usr/bin/srun", "--output", "/t/m.out", "--error", "/t/m.err", "--job-name", "m-run-000",
			"--jobid", "42", "--export", "ALL,A=1", "--nodes=1", "-n", "2", "/bin/echo", "hi"}
		if err != nil || !cmp.Equal(argv, want) {
			t.Fatalf("srun step %v (%v), want %v", argv, err, want)
		}
	}
}
