package local

import (
	"testing"

	"github.com/ssrun/ssrun/launchers"
)

// TestWithoutPidfds runs jobs as on a kernel without pidfds (before 5.3): exits are learnt by reaping
// and everything but the killing of a finished job's leftovers works the same.
func TestWithoutPidfds(t *testing.T) {
	saved := pidfdsWork
	pidfdsWork = func() bool { return false }
	t.Cleanup(func() { pidfdsWork = saved })

	dir := t.TempDir()
	l := newLauncher(t)
	if r := wait(t, launch(t, l, launchers.Job{Name: "true", Argv: []string{"true"}})); r.Status != launchers.StatusCompleted {
		t.Errorf("true: %+v", r)
	}
	if r := wait(t, launch(t, l, shJob(dir, "exit3", "exit 3"))); r.Status != launchers.StatusFailed || r.ExitCode != 3 {
		t.Errorf("exit 3: %+v", r)
	}
	job := shJob(dir, "stubborn", `trap "" TERM; sleep 100 & echo ready; wait`)
	h := launch(t, l, job)
	waitForFile(t, job.Stdout, "ready")
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if r := h.Result(); r.Status != launchers.StatusCancelled || r.ExitCode != -9 {
		t.Errorf("stopped: %+v, want Cancelled/-9", r)
	}
	assertGroupGone(t, pidOf(t, h))
}
