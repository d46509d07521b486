package dbsched

import (
	"strings"
	"testing"
)

func TestScriptLineKeepsNodeVariablesExpandable(t *testing.T) {
	got := scriptLine([]string{"srun", "--nodelist=" + NodeVar(1), "", "a b", "it's"})
	want := `srun --nodelist="${ssrun_nodes[1]}" '' 'a b' 'it'\''s'`
	if got != want {
		t.Fatalf("scriptLine = %s\nwant        %s", got, want)
	}
}

// TestStepsPlaceOneShardPerNode: per-shard steps and one MPMD step carry the same per-shard options,
// each shard pinned to its node, with the run command's options only once.
func TestStepsPlaceOneShardPerNode(t *testing.T) {
	shards := []Shard{{Name: "db_0", Node: "n1", Argv: []string{"ssrun", "db"}, Stdout: "0.out", Stderr: "0.err"},
		{Name: "db_1", Node: "n2", Argv: []string{"ssrun", "db"}, Stdout: "1.out", Stderr: "1.err"}}
	p := Placement{Scheduler: "slurm", Alloc: "7", RunArgs: []string{"--exclusive"}}
	name := func(s string) string { return s + "-run-000" }
	mpmd := p.Steps(shards, true, name)
	if len(mpmd) != 1 || !mpmd[0].WritesOutputs || len(mpmd[0].Shards) != 2 {
		t.Fatalf("MPMD steps: %+v", mpmd)
	}
	want := "srun --output 0.out --error 0.err --job-name db_0-run-000 --jobid 7 --nodes=1 --ntasks=1 --overlap --nodelist=n1 --export ALL --exclusive ssrun db" +
		" : --output 1.out --error 1.err --nodes=1 --ntasks=1 --overlap --nodelist=n2 ssrun db"
	p.Export = "ALL"
	mpmd = p.Steps(shards, true, name)
	if got := strings.Join(mpmd[0].Argv, " "); got != want {
		t.Errorf("MPMD argv:\n%s\nwant\n%s", got, want)
	}
	steps := p.Steps(shards, false, name)
	if len(steps) != 2 || steps[1].Name != "db_1-run-000" || !strings.Contains(strings.Join(steps[1].Argv, " "), "--jobid 7 --nodes=1 --ntasks=1 --overlap --nodelist=n2") {
		t.Errorf("per-shard steps: %+v", steps)
	}
	pbs := Placement{Scheduler: "pbs"}.Steps(shards, false, name)
	if got := strings.Join(pbs[0].Argv, " "); got != "mpirun -np 1 --host n1 ssrun db" || pbs[0].WritesOutputs {
		t.Errorf("PBS step: %q (writes outputs %v)", got, pbs[0].WritesOutputs)
	}
}
