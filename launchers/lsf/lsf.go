// Package lsf is the IBM Spectrum LSF launcher: steps (jsrun, mpirun) run as processes of this host
// inside the job's allocation; batch scripts are fed to `bsub` on its standard input (so LSF reads the
// #BSUB directives), and one `bjobs -a -noheader -o "jobid stat exit_code delimiter='|'" <ids>` per
// poll reports every job. A job bjobs no longer knows ended Completed. bkill stops a job, which then
// ends Cancelled.
package lsf

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/wlm"
)

// New returns the LSF launcher.
func New(o wlm.Options) *wlm.Launcher { return wlm.New(Scheduler{}, o) }

// Scheduler is LSF's command-line interface.
type Scheduler struct{}

// Name is "lsf".
func (Scheduler) Name() string { return "lsf" }

var submittedRE = regexp.MustCompile(`Job <(\d+)> is submitted`)

// Submit runs `bsub < <script>` in the job's directory and reads the id from "Job <123> is submitted
// to queue <normal>."
func (Scheduler) Submit(ctx context.Context, job launchers.BatchJob) (string, error) {
	script, err := os.ReadFile(job.Script)
	if err != nil {
		return "", err
	}
	out, err := wlm.Run(ctx, job.Dir, string(script), "bsub")
	if err != nil {
		return "", err
	}
	m := submittedRE.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("bsub printed %q, not a submitted job", strings.TrimSpace(out))
	}
	return m[1], nil
}

// bjobsFormat asks bjobs for exactly the fields ParseBjobs reads.
const bjobsFormat = "jobid stat exit_code delimiter='|'"

// Query runs bjobs once for all ids. bjobs exits non-zero when one id is unknown ("Job <9> is not
// found") but still lists the others.
func (Scheduler) Query(ctx context.Context, ids []string) (map[string]launchers.Result, error) {
	argv := append([]string{"bjobs", "-a", "-noheader", "-o", bjobsFormat}, ids...)
	out, err := wlm.Run(ctx, "", "", argv...)
	res := ParseBjobs(out)
	if err != nil && len(res) == 0 && !strings.Contains(err.Error(), "not found") {
		return nil, err
	}
	return res, nil
}

// Cancel runs `bkill <id>...` once for all ids.
func (Scheduler) Cancel(ctx context.Context, ids []string) error {
	_, err := wlm.Run(ctx, "", "", append([]string{"bkill"}, ids...)...)
	return err
}

// Forgotten says a job bjobs no longer lists has finished.
func (Scheduler) Forgotten() (launchers.Result, bool) {
	return launchers.Result{Status: launchers.StatusCompleted, ExitCode: 0}, true
}

// ParseBjobs reads "jobid|stat|exit_code" lines; exit_code is "-" for a job that has none.
func ParseBjobs(out string) map[string]launchers.Result {
	res := map[string]launchers.Result{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) != 3 {
			continue
		}
		r := launchers.Result{Status: MapState(f[1]), ExitCode: -1}
		switch r.Status {
		case launchers.StatusCompleted:
			r.ExitCode = 0
		case launchers.StatusFailed:
			if c, err := strconv.Atoi(f[2]); err == nil {
				r.ExitCode = c
			}
			r.Err = fmt.Errorf("lsf job %s ended %s", f[0], f[1])
		}
		res[f[0]] = r
	}
	return res
}

// MapState maps an LSF job state to an ssrun status.
func MapState(stat string) launchers.Status {
	switch stat {
	case "RUN":
		return launchers.StatusRunning
	case "DONE":
		return launchers.StatusCompleted
	case "EXIT", "ZOMBI":
		return launchers.StatusFailed
	case "PEND", "PSUSP", "USUSP", "SSUSP", "WAIT", "PROV":
		return launchers.StatusPaused
	}
	return launchers.StatusRunning
}
