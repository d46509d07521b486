package runtime

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// Members of a batch job get their own statuses from the batch script's exit-code file,
// <status dir>/<owner>.exitcodes: the script appends one line "<member> <exit code>" the moment a
// member ends (see batchScript). The driver creates the file empty before submitting, so on a shared
// file system every later open revalidates it (NFS close-to-open) and sees the lines the batch host has
// written, where a file created on the batch host could stay invisible to the driver's cached
// directory listing for many seconds. Changes wake the reader through fsnotify; a slow tick covers file
// systems whose notifications do not cross hosts. The scheduler is still asked once per poll for the
// batch job only: its end settles the members that recorded nothing (cancelled, time limit, node
// failure), which take the batch job's status and code.

// exitCodesTick is how often the exit-code file is re-read when no notification arrives: the fallback
// for shared file systems, where writes on the batch host raise no event on the driver's host. Once a
// notification has come from the file, the batch host's writes evidently notify here, and the tick
// slows to notifiedTickFactor times as a safety net; while the job waits in the queue (or has not been
// polled yet) the tick reads nothing, so queued jobs cost the file system nothing.
const (
	exitCodesTick      = time.Second
	notifiedTickFactor = 30
)

// batchExits follows one batch job's exit-code file and settles its members.
type batchExits struct {
	path    string
	batch   launchers.Handle
	log     *slog.Logger
	closing <-chan struct{}

	mu       sync.Mutex
	offset   int64 // bytes of the file consumed (complete lines only)
	members  map[string]*batchMember
	pending  int  // members not yet settled
	stopped  bool // a member's Stop cancelled the batch job
	finished bool // the batch job's end has been applied
	partial  bool // follows only some of the job's members (a resume): others' lines are expected
}

// batchMember is the handle of one member of a batch job: its own status and exit code once the
// script recorded them, the batch job's status (Running, Paused while queued) until then.
type batchMember struct {
	name   string
	g      *batchExits
	done   chan struct{}
	result launchers.Result // guarded by g.mu; set once, when done is closed
}

// newBatchExits makes the members' handles for the batch job behind batch, whose script appends to
// path. follow must run for notifications to settle members before the batch job ends.
func newBatchExits(path string, batch launchers.Handle, names []string, log *slog.Logger, closing <-chan struct{}) (*batchExits, []*batchMember) {
	g := &batchExits{path: path, batch: batch, log: log, closing: closing, members: map[string]*batchMember{}}
	out := make([]*batchMember, 0, len(names))
	for _, n := range names {
		m := &batchMember{name: n, g: g, done: make(chan struct{})}
		g.members[n] = m
		out = append(out, m)
	}
	g.pending = len(out)
	return g, out
}

// follow reads the file whenever it changes (wake) or the tick fires, until every member is settled,
// the batch job ends (then the rest are settled from its result) or the experiment closes (batch jobs
// are then left to the scheduler; a later Result still reads the file).
func (g *batchExits) follow(wake <-chan struct{}, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	notified, read := false, true
	for {
		if read && g.read() == 0 {
			return
		}
		select {
		case <-g.batch.Done():
			g.finish()
			return
		case <-wake:
			if !notified {
				notified = true
				t.Reset(tick * notifiedTickFactor)
			}
			read = true
		case <-t.C:
			read = g.running()
		case <-g.closing:
			return
		}
	}
}

// running reports whether the batch job may be running members: not while it waits in the queue
// (Paused) or before the launcher has polled it (New).
func (g *batchExits) running() bool {
	st := g.batch.Result().Status
	return st != launchers.StatusNew && st != launchers.StatusPaused
}

// read consumes the lines appended since the last read and returns how many members are still
// pending.
func (g *batchExits) read() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.readLocked()
	return g.pending
}

func (g *batchExits) readLocked() {
	if g.pending == 0 {
		return
	}
	f, err := os.Open(g.path)
	if err != nil {
		return // not visible yet; the batch job's end settles whoever never recorded
	}
	defer f.Close()
	data, err := io.ReadAll(io.NewSectionReader(f, g.offset, 1<<40))
	if err != nil {
		return
	}
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return // nothing, or a line still being written
	}
	g.offset += int64(end + 1)
	for _, line := range strings.Split(string(data[:end]), "\n") {
		g.recordLocked(line)
	}
}

// recordLocked settles the member a line names: exit code 0 is Completed, anything else Failed with
// that code, or Cancelled when it ended after a stop cancelled the job (killed by the cancellation).
func (g *batchExits) recordLocked(line string) {
	sp := strings.LastIndexByte(line, ' ')
	code, err := strconv.Atoi(line[sp+1:])
	m := g.members[line[:max(sp, 0)]]
	if m == nil && g.partial && sp >= 0 && err == nil {
		return // a member the resume did not follow (it had ended before)
	}
	if sp < 0 || err != nil || m == nil {
		g.log.Warn("ignoring a malformed line of a batch job's exit-code file", "file", g.path, "line", line)
		return
	}
	r := launchers.Result{Status: launchers.StatusCompleted, ExitCode: code}
	switch {
	case code != 0 && g.stopped:
		r.Status = launchers.StatusCancelled
	case code != 0:
		r.Status = launchers.StatusFailed
		r.Err = fmt.Errorf("member %s of batch job %s exited with code %d", m.name, g.batch.ID(), code)
	}
	g.settleLocked(m, r)
}

func (g *batchExits) settleLocked(m *batchMember, r launchers.Result) {
	select {
	case <-m.done:
		return // a member records once; a repeated line changes nothing
	default:
	}
	m.result = r
	g.pending--
	close(m.done)
}

// finish applies the batch job's end: a last read of the file (every member that ended has written
// its line before the script exited), then the members with no line take the batch job's result, as
// Cancelled if a stop cancelled it.
func (g *batchExits) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished {
		return
	}
	g.finished = true
	g.readLocked()
	r := g.batch.Result()
	if g.stopped {
		r.Status = launchers.StatusCancelled
	}
	for _, m := range g.members {
		g.settleLocked(m, r)
	}
}

// ID is the batch job's id: members share it, as in SmartSim.
func (m *batchMember) ID() string { return m.g.batch.ID() }

// Done is closed once the member's own result is known.
func (m *batchMember) Done() <-chan struct{} { return m.done }

// Result is the member's own result once recorded, else the batch job's current (non-terminal) state.
// A batch job that has ended is applied first, so no reader sees it ended before its members are.
func (m *batchMember) Result() launchers.Result {
	select {
	case <-m.done:
	case <-m.g.batch.Done():
		m.g.finish()
	default:
		if r := m.g.batch.Result(); !r.Status.Terminal() {
			return r
		}
		m.g.finish() // ended since the check above
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.result
}

// Stop cancels the batch job, which ends every member still running: SmartSim's stop of a member or of
// the ensemble cancels the one job they share. Members that already recorded keep their results.
func (m *batchMember) Stop() error {
	m.g.mu.Lock()
	m.g.stopped = true
	m.g.mu.Unlock()
	err := m.g.batch.Stop()
	select {
	case <-m.g.batch.Done():
		m.g.finish()
	default: // the cancel failed and the job runs on
	}
	return err
}
