package member

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// TestAttachFollowsTheRecordedProcessOnly: a record naming a live process with its start time is
// attached and followed to its end (result from the exit-code file); the same pid with another start
// time (a recycled pid) or a dead pid is not.
func TestAttachFollowsTheRecordedProcessOnly(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sleep", "0.3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := make(chan struct{})
	go func() { cmd.Wait(); close(reaped) }() // reaped as soon as it exits, as init reaps an orphan
	start, err := StartTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(dir, "m")
	if err := writeAtomic(PidFile(record), fmt.Sprintf("%d %d\n", cmd.Process.Pid, start+1)); err != nil {
		t.Fatal(err)
	}
	if _, ok := Attach(record, time.Second); ok {
		t.Fatal("attached to a pid whose start time differs (a recycled pid)")
	}
	if err := writeAtomic(PidFile(record), fmt.Sprintf("%d %d\n", cmd.Process.Pid, start)); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(ExitCodeFile(record), "7\n"); err != nil {
		t.Fatal(err)
	}
	a, ok := Attach(record, time.Second)
	if !ok {
		t.Fatal("did not attach to the live recorded process")
	}
	if a.Result().Status != launchers.StatusRunning {
		t.Errorf("attached process is %s, want Running", a.Result().Status)
	}
	select {
	case <-a.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the end of the attached process was not seen")
	}
	if r := a.Result(); r.Status != launchers.StatusFailed || r.ExitCode != 7 {
		t.Errorf("result %+v, want Failed with the recorded code 7", r)
	}
	<-reaped
	if _, ok := Attach(record, time.Second); ok {
		t.Error("attached to a process that has exited")
	}
}
