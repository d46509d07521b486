// Package pbs is the PBS Professional / OpenPBS launcher: steps (aprun, mpirun, mpiexec) run as
// processes of this host inside the job's allocation; batch scripts go to `qsub`, and one `qstat -x -f
// -F json <ids>` per poll reports every job. A job qstat no longer knows ended Completed, as SmartSim
// counts it. qdel stops a job, which then ends Cancelled.
package pbs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/wlm"
)

// New returns the PBS launcher.
func New(o wlm.Options) *wlm.Launcher { return wlm.New(Scheduler{}, o) }

// Scheduler is PBS's command-line interface.
type Scheduler struct{}

// Name is "pbs".
func (Scheduler) Name() string { return "pbs" }

// Submit runs `qsub <script>` in the job's directory; qsub prints the job id ("1234.server").
func (Scheduler) Submit(ctx context.Context, job launchers.BatchJob) (string, error) {
	out, err := wlm.Run(ctx, job.Dir, "", "qsub", job.Script)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(out)
	if id == "" || strings.ContainsAny(id, " \n") {
		return "", fmt.Errorf("qsub %s printed %q, not a job id", job.Script, out)
	}
	return id, nil
}

// Query runs `qstat -x -f -F json <ids>` once. qstat exits non-zero when one of the ids is unknown but
// still prints the others, so its output is read whenever it parses.
func (Scheduler) Query(ctx context.Context, ids []string) (map[string]launchers.Result, error) {
	argv := append([]string{"qstat", "-x", "-f", "-F", "json"}, ids...)
	out, err := wlm.Run(ctx, "", "", argv...)
	res, perr := ParseQstatJSON(out)
	if perr != nil {
		if err != nil {
			return nil, err
		}
		return nil, perr
	}
	return res, nil
}

// Cancel runs `qdel <id>...` once for all ids.
func (Scheduler) Cancel(ctx context.Context, ids []string) error {
	_, err := wlm.Run(ctx, "", "", append([]string{"qdel"}, ids...)...)
	return err
}

// Forgotten says a job qstat no longer lists has finished (SmartSim's NOTFOUND → Completed).
func (Scheduler) Forgotten() (launchers.Result, bool) {
	return launchers.Result{Status: launchers.StatusCompleted, ExitCode: 0}, true
}

// ParseQstatJSON reads `qstat -f -F json` output: {"Jobs": {"<id>": {"job_state": "R", "Exit_status":
// 0}}}. An empty output (no job known) is no jobs.
func ParseQstatJSON(out string) (map[string]launchers.Result, error) {
	res := map[string]launchers.Result{}
	if strings.TrimSpace(out) == "" {
		return res, nil
	}
	var doc struct {
		Jobs map[string]struct {
			State      string `json:"job_state"`
			ExitStatus *int   `json:"Exit_status"`
		} `json:"Jobs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("qstat printed output that is not PBS JSON: %v", err)
	}
	for id, j := range doc.Jobs {
		r := launchers.Result{Status: MapState(j.State), ExitCode: -1}
		if r.Status == launchers.StatusCompleted && j.ExitStatus != nil {
			r.ExitCode = exitCode(*j.ExitStatus)
			if *j.ExitStatus != 0 {
				r.Status = launchers.StatusFailed
				r.Err = fmt.Errorf("pbs job %s exited with status %d", id, *j.ExitStatus)
			}
		}
		res[id] = r
	}
	return res, nil
}

// exitCode turns PBS's Exit_status into ssrun's: above 256 it is 256 + the signal that killed the job.
func exitCode(status int) int {
	if status > 256 {
		return -(status - 256)
	}
	return status
}

// MapState maps a PBS job state letter to an ssrun status. F (finished) and X (subjob done) are
// Completed here; the exit status decides Failed.
func MapState(state string) launchers.Status {
	switch state {
	case "R", "E", "B":
		return launchers.StatusRunning
	case "F", "X":
		return launchers.StatusCompleted
	case "Q", "W", "H", "T", "S", "U", "M":
		return launchers.StatusPaused
	}
	return launchers.StatusRunning
}
