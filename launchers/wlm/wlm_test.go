package wlm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// memScheduler is an in-memory scheduler: jobs run until finished or cancelled by the test.
type memScheduler struct {
	mu       sync.Mutex
	next     int
	states   map[string]launchers.Result
	queries  [][]string
	cancels  [][]string
	failNext int
	forget   bool
	gate     chan struct{} // when set, Cancel waits for it after recording its ids
}

func newMem() *memScheduler { return &memScheduler{states: map[string]launchers.Result{}} }

func (m *memScheduler) Name() string { return "mem" }

func (m *memScheduler) Submit(context.Context, launchers.BatchJob) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	id := fmt.Sprint(m.next)
	m.states[id] = launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}
	return id, nil
}

func (m *memScheduler) Query(_ context.Context, ids []string) (map[string]launchers.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queries = append(m.queries, append([]string(nil), ids...))
	if m.failNext > 0 {
		m.failNext--
		return nil, errors.New("controller down")
	}
	out := map[string]launchers.Result{}
	for _, id := range ids {
		if r, ok := m.states[id]; ok {
			out[id] = r
		}
	}
	return out, nil
}

func (m *memScheduler) Cancel(_ context.Context, ids []string) error {
	m.mu.Lock()
	m.cancels = append(m.cancels, append([]string(nil), ids...))
	gate := m.gate
	m.mu.Unlock()
	if gate != nil {
		<-gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.states[id] = launchers.Result{Status: launchers.StatusCancelled, ExitCode: -15}
	}
	return nil
}

func (m *memScheduler) Forgotten() (launchers.Result, bool) {
	return launchers.Result{Status: launchers.StatusCompleted}, m.forget
}

func (m *memScheduler) set(id string, r launchers.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[id] = r
}

func submitN(t *testing.T, l *Launcher, n int) []launchers.Handle {
	t.Helper()
	hs := make([]launchers.Handle, n)
	for i := range hs {
		h, err := l.Submit(context.Background(), launchers.BatchJob{Name: fmt.Sprint("j", i)})
		if err != nil {
			t.Fatal(err)
		}
		hs[i] = h
	}
	return hs
}

func TestOneQueryPerPollForAHundredJobs(t *testing.T) {
	m := newMem()
	l := New(m, Options{Interval: 10 * time.Millisecond})
	defer l.Close()
	hs := submitN(t, l, 100)
	// Polls that ran while the jobs were still being submitted saw only some of them; every poll
	// after the last submission must ask for all 100 at once.
	m.mu.Lock()
	first := len(m.queries)
	m.mu.Unlock()
	waitFor(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.queries) >= first+3
	})
	m.mu.Lock()
	polls := len(m.queries)
	for _, q := range m.queries[first+1:] { // the one at index first may have started before the last submission
		if len(q) != 100 {
			t.Errorf("a poll asked for %d jobs, want all 100 in one query", len(q))
		}
	}
	m.mu.Unlock()
	if int64(polls) > l.Queries() {
		t.Fatalf("%d queries recorded, launcher counted %d", polls, l.Queries())
	}
	for i, h := range hs {
		m.set(h.ID(), launchers.Result{Status: launchers.StatusFailed, ExitCode: i % 3})
	}
	for i, h := range hs {
		<-h.Done()
		if r := h.Result(); r.Status != launchers.StatusFailed || r.ExitCode != i%3 {
			t.Fatalf("job %s: %+v", h.ID(), r)
		}
	}
	l.mu.Lock()
	following := len(l.batch)
	l.mu.Unlock()
	if following != 0 {
		t.Fatalf("poller still follows %d ended jobs", following)
	}
}

func TestStopsArrivingTogetherShareOneCancel(t *testing.T) {
	m := newMem()
	l := New(m, Options{Interval: 10 * time.Millisecond})
	hs := submitN(t, l, 20)
	m.gate = make(chan struct{})
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Stop(); err != nil {
				t.Error(err)
			}
		}()
	}
	// However the stops are scheduled, those arriving while a cancel call is out share the next one.
	waitFor(t, func() bool {
		m.mu.Lock()
		first := 0
		if len(m.cancels) > 0 {
			first = len(m.cancels[0])
		}
		m.mu.Unlock()
		l.cancelMu.Lock()
		defer l.cancelMu.Unlock()
		return first > 0 && first+len(l.cancelPending) == 20
	})
	close(m.gate)
	wg.Wait()
	for _, h := range hs {
		if r := h.Result(); r.Status != launchers.StatusCancelled {
			t.Fatalf("job %s after stop: %+v", h.ID(), r)
		}
	}
	if l.Cancels() > 2 || len(m.cancels) > 2 {
		t.Fatalf("%d cancel calls (%v), want at most two for 20 stops", l.Cancels(), m.cancels)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Submit(context.Background(), launchers.BatchJob{}); !errors.Is(err, launchers.ErrClosed) {
		t.Fatalf("submit after close: %v", err)
	}
}

func TestForgottenJobsAndQueryFailures(t *testing.T) {
	m := newMem()
	m.forget = true
	m.failNext = 3 // a controller restart: a few failed polls change nothing
	l := New(m, Options{Interval: 5 * time.Millisecond})
	defer l.Close()
	h := submitN(t, l, 1)[0]
	waitFor(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.queries) >= 5 // three failed polls, then the job is seen
	})
	if r := h.Result(); r.Status.Terminal() {
		t.Fatalf("job ended after failed queries: %+v", r)
	}
	m.mu.Lock()
	delete(m.states, h.ID()) // PBS/LSF drop a finished job
	m.mu.Unlock()
	select {
	case <-h.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("a forgotten job never ended")
	}
	if r := h.Result(); r.Status != launchers.StatusCompleted {
		t.Fatalf("forgotten job: %+v, want Completed", r)
	}
}

func TestSignalExit(t *testing.T) {
	for _, c := range []struct {
		code, sig string
		want      int
	}{{"0", "0", 0}, {"3", "0", 3}, {"0", "15", -15}, {"2", "9", 2}, {"x", "0", -1}} {
		if got := SignalExit(c.code, c.sig); got != c.want {
			t.Errorf("SignalExit(%s, %s) = %d, want %d", c.code, c.sig, got, c.want)
		}
	}
}

// waitFor polls cond for up to 10 s (tests share two cores with everything else).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCloseLeavesBatchJobsToTheSchedulerAndStopsPolling(t *testing.T) {
	m := newMem()
	l := New(m, Options{Interval: 5 * time.Millisecond})
	hs := submitN(t, l, 3)
	waitFor(t, func() bool { return l.Queries() >= 2 })
	began := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > time.Second {
		t.Fatalf("Close took %s with batch jobs running", took)
	}
	queriesAtClose := l.Queries()
	time.Sleep(50 * time.Millisecond) // ten intervals: a poller still running would have queried again
	if q := l.Queries(); q > queriesAtClose+1 {
		t.Fatalf("%d queries after Close, want polling stopped", q-queriesAtClose)
	}
	m.mu.Lock()
	cancels := len(m.cancels)
	m.mu.Unlock()
	if cancels != 0 || l.Cancels() != 0 {
		t.Fatalf("Close sent %d cancel calls; batch jobs belong to the scheduler", cancels)
	}
	for _, h := range hs {
		select {
		case <-h.Done():
			t.Fatalf("job %s ended by Close: %+v", h.ID(), h.Result())
		default:
		}
		if r := h.Result(); r.Status != launchers.StatusRunning {
			t.Fatalf("job %s after Close: %+v, want its last polled state Running", h.ID(), r)
		}
	}
}
