package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// fakeBatch is a batch job handle the test ends by hand, recording whether it was stopped.
type fakeBatch struct {
	mu      sync.Mutex
	result  launchers.Result
	done    chan struct{}
	stopped bool
}

func newFakeBatch() *fakeBatch {
	return &fakeBatch{result: launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}, done: make(chan struct{})}
}

func (f *fakeBatch) ID() string            { return "4242" }
func (f *fakeBatch) Done() <-chan struct{} { return f.done }
func (f *fakeBatch) Result() launchers.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.result
}

func (f *fakeBatch) set(st launchers.Status) {
	f.mu.Lock()
	f.result.Status = st
	f.mu.Unlock()
}

func (f *fakeBatch) end(r launchers.Result) {
	f.mu.Lock()
	f.result = r
	f.mu.Unlock()
	close(f.done)
}

// Stop ends the job as a scheduler's cancel does: Cancelled, no exit code.
func (f *fakeBatch) Stop() error {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.end(launchers.Result{Status: launchers.StatusCancelled, ExitCode: -1})
	return nil
}

// exitFileFixture is an empty exit-code file (as launchBatch creates it) and members a, b, c
// following it through fsnotify (via fileWake) or, with tick only, by re-reading it every tick.
func exitFileFixture(t *testing.T, notify bool, tick time.Duration) (string, *fakeBatch, []*batchMember, *fileWake) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ens.exitcodes")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	batch := newFakeBatch()
	closing := make(chan struct{})
	t.Cleanup(func() { close(closing) })
	g, members := newBatchExits(path, batch, []string{"a", "b", "c"}, testLogger(&logBuffer{}), closing)
	var wake <-chan struct{}
	fw := &fileWake{}
	if notify {
		w, unsubscribe := fw.subscribe(path)
		t.Cleanup(unsubscribe)
		wake = w
	}
	go g.follow(wake, tick)
	return path, batch, members, fw
}

func appendLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
}

func waitDone(t *testing.T, m *batchMember, within time.Duration) launchers.Result {
	t.Helper()
	select {
	case <-m.Done():
		return m.Result()
	case <-time.After(within):
		t.Fatalf("member %s not settled within %s (result %+v)", m.name, within, m.Result())
		return launchers.Result{}
	}
}

func wantResult(t *testing.T, m *batchMember, status launchers.Status, code int) {
	t.Helper()
	if r := m.Result(); r.Status != status || r.ExitCode != code {
		t.Errorf("member %s: %s (%d), want %s (%d)", m.name, r.Status, r.ExitCode, status, code)
	}
}

// A member is settled by its own line the moment the file changes (the tick is an hour, so only the
// notification can have woken the reader), while the others keep the batch job's Running; the batch
// job's end settles the member that never recorded with the job's status and code.
func TestBatchMembersSettleFromTheirOwnLinesThroughNotifications(t *testing.T) {
	path, batch, m, _ := exitFileFixture(t, true, time.Hour)
	appendLine(t, path, "b 7\n")
	if r := waitDone(t, m[1], 5*time.Second); r.Status != launchers.StatusFailed || r.ExitCode != 7 || r.Err == nil {
		t.Fatalf("b: %+v, want Failed (7) with an error", r)
	}
	for _, x := range []*batchMember{m[0], m[2]} {
		wantResult(t, x, launchers.StatusRunning, -1)
	}
	appendLine(t, path, "a 0\n")
	waitDone(t, m[0], 5*time.Second)
	wantResult(t, m[0], launchers.StatusCompleted, 0)
	batch.end(launchers.Result{Status: launchers.StatusFailed, ExitCode: 1}) // c was killed by a node failure
	waitDone(t, m[2], 5*time.Second)
	wantResult(t, m[2], launchers.StatusFailed, 1)
	wantResult(t, m[1], launchers.StatusFailed, 7)
}

// Where notifications never arrive (a shared file system written on another host), the tick alone
// settles members; a line still being written is not read until its newline arrives; lines that name
// no member or carry no code are skipped with a warning.
func TestBatchMembersSettleOnTheTickWithoutNotifications(t *testing.T) {
	path, _, m, _ := exitFileFixture(t, false, 20*time.Millisecond)
	appendLine(t, path, "garbage\nz 3\nc 1")
	time.Sleep(100 * time.Millisecond) // several ticks: "c 1" has no newline yet
	wantResult(t, m[2], launchers.StatusRunning, -1)
	appendLine(t, path, "2\n")
	waitDone(t, m[2], 5*time.Second)
	wantResult(t, m[2], launchers.StatusFailed, 12)
}

