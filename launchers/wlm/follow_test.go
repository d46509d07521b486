package wlm

import (
	"context"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

var _ launchers.JobFollower = (*Launcher)(nil)

// TestFollowJobsAnotherDriverSubmitted: a resumed driver looks up the jobs a killed driver submitted
// in one query, follows the one still running to its end (polled with the launcher's own jobs), can
// cancel a followed job, and is told nothing of a job the scheduler has forgotten.
func TestFollowJobsAnotherDriverSubmitted(t *testing.T) {
	m := newMem()
	first := New(m, Options{Interval: 10 * time.Millisecond})
	hs := submitN(t, first, 3)
	first.Close() // the killed driver: its jobs run on
	m.mu.Lock()
	delete(m.states, hs[2].ID())
	m.mu.Unlock()

	l := New(m, Options{Interval: 10 * time.Millisecond})
	defer l.Close()
	ids := []string{hs[0].ID(), hs[1].ID(), hs[2].ID()}
	m.mu.Lock()
	before := len(m.queries)
	m.mu.Unlock()
	states, err := l.LookupJobs(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	if len(m.queries) != before+1 || len(m.queries[before]) != 3 {
		t.Errorf("lookup sent %v, want one query for the three ids", m.queries[before:])
	}
	m.mu.Unlock()
	if _, ok := states[ids[2]]; ok || len(states) != 2 {
		t.Fatalf("states %v: want the two jobs the scheduler still lists", states)
	}
	a := l.FollowJob(ids[0], states[ids[0]])
	b := l.FollowJob(ids[1], states[ids[1]])
	if again := l.FollowJob(ids[0], states[ids[0]]); again != a {
		t.Errorf("following a job twice gave two handles")
	}
	if r := a.Result(); r.Status != launchers.StatusRunning {
		t.Errorf("followed job starts as %v, want Running as listed", r.Status)
	}
	m.set(ids[0], launchers.Result{Status: launchers.StatusFailed, ExitCode: 7})
	select {
	case <-a.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a followed job that ended was not seen ending")
	}
	if r := a.Result(); r.Status != launchers.StatusFailed || r.ExitCode != 7 {
		t.Errorf("followed job ended %+v, want Failed 7", r)
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if r := b.Result(); r.Status != launchers.StatusCancelled {
		t.Errorf("stopped followed job: %+v, want Cancelled", r)
	}
	done := l.FollowJob("99", launchers.Result{Status: launchers.StatusCompleted})
	select {
	case <-done.Done():
	default:
		t.Error("a job listed as ended is not done at once")
	}
}
