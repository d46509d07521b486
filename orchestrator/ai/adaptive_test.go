package ai

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// doAs runs a command on behalf of one client connection (its context is the client's identity).
func (e *env) doAs(client context.Context, args ...string) string {
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	rec := &respRecorder{}
	e.cmds[strings.ToUpper(args[0])].Handler(&command.Ctx{Context: client, Keys: e.ks, Reply: rec}, bargs)
	return rec.b.String()
}

type clientKey struct{}

func newClientCtx(name string) context.Context {
	return context.WithValue(context.Background(), clientKey{}, name)
}

func TestAdaptiveOptionParsing(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&addBackend{name: "TORCH"}}})
	e.must(errr("ERR ADAPTIVE specified without BATCHSIZE"), "AI.MODELSTORE", "m", "TORCH", "CPU", "ADAPTIVE", "100", "BLOB", "pt")
	e.must(errr("ERR ADAPTIVE replaces MINBATCHSIZE and MINBATCHTIMEOUT: give one or the other"),
		"AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "8", "MINBATCHSIZE", "2", "ADAPTIVE", "100", "BLOB", "pt")
	for _, bad := range []string{"0", "-1", "x", "60000001"} {
		e.must(errr("ERR Invalid argument for ADAPTIVE: want a wait budget in microseconds, 1 to 60000000"),
			"AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "8", "ADAPTIVE", bad, "BLOB", "pt")
	}
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "v1", "BATCHSIZE", "8", "ADAPTIVE", "500", "BLOB", "pt")
	// RedisAI's reply layout is kept: the option is not listed.
	e.must(arr(bulk("backend"), bulk("TORCH"), bulk("device"), bulk("CPU"), bulk("tag"), bulk("v1"),
		bulk("batchsize"), integer(8), bulk("minbatchsize"), integer(0),
		bulk("inputs"), arr(bulk("a"), bulk("b")), bulk("outputs"), arr(bulk("c")),
		bulk("minbatchtimeout"), integer(0)), "AI.MODELGET", "m", "META")
	// RedisAI's own syntax still means what it means.
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "8", "MINBATCHSIZE", "2", "MINBATCHTIMEOUT", "5", "BLOB", "pt")
}

// With one client, ADAPTIVE never waits, however large its budget: the client has nobody to wait for.
func TestAdaptiveLoneClientNeverWaits(t *testing.T) {
	b := &addBackend{name: "TORCH"}
	e := newEnv(t, Options{Backends: []Backend{b}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "8", "ADAPTIVE", "10000000", "BLOB", "pt")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1", "2", "VALUES", "1", "2")
	client := newClientCtx("only")
	start := time.Now()
	for i := 0; i < 3; i++ {
		if got := e.doAs(client, "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c"); got != ok() {
			t.Fatalf("run %d: %q", i, got)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("three runs of a lone client took %v: it waited for the 10 s budget", took)
	}
	e.must(arr(bulk("2"), bulk("4")), "AI.TENSORGET", "c", "VALUES")
	if runs := b.runs(); len(runs) != 3 {
		t.Fatalf("runs %v, want three runs of one request", runs)
	}
}

// The ADAPTIVE rule on a virtual clock: the target is the smallest of the active clients, BATCHSIZE
// and 3/4 of the previous batch; below it a batch waits, at most the budget.
func TestAdaptiveRule(t *testing.T) {
	t0 := time.Unix(1000, 0)
	us := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Microsecond) }
	alice, bob, carol := newClientCtx("alice"), newClientCtx("bob"), newClientCtx("carol")
	model := &ModelValue{BatchSize: 8, AdaptiveWait: 1000}
	for _, c := range []context.Context{alice, bob, carol} {
		model.clients.arrived(c, us(0))
	}
	first := &request{model: model, enqueued: us(0)}
	// No batch yet: the first run takes what is there.
	if ready, _ := adaptiveBatchReady(first, 1, us(0)); !ready {
		t.Fatal("the first batch must not wait")
	}
	model.clients.batchTaken(4) // 3/4 of 4: wait for 3, one per active client
	ready, deadline := adaptiveBatchReady(first, 2, us(100))
	if ready || !deadline.Equal(us(1000)) {
		t.Fatalf("2 of 3 waiting after a batch of 4: ready=%v deadline=%v, want a wait until %v", ready, deadline, us(1000))
	}
	if ready, _ = adaptiveBatchReady(first, 3, us(100)); !ready {
		t.Fatal("one request per active client is waiting: the batch must run")
	}
	model.clients.batchTaken(2) // 3/4 of 2, rounded up: wait for 2
	if ready, _ = adaptiveBatchReady(first, 1, us(100)); ready {
		t.Fatal("1 of the 2 expected is waiting: the batch must wait")
	}
	if ready, _ = adaptiveBatchReady(first, 1, us(1000)); !ready {
		t.Fatal("the budget is spent: the batch must run")
	}
	if got := model.clients.lastBatch(); got != 1 {
		t.Fatalf("the target follows the batches run: last batch %d, want 1", got)
	}
	// BATCHSIZE caps the target.
	small := &ModelValue{BatchSize: 2, AdaptiveWait: 1000}
	for _, c := range []context.Context{alice, bob, carol} {
		small.clients.arrived(c, us(0))
	}
	small.clients.batchTaken(3)
	if ready, _ = adaptiveBatchReady(&request{model: small, enqueued: us(0)}, 2, us(0)); !ready {
		t.Fatal("BATCHSIZE requests are waiting: the batch must run")
	}
	// One client: nobody to wait for, whatever the previous batches were.
	lone := &ModelValue{BatchSize: 8, AdaptiveWait: 1000}
	lone.clients.arrived(alice, us(0))
	lone.clients.batchTaken(8)
	if ready, _ = adaptiveBatchReady(&request{model: lone, enqueued: us(10)}, 1, us(11)); !ready {
		t.Fatal("a lone client's request must run at once")
	}
	// Clients idle longer than activeWindow no longer count.
	model.clients.replied(alice, us(100))
	if n := model.clients.active(us(50).Add(activeWindow)); n != 1 {
		t.Fatalf("active clients after bob's and carol's idle window: %d, want 1", n)
	}
}
