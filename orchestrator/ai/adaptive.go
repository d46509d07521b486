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
// request up to BATCHSIZE and runs them at once unless more are on their way, which it judges from
// two things the model keeps: its active clients (connections that used it within activeWindow) and
// the mean gap between its requests' arrivals. It waits while fewer requests are waiting than
// there are active clients and requests are still arriving (the last arrived less than two mean gaps
// ago), and never longer than `us` microseconds after the first request of the batch arrived. One
// client: the target is one request, so a run never waits. Many clients: the run gathers the
// requests that stream in behind the first, and stops waiting as soon as the stream pauses. ADAPTIVE
// needs BATCHSIZE and replaces MINBATCHSIZE and MINBATCHTIMEOUT; RedisAI's syntax keeps its meaning.
// AI.MODELGET keeps RedisAI's reply layout and does not show it.

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

// adaptiveBatchReady is the ADAPTIVE rule for a batch of total samples led by r (see above).
func adaptiveBatchReady(r *request, total int64, now time.Time) (ready bool, deadline time.Time) {
	model := r.model
	target := int64(model.clients.active(now))
	if target > int64(model.BatchSize) {
		target = int64(model.BatchSize)
	}
	budgetEnd := r.enqueued.Add(time.Duration(model.AdaptiveWait) * time.Microsecond)
	streamEnd := model.clients.streamEnd()
	if total >= target || !now.Before(budgetEnd) || !now.Before(streamEnd) {
		return true, time.Time{}
	}
	if streamEnd.Before(budgetEnd) {
		return false, streamEnd
	}
	return false, budgetEnd
}

// activeClients remembers when each client last used one model, and the rhythm of its requests.
type activeClients struct {
	mu       sync.Mutex
	lastSeen map[any]time.Time
	// lastArrival is when the model's last request was queued; meanGap is a moving average of the
	// gaps between arrivals (each gap capped at activeWindow, so a pause does not skew it for long).
	lastArrival time.Time
	meanGap     time.Duration
}

// arrived records a request of client queued at now.
func (a *activeClients) arrived(client any, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.lastArrival.IsZero() {
		gap := min(now.Sub(a.lastArrival), activeWindow)
		if a.meanGap == 0 {
			a.meanGap = gap
		} else {
			a.meanGap += (gap - a.meanGap) / 8
		}
	}
	a.lastArrival = now
	a.seenLocked(client, now)
}

// replied records that client got its reply at now: its think time starts.
func (a *activeClients) replied(client any, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seenLocked(client, now)
}

func (a *activeClients) seenLocked(client any, now time.Time) {
	if client == nil {
		return
	}
	if a.lastSeen == nil {
		a.lastSeen = map[any]time.Time{}
	}
	a.lastSeen[client] = now
}

// streamEnd is when the arrivals count as paused: two mean gaps after the last one.
func (a *activeClients) streamEnd() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastArrival.Add(2 * a.meanGap)
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
