// Package slurm is the Slurm launcher: srun steps run inside an allocation (the run command carries
// --jobid, or $SLURM_JOB_ID is set) as processes of this host, and batch scripts go to `sbatch
// --parsable`. Status comes from ONE `scontrol -o show job` per poll for every job of the experiment:
// it works without accounting (sacct needs slurmdbd, which many small clusters and CI machines lack),
// and the runtime records final states in its manifest, so Slurm forgetting a job MinJobAge seconds
// after it ends loses nothing. scancel stops a job, which then ends Cancelled.
package slurm

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/wlm"
)

// New returns the Slurm launcher.
func New(o wlm.Options) *wlm.Launcher { return wlm.New(Scheduler{}, o) }

// Scheduler is Slurm's command-line interface.
type Scheduler struct{}

// Name is "slurm".
func (Scheduler) Name() string { return "slurm" }

// Submit runs `sbatch --parsable <script>` in the job's directory; its output is "id" or "id;cluster".
func (Scheduler) Submit(ctx context.Context, job launchers.BatchJob) (string, error) {
	out, err := wlm.Run(ctx, job.Dir, "", "sbatch", "--parsable", job.Script)
	if err != nil {
		return "", err
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	if id == "" {
		return "", fmt.Errorf("sbatch --parsable %s printed no job id", job.Script)
	}
	return id, nil
}

// Query runs `scontrol -o show job` once and picks out the asked ids.
func (Scheduler) Query(ctx context.Context, ids []string) (map[string]launchers.Result, error) {
	out, err := wlm.Run(ctx, "", "", "scontrol", "-o", "show", "job")
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return ParseShowJob(out, want), nil
}

// Cancel runs `scancel <id>...` once for all ids.
func (Scheduler) Cancel(ctx context.Context, ids []string) error {
	_, err := wlm.Run(ctx, "", "", append([]string{"scancel"}, ids...)...)
	return err
}

// Forgotten keeps the last known state: Slurm drops a job only MinJobAge after its end, and a job not
// yet listed right after sbatch is pending.
func (Scheduler) Forgotten() (launchers.Result, bool) { return launchers.Result{}, false }

// ParseShowJob reads `scontrol -o show job` output (one job per line, Key=Value fields) and returns the
// results of the jobs in want, matching ids exactly ("1" is not "11").
func ParseShowJob(out string, want map[string]bool) map[string]launchers.Result {
	res := map[string]launchers.Result{}
	for _, line := range strings.Split(out, "\n") {
		var id, state, exit string
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "JobId":
				id = v
			case "JobState":
				state = v
			case "ExitCode":
				exit = v
			}
		}
		if id == "" || !want[id] {
			continue
		}
		st := MapState(state)
		code := -1
		if st.Terminal() {
			c, sig, _ := strings.Cut(exit, ":")
			code = wlm.SignalExit(c, sig)
		}
		r := launchers.Result{Status: st, ExitCode: code}
		if st == launchers.StatusFailed {
			r.Err = fmt.Errorf("slurm job %s ended %s", id, state)
		}
		res[id] = r
	}
	return res
}

// MapState maps a Slurm job state to an ssrun status as SmartSim's SlurmStepInfo does. COMPLETING is
// still Running here: the job's processes are being cleaned up and its exit code is not final.
func MapState(state string) launchers.Status {
	state = strings.TrimSuffix(strings.Fields(state + " ")[0], "+")
	switch state {
	case "RUNNING", "CONFIGURING", "STAGE_OUT", "COMPLETING":
		return launchers.StatusRunning
	case "COMPLETED":
		return launchers.StatusCompleted
	case "DEADLINE", "TIMEOUT", "BOOT_FAIL", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY":
		return launchers.StatusFailed
	case "CANCELLED", "REVOKED":
		return launchers.StatusCancelled
	case "PENDING", "PREEMPTED", "RESV_DEL_HOLD", "REQUEUE_FED", "REQUEUE_HOLD", "REQUEUED", "RESIZING",
		"SIGNALING", "SPECIAL_EXIT", "STOPPED", "SUSPENDED":
		return launchers.StatusPaused
	}
	return launchers.StatusRunning
}
