package host

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDetectLauncherFollowsSmartSimOrder(t *testing.T) {
	slurmCmds := []string{"sacct", "srun", "salloc", "sbatch", "scancel", "sstat", "sinfo"}
	lsfCmds := []string{"bsub", "jsrun", "jslist", "bjobs", "bkill"}
	pbsCmds := []string{"qsub", "qstat", "qdel"}
	cases := []struct {
		name    string
		cmds    []string
		qsubVer string
		pbsJob  string
		want    string
	}{
		{"nothing", nil, "", "", "local"},
		{"slurm", slurmCmds, "", "", "slurm"},
		{"slurm without sstat", slurmCmds[:5], "", "", "local"},
		{"lsf before slurm", append(append([]string{}, lsfCmds...), slurmCmds...), "", "", "lsf"},
		{"pbs first", append(append([]string{}, pbsCmds...), slurmCmds...), "pbs_version = 2022.1.1", "", "pbs"},
		{"qsub that is not pbs", append(append([]string{}, pbsCmds...), slurmCmds...), "Grid Engine 8.1", "", "slurm"},
		{"PBS_JOBID", nil, "", "12.server", "pbs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			on := map[string]bool{}
			for _, cmd := range c.cmds {
				on[cmd] = true
			}
			look := func(cmd string) (string, error) {
				if on[cmd] {
					return "/usr/bin/" + cmd, nil
				}
				return "", errors.New("not found")
			}
			getenv := func(k string) string {
				if k == "PBS_JOBID" {
					return c.pbsJob
				}
				return ""
			}
			if got := detectLauncher(look, getenv, func() string { return c.qsubVer }); got != c.want {
				t.Fatalf("detectLauncher = %q, want %q", got, c.want)
			}
		})
	}
}

// TestAutoLauncherDryRunIgnoresTheMachine: --launcher wins; without it a dry run is local even with
// Slurm's commands on PATH, so plans made here and on a laptop are the same bytes.
func TestAutoLauncherDryRunIgnoresTheMachine(t *testing.T) {
	bin := t.TempDir()
	for _, cmd := range []string{"sacct", "srun", "salloc", "sbatch", "scancel", "sstat", "sinfo"} {
		if err := os.WriteFile(filepath.Join(bin, cmd), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Launcher: "PBS"}, "pbs"},
		{Options{Launcher: "local"}, "local"},
		{Options{DryRun: true}, "local"},
		{Options{}, "slurm"},
	} {
		if got := autoLauncher(c.opts); got != c.want {
			t.Errorf("autoLauncher(launcher %q, dry run %v) = %s, want %s", c.opts.Launcher, c.opts.DryRun, got, c.want)
		}
	}
}
