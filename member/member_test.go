package member

import (
	"fmt"
	"os"
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

// TestRecordedExitCodeWaitsForALiveSupervisor: a member that has exited but whose supervisor (alive)
// has not yet written its code gets the code once written; with its supervisor gone, no wait and no code.
func TestRecordedExitCodeWaitsForALiveSupervisor(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	self, err := StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(t.TempDir(), "m")
	pidLine := func(sup int, supStart uint64) string {
		return fmt.Sprintf("%d 1 %d %d\n", dead.Process.Pid, sup, supStart)
	}
	if err := writeAtomic(PidFile(record), pidLine(dead.Process.Pid, 1)); err != nil {
		t.Fatal(err)
	}
	if _, ok := RecordedExitCode(record); ok {
		t.Fatal("a code was found with neither a code file nor a live supervisor")
	}
	if err := writeAtomic(PidFile(record), pidLine(os.Getpid(), self)); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		writeAtomic(ExitCodeFile(record), "5\n")
	}()
	if code, ok := RecordedExitCode(record); !ok || code != 5 {
		t.Errorf("RecordedExitCode = %d, %v; want 5 written by the live supervisor", code, ok)
	}
}