// While the job waits in the queue the tick reads nothing (a member cannot have ended); once the
// scheduler says it runs, the tick reads again.
func TestTheTickSkipsQueuedJobs(t *testing.T) {
	path, batch, m, _ := exitFileFixture(t, false, 20*time.Millisecond)
	batch.set(launchers.StatusPaused)
	time.Sleep(50 * time.Millisecond) // the first read (at start) is behind us
	appendLine(t, path, "a 0\n")
	time.Sleep(150 * time.Millisecond) // several ticks
	if r := m[0].Result(); r.Status != launchers.StatusPaused {
		t.Fatalf("a read while its job was queued: %+v", r)
	}
	batch.set(launchers.StatusRunning)
	waitDone(t, m[0], 5*time.Second)
	wantResult(t, m[0], launchers.StatusCompleted, 0)
}

// A stop cancels the batch job: members that recorded keep their codes, the others end Cancelled, and
// a member whose code arrives after the stop (killed by the cancellation) is Cancelled too.
func TestStoppingAMemberCancelsTheBatchJob(t *testing.T) {
	path, batch, m, _ := exitFileFixture(t, true, time.Hour)
	appendLine(t, path, "a 0\n")
	waitDone(t, m[0], 5*time.Second)
	if err := m[1].Stop(); err != nil {
		t.Fatal(err)
	}
	if !batch.stopped {
		t.Fatal("stopping a member did not cancel the batch job")
	}
	wantResult(t, m[0], launchers.StatusCompleted, 0)
	wantResult(t, m[1], launchers.StatusCancelled, -1)
	wantResult(t, m[2], launchers.StatusCancelled, -1)
	for _, x := range m {
		if x.ID() != "4242" {
			t.Errorf("member %s id %s, want the batch job's", x.name, x.ID())
		}
	}
}

func TestAMemberRecordedAfterAStopIsCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ens.exitcodes")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	g, m := newBatchExits(path, newFakeBatch(), []string{"a"}, testLogger(&logBuffer{}), nil)
	g.stopped = true
	appendLine(t, path, "a 143\n")
	g.read()
	wantResult(t, m[0], launchers.StatusCancelled, 143)
}

// A reader asking for a member's result after the batch job ended (before the follower noticed) gets
// the member's final result, never the job's end with the member still open.
func TestResultAfterTheBatchEndsIsFinal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ens.exitcodes")
	if err := os.WriteFile(path, []byte("a 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	batch := newFakeBatch()
	_, m := newBatchExits(path, batch, []string{"a", "b"}, testLogger(&logBuffer{}), nil)
	batch.end(launchers.Result{Status: launchers.StatusFailed, ExitCode: 1})
	wantResult(t, m[0], launchers.StatusFailed, 5)
	wantResult(t, m[1], launchers.StatusFailed, 1)
	for _, x := range m {
		select {
		case <-x.Done():
		default:
			t.Errorf("member %s not done after its final result", x.name)
		}
	}
}

// One watcher serves every subscribed file and wakes only the subscriber of the file that changed; it
// is closed when the last subscription ends.
func TestFileWakeWakesOnlyTheChangedFilesSubscriber(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.exitcodes"), filepath.Join(dir, "b.exitcodes")
	fw := &fileWake{}
	wa, ua := fw.subscribe(a)
	wb, ub := fw.subscribe(b)
	if err := os.WriteFile(b, []byte("x 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wb:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up for the changed file")
	}
	select {
	case <-wa:
		t.Fatal("the other file's subscriber was woken")
	case <-time.After(50 * time.Millisecond):
	}
	ua()
	ub()
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.w != nil || len(fw.subs) != 0 {
		t.Errorf("watcher still open after the last subscription ended")
	}
}

// The script, run by bash as a scheduler runs it, records every member's own code under its name
// (quoted where needed) even after a preamble's `set -e`, waits for all, and exits 1 because one
// failed; with every member succeeding it exits 0.
func TestBatchScriptRecordsEveryMembersCode(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	for _, c := range []struct {
		failing string
		rc      int
		want    []string
	}{{"exit 7", 1, []string{"ens_0 0", "ens_1 7", "odd name 0"}}, {"true", 0, []string{"ens_0 0", "ens_1 0", "odd name 0"}}} {
		dir := t.TempDir()
		exits := filepath.Join(dir, "ens exits")
		bs := &BatchSettings{Kind: "sbatch"}
		bs.AddPreamble("set -euo pipefail")
		script := batchScript(bs, "ens-run-000", "/dev/null", "/dev/null", exits, []scriptMember{
			{Name: "ens_0", Dir: dir, Command: "sleep 0.2"},
			{Name: "ens_1", Dir: dir, Command: "sh -c " + shellQuote(c.failing)},
			{Name: "odd name", Dir: dir, Command: "true"}})
		path := filepath.Join(dir, "ens.sh")
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		err := exec.Command("bash", path).Run()
		rc := 0
		if ee, ok := err.(*exec.ExitError); ok {
			rc = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(exits)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		sort.Strings(lines)
		if rc != c.rc || strings.Join(lines, ",") != strings.Join(c.want, ",") {
			t.Errorf("member %q: script exited %d with records %q, want %d with %q\n%s", c.failing, rc, lines, c.rc, c.want, script)
		}
	}
}
