package local

import (
	"github.com/ssrun/ssrun/launchers"
)

// The member supervisor's wire: JSON lines over the supervisor's stdin (requests from the driver) and
// stdout (replies and exit events to the driver). One supervisor process per driver starts every local
// member that has a Record, so a member's end is recorded even when the driver is gone, at the cost of
// one fork+exec of the member itself (a wrapper process per member cost about five `true` execs).

// Supervisor operations.
const (
	opLaunch  = "launch"  // driver → supervisor: start Job (ID correlates the reply)
	opStop    = "stop"    // driver → supervisor: stop the job with Pid (SIGTERM, SIGKILL after the grace)
	opStarted = "started" // supervisor → driver: the launch with ID started as Pid
	opFailed  = "failed"  // supervisor → driver: the launch with ID failed with Err; nothing was started
	opExit    = "exit"    // supervisor → driver: the job Pid ended (Status, Code, Err); its record is written
)

// SupervisorMessage is one line of the supervisor's wire, in either direction.
type SupervisorMessage struct {
	Op     string           `json:"op"`
	ID     uint64           `json:"id,omitempty"`
	Job    *launchers.Job   `json:"job,omitempty"`
	Pid    int              `json:"pid,omitempty"`
	Status launchers.Status `json:"status,omitempty"`
	Code   int              `json:"code"`
	Err    string           `json:"err,omitempty"`
}

// Message constructors, used by both ends so the two cannot drift apart.

// LaunchRequest asks the supervisor to start job.
func LaunchRequest(id uint64, job launchers.Job) SupervisorMessage {
	return SupervisorMessage{Op: opLaunch, ID: id, Job: &job}
}

// StopRequest asks the supervisor to stop the job pid.
func StopRequest(pid int) SupervisorMessage { return SupervisorMessage{Op: opStop, Pid: pid} }

// StartedReply says the launch id started as pid.
func StartedReply(id uint64, pid int) SupervisorMessage {
	return SupervisorMessage{Op: opStarted, ID: id, Pid: pid}
}

// FailedReply says the launch id failed, starting nothing.
func FailedReply(id uint64, err error) SupervisorMessage {
	return SupervisorMessage{Op: opFailed, ID: id, Err: err.Error()}
}

// ExitEvent says the job pid ended with r (its record already written).
func ExitEvent(pid int, r launchers.Result) SupervisorMessage {
	m := SupervisorMessage{Op: opExit, Pid: pid, Status: r.Status, Code: r.ExitCode}
	if r.Err != nil {
		m.Err = r.Err.Error()
	}
	return m
}

// IsLaunch and IsStop classify a request the supervisor reads.
func (m SupervisorMessage) IsLaunch() bool { return m.Op == opLaunch && m.Job != nil }
func (m SupervisorMessage) IsStop() bool   { return m.Op == opStop }
