// Package slurm is the Slurm launcher: srun steps run inside an allocation (the run command carries
// --jobid, or $SLURM_JOB_ID is set) as processes of this host, and batch scripts go to `sbatch
// --parsable`. Status comes from ONE `squeue -t all -j <ids>` per poll for every job of the experiment
// (plus one `scontrol -o show job` per job that ends failed or cancelled, for its exit code): both work
// without accounting (sacct needs slurmdbd, which many small clusters and CI machines lack), and the
// runtime records final states in its manifest, so Slurm forgetting a job MinJobAge seconds after it
// ends loses nothing. scancel stops a job, which then ends Cancelled.
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

// Query runs `squeue -h -t all -j <ids> -o %i|%T` once for all ids: squeue asks the controller for
// exactly these jobs (scontrol show job without an id would ship every job of a busy cluster). A job
// that has just failed or been cancelled costs one `scontrol -o show job <id>` more, once, for its
// exit code, which squeue does not print.
func (Scheduler) Query(ctx context.Context, ids []string) (map[string]launchers.Result, error) {
	out, err := wlm.Run(ctx, "", "", "squeue", "-h", "-t", "all", "-j", strings.Join(ids, ","), "-o", "%i|%T")
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") { // none of the ids is known (any more)
			return map[string]launchers.Result{}, nil
		}
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	res := ParseSqueue(out, want)
	for id, r := range res {
		if r.Status == launchers.StatusFailed || r.Status == launchers.StatusCancelled {
			if show, err := wlm.Run(ctx, "", "", "scontrol", "-o", "show", "job", id); err == nil {
				if full, ok := ParseShowJob(show, map[string]bool{id: true})[id]; ok && full.Status.Terminal() {
					res[id] = full
				}
			}
		}
	}
	return res, nil
}

// ParseSqueue reads `squeue -o %i|%T` lines and returns the jobs in want (ids matched exactly: "1" is
// not "11"). A completed job's exit code is 0; other ended jobs get -1 until ParseShowJob tells.
func ParseSqueue(out string, want map[string]bool) map[string]launchers.Result {
	res := map[string]launchers.Result{}
	for _, line := range strings.Split(out, "\n") {
		id, state, ok := strings.Cut(strings.TrimSpace(line), "|")
		if !ok || !want[id] {
			continue
		}
		st := MapState(state)
		r := launchers.Result{Status: st, ExitCode: -1}
		switch st {
		case launchers.StatusCompleted:
			r.ExitCode = 0
		case launchers.StatusFailed:
			r.Err = fmt.Errorf("slurm job %s ended %s", id, state)
		}
		res[id] = r
	}
	return res
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
