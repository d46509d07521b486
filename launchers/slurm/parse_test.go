package slurm

import (
	"testing"

	"github.com/ssrun/ssrun/launchers"
)

func TestParseSqueueMatchesIDsExactly(t *testing.T) {
	out := "1|RUNNING\n11|COMPLETED\n12|PENDING\n13|FAILED\n14|CANCELLED\n15|TIMEOUT\n16|COMPLETING\n"
	want := map[string]bool{"1": true, "12": true, "13": true, "14": true, "15": true, "16": true, "2": true}
	got := ParseSqueue(out, want)
	expect := map[string]launchers.Result{
		"1": {Status: launchers.StatusRunning, ExitCode: -1}, "12": {Status: launchers.StatusPaused, ExitCode: -1},
		"13": {Status: launchers.StatusFailed, ExitCode: -1}, "14": {Status: launchers.StatusCancelled, ExitCode: -1},
		"15": {Status: launchers.StatusFailed, ExitCode: -1}, "16": {Status: launchers.StatusRunning, ExitCode: -1},
	}
	if len(got) != len(expect) {
		t.Fatalf("parsed %v, want %d jobs (11 and 2 not asked for or not listed)", got, len(expect))
	}
	for id, w := range expect {
		if g := got[id]; g.Status != w.Status || g.ExitCode != w.ExitCode {
			t.Errorf("%s: %+v, want %+v", id, g, w)
		}
	}
}

func TestParseShowJobExitCodes(t *testing.T) {
	out := "JobId=7 JobName=a JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 RunTime=00:00:01\n" +
		"JobId=8 JobName=b JobState=CANCELLED Reason=None ExitCode=0:15\n" +
		"JobId=9 JobName=c JobState=COMPLETED Reason=None ExitCode=0:0\n" +
		"JobId=77 JobName=d JobState=FAILED ExitCode=1:0\n"
	got := ParseShowJob(out, map[string]bool{"7": true, "8": true, "9": true})
	expect := map[string]launchers.Result{"7": {Status: launchers.StatusFailed, ExitCode: 3},
		"8": {Status: launchers.StatusCancelled, ExitCode: -15}, "9": {Status: launchers.StatusCompleted, ExitCode: 0}}
	if len(got) != 3 {
		t.Fatalf("parsed %v", got)
	}
	for id, w := range expect {
		if g := got[id]; g.Status != w.Status || g.ExitCode != w.ExitCode {
			t.Errorf("%s: %+v, want %+v", id, g, w)
		}
	}
}
