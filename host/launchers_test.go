package host

import (
	"errors"
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
