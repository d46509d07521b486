package lsf_test

import (
	"testing"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/lsf"
)

// The launcher itself (submitting, polling, stopping, databases) is tested with the other schedulers'
// in launchers/wlm/wlmtest (TestSchedulers).

func TestParseBjobs(t *testing.T) {
	res := lsf.ParseBjobs("7|PEND|-\n8|RUN|-\n9|DONE|-\n10|EXIT|3\nJob <11> is not found\n")
	want := map[string]launchers.Result{"7": {Status: launchers.StatusPaused, ExitCode: -1},
		"8": {Status: launchers.StatusRunning, ExitCode: -1}, "9": {Status: launchers.StatusCompleted},
		"10": {Status: launchers.StatusFailed, ExitCode: 3}}
	if len(res) != len(want) {
		t.Fatalf("parsed %d jobs, want %d: %+v", len(res), len(want), res)
	}
	for id, w := range want {
		if g := res[id]; g.Status != w.Status || g.ExitCode != w.ExitCode {
			t.Errorf("%s: %+v, want %+v", id, g, w)
		}
	}
}
