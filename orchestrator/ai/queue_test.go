package ai

import (
	"context"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

func TestCloseAnswersWaitingRuns(t *testing.T) {
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	m := New(Options{Scripts: &testScripts{gate: gate, started: started}})
	e := &env{t: t, m: m, ks: newMemKeyspace(), cmds: map[string]command.Spec{}}
	for _, s := range m.Commands() {
		e.cmds[s.Name] = s
	}
	e.must(ok(), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "wait", "SOURCE", "src")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1")
	running, waiting := make(chan string), make(chan string)
	go func() { running <- e.do("AI.SCRIPTEXECUTE", "s", "wait", "INPUTS", "1", "a", "OUTPUTS", "1", "b") }()
	<-started
	go func() { waiting <- e.do("AI.SCRIPTEXECUTE", "s", "wait", "INPUTS", "1", "a", "OUTPUTS", "1", "c") }()
	waitForQueued(t, m, "CPU", 1)
	m.Close() // cancels the running script's context and answers the queued one
	if got := <-waiting; got != errr("ERR server is shutting down") {
		t.Fatalf("queued run = %q", got)
	}
	if got := <-running; got != errr("context canceled") {
		t.Fatalf("running run = %q", got)
	}
	e.must(errr("ERR server is shutting down"), "AI.SCRIPTEXECUTE", "s", "wait", "INPUTS", "1", "a", "OUTPUTS", "1", "c")
}

func TestDisconnectedClientsRunIsWithdrawn(t *testing.T) {
	gate, started := make(chan struct{}), make(chan struct{}, 2)
	m := New(Options{Scripts: &testScripts{gate: gate, started: started}})
	defer m.Close()
	q := m.queues.get("CPU")
	busy := &request{work: func() { started <- struct{}{}; <-gate }, done: make(chan struct{})}
	q.submit(busy)
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	r := &request{work: func() { ran = true }, done: make(chan struct{})}
	finished := make(chan struct{})
	go func() { m.await(ctx, "CPU", r); close(finished) }()
	waitForQueued(t, m, "CPU", 1)
	cancel()
	<-finished
	close(gate)
	<-busy.done
	if ran || r.err != "ERR client disconnected" {
		t.Fatalf("withdrawn run: ran=%v err=%q", ran, r.err)
	}
}

func TestExpiredRequestsAreSkippedWhenTaken(t *testing.T) {
	m := New(Options{})
	defer m.Close()
	q := m.queues.get("CPU")
	gate := make(chan struct{})
	block := &request{work: func() { <-gate }, done: make(chan struct{})}
	q.submit(block)
	ran := false
	late := &request{timeout: time.Millisecond, work: func() { ran = true }, done: make(chan struct{})}
	q.submit(late)
	time.Sleep(3 * time.Millisecond)
	close(gate)
	<-late.done
	if ran || !late.timedOut {
		t.Fatalf("expired request ran=%v timedOut=%v", ran, late.timedOut)
	}
}
