package ai

import (
	"sync"
	"time"
)

// Adaptive batching, ssrun's MODELSTORE option beyond RedisAI:
//
//	AI.MODELSTORE key ONNX CPU BATCHSIZE n ADAPTIVE us BLOB ...
//
// RedisAI's static batching waits for a fixed MINBATCHSIZE (at most MINBATCHTIMEOUT ms): sized for
// many clients, it makes a lone client wait the whole timeout on every run; sized for one, it never
// batches. ADAPTIVE sizes the wait from the load instead. The model counts its active clients (the
// connections that ran it in the last activeWindow); a worker takes every compatible waiting request
// up to BATCHSIZE, and waits for more only while fewer are waiting than there are active clients, and
// never longer than `us` microseconds after the first request arrived. One client: the target is one
// request, so a run never waits. Many clients: their requests, which arrive while the previous batch
// runs, are gathered into one run. ADAPTIVE needs BATCHSIZE and replaces MINBATCHSIZE and
// MINBATCHTIMEOUT; RedisAI's syntax keeps its meaning. AI.MODELGET keeps RedisAI's reply layout and
// does not show it.

// activeWindow is how long a client counts as active after its last request or reply. It must
// exceed a client's think time between runs; a client that leaves costs the others at most one budget
// per run for this long.
var activeWindow = 100 * time.Millisecond

// parseAdaptive reads the optional ADAPTIVE <us> after RedisAI's batching options.
func parseAdaptive(c *cursor, model *ModelValue) string {
	if !c.advanceIf("ADAPTIVE") {
		return ""
	}
	us, ok := parseUnsigned(c.next())
	if !ok || us == 0 || us > uint64(time.Minute/time.Microsecond) {
		return "ERR Invalid argument for ADAPTIVE: want a wait budget in microseconds, 1 to 60000000"
	}
	if model.BatchSize == 0 {
		return "ERR ADAPTIVE specified without BATCHSIZE"
	}
	if model.MinBatchSize > 0 {
		return "ERR ADAPTIVE replaces MINBATCHSIZE and MINBATCHTIMEOUT: give one or the other"
	}
	model.AdaptiveWait = us
	return ""
}

// adaptiveBatchWait is the ADAPTIVE rule: wait for one request per active client (at most
// BATCHSIZE), at most the budget.
func adaptiveBatchWait(model *ModelValue, now time.Time) (int64, time.Duration) {
	target := int64(model.clients.active(now))
	if target > int64(model.BatchSize) {
		target = int64(model.BatchSize)
	}
	return target, time.Duration(model.AdaptiveWait) * time.Microsecond
}

// activeClients remembers when each client last submitted a run of one model.
type activeClients struct {
	mu       sync.Mutex
	lastSeen map[any]time.Time
}

func (a *activeClients) seen(client any, now time.Time) {
	if client == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lastSeen == nil {
		a.lastSeen = map[any]time.Time{}
	}
	a.lastSeen[client] = now
}

// active counts the clients seen within activeWindow and forgets the others.
func (a *activeClients) active(now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for c, t := range a.lastSeen {
		if now.Sub(t) > activeWindow {
			delete(a.lastSeen, c)
			continue
		}
		n++
	}
	return n
}
