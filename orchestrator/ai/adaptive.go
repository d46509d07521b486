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
// batches. ADAPTIVE sizes the wait from the traffic instead. A worker takes every compatible waiting
// request up to BATCHSIZE; it waits for more only while fewer are waiting than the target, and never
// longer than `us` microseconds after the first request of the batch arrived. The target is the
// smallest of BATCHSIZE, the model's active clients (connections that used it within activeWindow)
// and three quarters of the previous batch (rounded up). One client: the target is one request, so a
// run never waits. Many clients: with blocking clients, the clients of one batch come back while the
// next runs, so most of the previous batch is what the next can reach without waiting on a timer
// (the last quarter, the stragglers, would cost the most waiting); when more are already waiting the
// batch takes them all and the target grows, and when clients leave it shrinks to what arrives
// within the budget. ADAPTIVE needs BATCHSIZE and replaces MINBATCHSIZE and MINBATCHTIMEOUT;
// RedisAI's syntax keeps its meaning. AI.MODELGET keeps RedisAI's reply layout and does not show it.

// activeWindow is how long a client counts as active after its last request or reply. It must
// exceed a client's think time between runs; a client that leaves costs the others at most one budget
// per run for this long.
const activeWindow = 100 * time.Millisecond

// parseAdaptive reads the optional ADAPTIVE <us> after RedisAI's batching options.
func parseAdaptive(c *cursor, model *ModelValue) error {
	if !c.advanceIf("ADAPTIVE") {
		return nil
	}
	us, ok := parseUnsigned(c.next())
	if !ok || us == 0 || us > uint64(time.Minute/time.Microsecond) {
		return replyError("ERR Invalid argument for ADAPTIVE: want a wait budget in microseconds, 1 to 60000000")
	}
	if model.BatchSize == 0 {
		return replyError("ERR ADAPTIVE specified without BATCHSIZE")
	}
	if model.MinBatchSize > 0 {
		return replyError("ERR ADAPTIVE replaces MINBATCHSIZE and MINBATCHTIMEOUT: give one or the other")
	}
	model.AdaptiveWait = us
	return nil
}

// adaptiveBatchReady is the ADAPTIVE rule for a batch of total samples led by r (see above).
func adaptiveBatchReady(r *request, total int64, now time.Time) (ready bool, deadline time.Time) {
	model := r.model
	target := min(int64(model.clients.active(now)), int64(model.BatchSize), max((model.clients.lastBatch()*3+3)/4, 1))
	budgetEnd := r.enqueued.Add(time.Duration(model.AdaptiveWait) * time.Microsecond)
	if total >= target || !now.Before(budgetEnd) {
		model.clients.batchTaken(total)
		return true, time.Time{}
	}
	return false, budgetEnd
}

// activeClients remembers when each client last used one model, and the size of its last batch.
type activeClients struct {
	mu       sync.Mutex
	lastSeen map[any]time.Time
	last     int64
}

// arrived records a request of client queued at now.
func (a *activeClients) arrived(client any, now time.Time) { a.seen(client, now) }

// replied records that client got its reply at now: its think time starts.
func (a *activeClients) replied(client any, now time.Time) { a.seen(client, now) }

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

func (a *activeClients) batchTaken(size int64) {
	a.mu.Lock()
	a.last = size
	a.mu.Unlock()
}

func (a *activeClients) lastBatch() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
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
