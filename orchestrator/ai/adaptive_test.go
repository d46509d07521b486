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

// With two active clients, a request waits (within the budget) for the other client's, and both run
// as one batch; RedisAI's opportunistic batching (BATCHSIZE alone) would have run the first alone.
func TestAdaptiveWaitsForTheOtherActiveClients(t *testing.T) {
	b := &addBackend{name: "TORCH"}
	e := newEnv(t, Options{Backends: []Backend{b}})
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "8", "ADAPTIVE", "400000", "BLOB", "pt")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1", "1", "VALUES", "1")
	e.must(ok(), "AI.TENSORSET", "b", "FLOAT", "1", "1", "VALUES", "10")
	// The warm-up below takes a budget; keep both clients active across it.
	defer func(w time.Duration) { activeWindow = w }(activeWindow)
	activeWindow = time.Minute
	alice, bob := newClientCtx("alice"), newClientCtx("bob")
	run := func(client context.Context, in, out string) string {
		return e.doAs(client, "AI.MODELEXECUTE", "m", "INPUTS", "2", in, in, "OUTPUTS", "1", out)
	}
	// Both clients become active (bob's first run waits the budget for alice, who does not come).
	if run(alice, "a", "x") != ok() || run(bob, "b", "y") != ok() {
		t.Fatal("warm-up runs failed")
	}
	first := make(chan string)
	go func() { first <- run(alice, "a", "ca") }()
	waitForQueued(t, e.m, "CPU", 1)
	if got := run(bob, "b", "cb"); got != ok() {
		t.Fatalf("bob: %q", got)
	}
	if got := <-first; got != ok() {
		t.Fatalf("alice: %q", got)
	}
	e.must(arr(bulk("2")), "AI.TENSORGET", "ca", "VALUES")
	e.must(arr(bulk("20")), "AI.TENSORGET", "cb", "VALUES")
	runs := b.runs()
	if last := runs[len(runs)-1]; last[0] != 2 {
		t.Fatalf("runs %v: alice's and bob's requests must run as one batch of 2", runs)
	}
}
