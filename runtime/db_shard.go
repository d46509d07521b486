package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ssrun/ssrun/launchers"
)

// dbShard is one launched process of a database: an `ssrun db` (or redis-server) shard of a standard
// database, or the private database of a colocated model.
type dbShard struct {
	name           string
	addr           string // what clients use: "host:port" or "unix:///path"
	stdout, stderr string
	handle         launchers.Handle
	dry            bool
	started        time.Time // when it was launched: the summary's Time counts from here
	// On a workload manager: the file the shard writes its ready line to (several shards of one MPMD
	// step or batch job share an output file), the node it was placed on ("" until known), its step
	// name, the scheduler's job id (allocation or batch job), and whether it waits in a queue first.
	readyFile   string
	launcherErr string // the run command's own error output when it differs from stderr
	node        string
	step, jobID string
	stepID      string // the scheduler's id of the step ("1234.0"), once known
	queued      bool

	mu      sync.Mutex
	stopped bool      // ended by stop(): its end is Cancelled whatever the exit code
	ended   time.Time // when its end was first seen; zero while it runs
}

// elapsed is the shard's run time for the summary: up to its end once that has been seen (the end is
// recorded now if this is the first to see it), up to now while it runs.
func (s *dbShard) elapsed(now time.Time) time.Duration {
	terminal := s.Result().Status.Terminal()
	s.mu.Lock()
	defer s.mu.Unlock()
	if terminal && s.ended.IsZero() {
		s.ended = now
	}
	if !s.ended.IsZero() {
		return s.ended.Sub(s.started)
	}
	return now.Sub(s.started)
}

// Result is the shard's status: the launcher's, with a user stop reported as Cancelled.
func (s *dbShard) Result() launchers.Result {
	if s.dry { // a dry-run shard runs until stopped, as the real one would
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stopped {
			return launchers.Result{Status: launchers.StatusCancelled, ExitCode: 0}
		}
		return launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}
	}
	r := s.handle.Result()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped && r.Status.Terminal() {
		r.Status = launchers.StatusCancelled
	}
	return r
}

func (s *dbShard) ping(ctx context.Context, timeout time.Duration) error {
	_, err := respCommand(ctx, s.addr, timeout, "PING")
	return err
}

// shutdown asks the shard to exit (SHUTDOWN, as SmartSim's redis-cli shutdown) and waits for it; the
// launcher's stop is the fallback when it does not answer or does not exit within grace.
func (s *dbShard) shutdown(grace time.Duration) {
	if !s.dry {
		select {
		case <-s.handle.Done(): // ended by itself: its status stays what it was
			return
		default:
		}
	}
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	if s.dry {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	_, _ = respCommand(ctx, s.addr, grace, "SHUTDOWN", "NOSAVE") // the connection closes under the reply
	select {
	case <-s.handle.Done():
	case <-ctx.Done():
		_ = s.handle.Stop()
		<-s.handle.Done()
	}
}

// readyInfo is the JSON of `ssrun db`'s SSRUN_DB_READY line (orchestrator.ReadyInfo's fields we use).
type readyInfo struct {
	Addr       string `json:"addr"`
	UnixSocket string `json:"unixsocket"`
	PID        int    `json:"pid"`
	Node       string `json:"node"`
	BindNote   string `json:"bind_note"`
	StepID     string `json:"step_id"`
}

const readyPrefix = "SSRUN_DB_READY "

// readyLine returns the ready line's content once the shard has printed it.
func readyLine(path string) (readyInfo, bool) {
	f, err := os.Open(path)
	if err != nil {
		return readyInfo{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), readyPrefix); ok {
			var ri readyInfo
			if json.Unmarshal([]byte(rest), &ri) == nil {
				return ri, true
			}
		}
	}
	return readyInfo{}, false
}

// dbStartTimeout bounds how long a shard may take to become ready.
var dbStartTimeout = 60 * time.Second

// errShardDied is how waitReady reports a shard that ended before it was ready.
type errShardDied struct {
	shard *dbShard
	r     launchers.Result
}

func (e errShardDied) Error() string {
	where := ""
	if e.shard.node != "" {
		where = " on node " + e.shard.node
	}
	msg := fmt.Sprintf("database shard %s%s exited during start (%s, exit code %d); see its output %s and %s",
		e.shard.name, where, e.r.Status, e.r.ExitCode, e.shard.stdout, e.shard.stderr)
	if last := lastLine(e.shard.stderr); last != "" {
		msg += "\nlast line of " + filepath.Base(e.shard.stderr) + ": " + last
	}
	if f := e.shard.launcherErr; f != "" && f != e.shard.stderr {
		if last := lastLine(f); last != "" {
			msg += "\nlast line of " + f + ": " + last
		}
	}
	return msg
}

// lastLine is the last non-empty line of a small file ("" if none): a shard's reason for exiting.
func lastLine(path string) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) > 1<<20 {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// waitReady waits until the shard answers PING: for `ssrun db` after its ready line (which gives the
// address), for redis-server by pinging the address it was told to listen on. Changes of the output
// file wake it (fsnotify); a slow tick covers file systems without notifications. The shard's end,
// ctx and dbStartTimeout end the wait with an error.
func (s *dbShard) waitReady(ctx context.Context, readyFromLine bool) error {
	if s.dry {
		return nil
	}
	if s.queued {
		if err := s.waitRunning(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, dbStartTimeout)
	defer cancel()
	var events <-chan fsnotify.Event
	if w, err := fsnotify.NewWatcher(); err == nil {
		defer w.Close()
		if w.Add(filepath.Dir(s.readyPath())) == nil {
			events = w.Events
		}
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok := s.checkReady(ctx, readyFromLine); ok {
			return nil
		}
		select {
		case <-s.handle.Done():
			if s.checkReady(ctx, readyFromLine) { // ready, then gone at once: the caller's watch reports it
				return nil
			}
			return errShardDied{shard: s, r: s.handle.Result()}
		case <-ctx.Done():
			return fmt.Errorf("database shard %s did not become ready within %s; see its output %s", s.name, dbStartTimeout, s.stdout)
		case <-events:
		case <-tick.C:
		}
	}
}

// readyPath is the file the shard's ready line appears in.
func (s *dbShard) readyPath() string {
	if s.readyFile != "" {
		return s.readyFile
	}
	return s.stdout
}

// waitRunning waits, without a time limit, until the scheduler starts the batch job that runs the
// shard: a queue may hold it for hours, and only then does the start timeout begin.
func (s *dbShard) waitRunning(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond) // reads the launcher's last poll, no scheduler call
	defer tick.Stop()
	for s.handle.Result().Status != launchers.StatusRunning {
		select {
		case <-s.handle.Done():
			return errShardDied{shard: s, r: s.handle.Result()}
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

func (s *dbShard) checkReady(ctx context.Context, readyFromLine bool) bool {
	if readyFromLine {
		ri, ok := readyLine(s.readyPath())
		if !ok {
			return false
		}
		if ri.UnixSocket != "" && strings.HasPrefix(s.addr, "unix://") {
			s.addr = "unix://" + ri.UnixSocket
		} else if ri.Addr != "" {
			s.addr = ri.Addr
		}
		if ri.Node != "" {
			s.node = ri.Node
		}
		s.stepID = ri.StepID
	}
	return s.ping(ctx, time.Second) == nil
}

// ID is the shard's id in the summary: the scheduler's step id when known, else its launch handle's
// (a local process id, the batch job's id).
func (s *dbShard) ID() string {
	if s.stepID != "" {
		return s.stepID
	}
	return s.handle.ID()
}
