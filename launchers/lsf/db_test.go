package lsf_test

import (
	"testing"

	"github.com/ssrun/ssrun/launchers/wlm/wlmtest"
)

// TestDatabaseInsideAllocationThroughJsrun: a shard started as one jsrun resource set answers at the
// address it reported, with its output where --stdio_stdout said, and stop() ends it.
func TestDatabaseInsideAllocationThroughJsrun(t *testing.T) {
	state := fakeLSF(t)
	exp, _ := newLSFExp(t)
	wlmtest.CheckDatabase(t, exp, false, "jsrun --nrs=1 --rs_per_host=1 --tasks_per_rs=1 --cpu_per_rs=1 --stdio_stdout=", state)
}

// TestBatchDatabaseThroughBsub: batch=True submits a bsub script that starts the shard with jsrun.
func TestBatchDatabaseThroughBsub(t *testing.T) {
	state := fakeLSF(t)
	exp, _ := newLSFExp(t)
	wlmtest.CheckDatabase(t, exp, true, "bsub ", state)
}
