package pbs_test

import (
	"testing"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/pbs"
)

// The launcher itself (submitting, polling, stopping, databases) is tested with the other schedulers'
// in launchers/wlm/wlmtest (TestSchedulers).

func TestParseQstatJSONAndStates(t *testing.T) {
	out := `{"timestamp":1,"pbs_version":"2022.1.1","pbs_server":"s","Jobs":{
	  "1.s":{"job_state":"Q"},"2.s":{"job_state":"R"},"3.s":{"job_state":"F","Exit_status":0},
	  "4.s":{"job_state":"F","Exit_status":2},"5.s":{"job_state":"F","Exit_status":271}}}`
	res, err := pbs.ParseQstatJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]launchers.Result{"1.s": {Status: launchers.StatusPaused, ExitCode: -1},
		"2.s": {Status: launchers.StatusRunning, ExitCode: -1}, "3.s": {Status: launchers.StatusCompleted},
		"4.s": {Status: launchers.StatusFailed, ExitCode: 2}, "5.s": {Status: launchers.StatusFailed, ExitCode: -15}}
	for id, w := range want {
		if g := res[id]; g.Status != w.Status || g.ExitCode != w.ExitCode {
			t.Errorf("%s: %+v, want %+v", id, g, w)
		}
	}
	if _, err := pbs.ParseQstatJSON("qstat: not json"); err == nil {
		t.Error("garbage output parsed without error")
	}
}
