package pbs_test

import (
	"testing"

	"github.com/ssrun/ssrun/launchers/wlm/wlmtest"
)

// TestDatabaseInsideAllocationThroughMpirun: a shard started with `mpirun -np 1 --host H` on the node
// of the allocation answers at the address it reported, and stop() ends it.
func TestDatabaseInsideAllocationThroughMpirun(t *testing.T) {
	state := fakePBS(t)
	exp, _ := newPBSExp(t)
	wlmtest.CheckDatabase(t, exp, false, "mpirun -np 1 --host ", state)
}

// TestBatchDatabaseThroughQsub: batch=True submits a qsub script that lists $PBS_NODEFILE and starts
// the shard there; the driver reads its ready file and reaches it.
func TestBatchDatabaseThroughQsub(t *testing.T) {
	state := fakePBS(t)
	exp, _ := newPBSExp(t)
	wlmtest.CheckDatabase(t, exp, true, "qsub ", state)
}
