package runtime

import (
	"fmt"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// Progress shows how a blocking start is going, one line redrawn in place: the host gives one when
// stderr is a terminal and the log is not quieted (-q), and none otherwise, so logs stay as they are.
type Progress interface {
	// Update replaces the line shown.
	Update(line string)
	// Clear removes it (the wait is over).
	Clear()
}

// progressTick redraws the elapsed time between job ends.
const progressTick = time.Second

// progressLine is `ens: 80/100 completed, 12 running, 8 failed, 00:42 elapsed` for the jobs a wait
// follows. The label is their ensemble when they share one, else the experiment's name.
func (e *Experiment) progressLine(jobs []*job, started time.Time) string {
	label := ""
	for i, j := range jobs {
		switch {
		case i == 0:
			label = j.ensemble
		case j.ensemble != label:
			label = ""
		}
	}
	if label == "" {
		label = e.Name
	}
	completed, running, failed := 0, 0, 0
	for _, j := range jobs {
		switch j.Result().Status {
		case launchers.StatusCompleted:
			completed++
		case launchers.StatusFailed, launchers.StatusCancelled, launchers.StatusNeverStarted:
			failed++
		default:
			running++
		}
	}
	d := e.opts.Now().Sub(started).Round(time.Second)
	clock := fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
	if d >= time.Hour {
		clock = fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	}
	return fmt.Sprintf("%s: %d/%d completed, %d running, %d failed, %s elapsed", label, completed, len(jobs), running, failed, clock)
}

// progressState is the wait being shown: its jobs and when it began.
type progressState struct {
	jobs    []*job
	started time.Time
}

// showProgress starts showing the progress of jobs, if the host asked for it: it returns the ticker
// channel that redraws the clock (nil without progress) and the func that clears the line.
func (e *Experiment) showProgress(jobs []*job) (<-chan time.Time, func()) {
	if e.opts.Progress == nil || len(jobs) == 0 {
		return nil, func() {}
	}
	e.progress = &progressState{jobs: jobs, started: e.opts.Now()}
	e.redrawProgress()
	t := time.NewTicker(progressTick)
	return t.C, func() {
		t.Stop()
		e.progress = nil
		e.opts.Progress.Clear()
	}
}

func (e *Experiment) redrawProgress() {
	if p := e.progress; p != nil {
		e.opts.Progress.Update(e.progressLine(p.jobs, p.started))
	}
}
