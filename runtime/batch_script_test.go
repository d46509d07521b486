package runtime

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBatchScriptsAsSmartSimWritesThem(t *testing.T) {
	members := []scriptMember{{Name: "ens_0", Dir: "/exp/ens/ens_0", Command: "srun --output /t/ens_0.out a"},
		{Name: "ens_1", Dir: "/exp/ens/ens_1", Command: "srun --output /t/ens_1.out b"}}
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

# Each member runs in the background; when it ends, its name and exit code are appended to the file
# below, where ssrun reads them. The job waits for every member and exits 1 if any of them failed.
# A member ended by the scheduler's TERM (the job cancelled or out of time) records nothing and takes
# the job's own status. (set +e: a member that fails must still be recorded, whatever the preamble set.)
set +e
ssrun_exit() { [ -z "${ssrun_term:-}" ] && echo "$1 $2" >> /t/ens.exitcodes ; return "$2" ; }
ssrun_pids=""

cd /exp/ens/ens_0 ; { trap 'ssrun_term=1' TERM ; srun --output /t/ens_0.out a ; ssrun_exit ens_0 $? ; } &
ssrun_pids="$ssrun_pids $!"

cd /exp/ens/ens_1 ; { trap 'ssrun_term=1' TERM ; srun --output /t/ens_1.out b ; ssrun_exit ens_1 $? ; } &
ssrun_pids="$ssrun_pids $!"

ssrun_failed=0
for ssrun_pid in $ssrun_pids ; do wait "$ssrun_pid" || ssrun_failed=1 ; done
exit $ssrun_failed
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

# Each member runs in the background; when it ends, its name and exit code are appended to the file
# below, where ssrun reads them. The job waits for every member and exits 1 if any of them failed.
# A member ended by the scheduler's TERM (the job cancelled or out of time) records nothing and takes
# the job's own status. (set +e: a member that fails must still be recorded, whatever the preamble set.)
set +e
ssrun_exit() { [ -z "${ssrun_term:-}" ] && echo "$1 $2" >> /t/ens.exitcodes ; return "$2" ; }
ssrun_pids=""

cd /exp/ens/ens_0 ; { trap 'ssrun_term=1' TERM ; srun --output /t/ens_0.out a ; ssrun_exit ens_0 $? ; } &
ssrun_pids="$ssrun_pids $!"

cd /exp/ens/ens_1 ; { trap 'ssrun_term=1' TERM ; srun --output /t/ens_1.out b ; ssrun_exit ens_1 $? ; } &
ssrun_pids="$ssrun_pids $!"

ssrun_failed=0
for ssrun_pid in $ssrun_pids ; do wait "$ssrun_pid" || ssrun_failed=1 ; done
exit $ssrun_failed
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

# Each member runs in the background; when it ends, its name and exit code are appended to the file
# below, where ssrun reads them. The job waits for every member and exits 1 if any of them failed.
# A member ended by the scheduler's TERM (the job cancelled or out of time) records nothing and takes
# the job's own status. (set +e: a member that fails must still be recorded, whatever the preamble set.)
set +e
ssrun_exit() { [ -z "${ssrun_term:-}" ] && echo "$1 $2" >> /t/ens.exitcodes ; return "$2" ; }
ssrun_pids=""

cd /exp/ens/ens_0 ; { trap 'ssrun_term=1' TERM ; srun --output /t/ens_0.out a ; ssrun_exit ens_0 $? ; } &
ssrun_pids="$ssrun_pids $!"

cd /exp/ens/ens_1 ; { trap 'ssrun_term=1' TERM ; srun --output /t/ens_1.out b ; ssrun_exit ens_1 $? ; } &
ssrun_pids="$ssrun_pids $!"

ssrun_failed=0
for ssrun_pid in $ssrun_pids ; do wait "$ssrun_pid" || ssrun_failed=1 ; done
exit $ssrun_failed
`},
	}
	for _, c := range cases {
		bs := &BatchSettings{Kind: c.kind, Nodes: 2, Time: "01:00:00", Queue: "debug", Account: "proj", BatchArgs: args}
		bs.AddPreamble("module load gcc")
		if diff := cmp.Diff(c.want, batchScript(bs, "ens-run-000", "/t/ens.out", "/t/ens.err", "/t/ens.exitcodes", members)); diff != "" {
			t.Errorf("%s script (-want +got):\n%s", c.kind, diff)
		}
	}
}

func TestMemberCommandQuotesOnlyWhatTheShellWouldSplit(t *testing.T) {
	got := memberCommand([]string{"/usr/bin/mpirun", "--n", "2", "/bin/sh", "-c", "echo a b"}, false,
		[]string{"GREETING=hello world", "N=1"}, "/t/m.out", "/t/m.err")
	want := `GREETING='hello world' N=1 /usr/bin/mpirun --n 2 /bin/sh -c 'echo a b' > /t/m.out 2> /t/m.err`
	if got != want {
		t.Fatalf("memberCommand:\n got %s\nwant %s", got, want)
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
