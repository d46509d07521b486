package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// Telemetry as SmartSim 0.7 has it: an experiment's telemetry (on by default; SMARTSIM_FLAG_TELEMETRY=0,
// read by the host, turns it off) records each job's start and stop as event files in its status
// directory, and a database's telemetry (off by default) samples each shard every TelemetryInterval
// into SmartSim's collector CSVs. SmartSim does this in a separate monitor process that polls; ssrun
// does it in the driver, from the events it already has (a job's end, a shard's exit).

// DefaultTelemetryInterval is how often database collectors sample (SmartSim's
// SMARTSIM_TELEMETRY_FREQUENCY default).
const DefaultTelemetryInterval = 5 * time.Second

// TelemetryConfiguration is the switch behind exp.telemetry and db.telemetry.
type TelemetryConfiguration struct {
	mu      sync.Mutex
	enabled bool
}

// Enable turns telemetry on.
func (t *TelemetryConfiguration) Enable() { t.set(true) }

// Disable turns telemetry off.
func (t *TelemetryConfiguration) Disable() { t.set(false) }

// IsEnabled reports whether telemetry is on.
func (t *TelemetryConfiguration) IsEnabled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.enabled
}

func (t *TelemetryConfiguration) set(on bool) {
	t.mu.Lock()
	t.enabled = on
	t.mu.Unlock()
}

// telemetryEvent is SmartSim's start.json / stop.json in a job's status directory.
type telemetryEvent struct {
	Timestamp  int64  `json:"timestamp"` // nanoseconds since the epoch
	JobID      string `json:"job_id"`
	StepID     string `json:"step_id"`
	Type       string `json:"type"`
	Action     string `json:"action"`
	Detail     string `json:"detail"`
	ReturnCode *int   `json:"return_code,omitempty"`
}

// writeTelemetryEvent writes <dir>/<action>.json once: as SmartSim's monitor, it never overwrites an
// existing event file (a re-read manifest must not move a job's start).
func (e *Experiment) writeTelemetryEvent(dir string, ev telemetryEvent) {
	if e.opts.DryRun || dir == "" || !e.Telemetry.IsEnabled() {
		return
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return
	}
	path := filepath.Join(dir, ev.Action+".json")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return
	}
	if err != nil {
		e.opts.Log.Warn("could not write telemetry event", "file", path, "error", err)
		return
	}
	_, err = f.Write(append(data, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		e.opts.Log.Warn("could not write telemetry event", "file", path, "error", err)
	}
}

// jobStarted and jobStopped record a model's or member's events.
func (e *Experiment) jobStarted(j *job) {
	started, _ := j.times()
	e.writeTelemetryEvent(j.statusDir, telemetryEvent{Timestamp: started.UnixNano(), JobID: j.handle.ID(),
		StepID: j.handle.ID(), Type: "model", Action: "start"})
}

func (e *Experiment) jobStopped(j *job) {
	_, ended := j.times()
	if ended.IsZero() {
		ended = e.opts.Now()
	}
	r := j.Result()
	rc := r.ExitCode
	e.writeTelemetryEvent(j.statusDir, telemetryEvent{Timestamp: ended.UnixNano(), JobID: j.handle.ID(),
		StepID: j.handle.ID(), Type: "model", Action: "stop", Detail: stopDetail(r.Status, r.Err), ReturnCode: &rc})
}

func stopDetail(status launchers.Status, err error) string {
	if err != nil {
		return fmt.Sprintf("status: %s, error: %v", status, err)
	}
	return fmt.Sprintf("status: %s", status)
}
