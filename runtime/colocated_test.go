package runtime

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestColocatedStepWrapsTheProgram: the run command and its arguments stay in front, `ssrun colocated`
// with the database options goes between them and the program; SSRUN_BIN of the jobs' environment
// names the binary compute nodes run.
func TestColocatedStepWrapsTheProgram(t *testing.T) {
	saved := DBExecutable // set by the tests that run shards; SSRUN_BIN is what users set
	DBExecutable = ""
	defer func() { DBExecutable = saved }()
	e := &Experiment{LauncherName: "pbs", opts: Options{Environ: []string{"SSRUN_BIN=/shared/bin/ssrun"}}}
	m := &Model{Name: "sim", RunSettings: &RunSettings{Exe: "/bin/sim", ExeArgs: []string{"-n", "3"}, RunCommand: "mpirun",
		RunArgs: []Arg{{Key: "np", Value: "4"}}}}
	if err := m.ColocateDBUDS("/tmp/sim.sock", 700, ColocateArgs{DBCPUs: 2, Pinning: []int{}, DBIdentifier: "x",
		Extra: []Arg{{Key: "maxmemory", Value: "1gb"}, {Key: "flag", IsNone: true}}}); err != nil {
		t.Fatal(err)
	}
	argv, err := e.stepCommand(m, "sim-run-000", "/status/sim.out", "/status/sim.err", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mpirun", "--np", "4", "/shared/bin/ssrun", "colocated", "--name", "sim_colocated_db",
		"--unix-socket", "/tmp/sim.sock", "--socket-permissions", "700", "--db-cpus", "2", "--db-identifier", "x",
		"--db-arg", "maxmemory=1gb", "--db-arg", "flag", "--", "/bin/sim", "-n", "3"}
	if diff := cmp.Diff(want, argv); diff != "" {
		t.Fatalf("colocated step (-want +got):\n%s", diff)
	}
}

// TestColocatedMPMDRefused: SmartSim refuses MPMD run settings when colocating, and start() refuses a
// colocated model whose settings became MPMD afterwards.
func TestColocatedMPMDRefused(t *testing.T) {
	exp, _ := newExp(t, "dryrun")
	rs := &RunSettings{Exe: "/bin/a", RunCommand: "srun"}
	if err := rs.MakeMPMD(&RunSettings{Exe: "/bin/b", RunCommand: "srun"}); err != nil {
		t.Fatal(err)
	}
	m := &Model{Name: "m", RunSettings: rs}
	wantErr(t, m.ColocateDBTCP(6379, "lo", ColocateArgs{}), SSUnsupportedError, "cannot be run as a mpmd workload")
	later := &Model{Name: "later", RunSettings: &RunSettings{Exe: "/bin/a", RunCommand: "srun"}}
	if err := later.ColocateDBTCP(6379, "lo", ColocateArgs{}); err != nil {
		t.Fatal(err)
	}
	if err := later.RunSettings.MakeMPMD(&RunSettings{Exe: "/bin/b", RunCommand: "srun"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, exp.checkColocations([]step{{model: later}}), SSUnsupportedError, "cannot be run as a mpmd workload")
	wantErr(t, (&Model{Name: "pinned", RunSettings: &RunSettings{Exe: "/bin/a"}}).ColocateDBTCP(6379, "lo", ColocateArgs{Extra: []Arg{{Key: "limit_app_cpus", Value: "True"}}}),
		SSUnsupportedError, "limit_app_cpus is not supported")
}
