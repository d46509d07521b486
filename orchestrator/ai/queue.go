package ai

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/ssrun/ssrun/tensor"
)

// request is one model or script run waiting in a device queue. A model run with BATCHSIZE > 0 may be
// executed together with others (model and inputs set); anything else runs through work.
type request struct {
	enqueued time.Time
	timeout  time.Duration // TIMEOUT of the command; 0 means none

	model  *ModelValue
	inputs []*tensor.Tensor
	client any // the connection's context: who sent it, for ADAPTIVE batching (nil if unknown)
	work   func()

	// Filled by the worker before done is closed.
	outputs  []*tensor.Tensor
	err      string
	timedOut bool
	done     chan struct{}

	scan uint64 // the queue scan that last put r in a waiting batch (runQueue.pick)
}

func (r *request) finish() { close(r.done) }

// queues holds one runQueue per device string, created on first use as RedisAI creates a queue when a
// model or script names a new device.
type queues struct {
	mu      sync.Mutex
	threads int
	run     func(batch []*request)
	created func(device string) // called once per new device queue
	byName  map[string]*runQueue
	closed  bool
}

func newQueues(threads int, run func([]*request), created func(string)) *queues {
	return &queues{threads: threads, run: run, created: created, byName: map[string]*runQueue{}}
}

// names lists the devices that have a queue, sorted.
func (qs *queues) names() []string {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	out := make([]string, 0, len(qs.byName))
	for name := range qs.byName {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// get returns the device's queue, starting its workers the first time; nil after close.
func (qs *queues) get(device string) *runQueue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.closed {
		return nil
	}
	q := qs.byName[device]
	if q == nil {
		q = &runQueue{device: device, run: qs.run}
		q.cond = sync.NewCond(&q.mu)
		qs.byName[device] = q
		for i := 0; i < qs.threads; i++ {
			q.workers.Add(1)
			go q.work()
		}
		if qs.created != nil {
			qs.created(device)
		}
	}
	return q
}

// close stops every queue: waiting requests are answered at once, then cancelRun stops the runs in
// progress, and close returns when all workers have exited. The order matters: cancelling first
// would let a worker start a waiting request with a dead context.
func (qs *queues) close(cancelRun func()) {
	qs.mu.Lock()
	qs.closed = true
	all := make([]*runQueue, 0, len(qs.byName))
	for _, q := range qs.byName {
		all = append(all, q)
	}
	qs.mu.Unlock()
	for _, q := range all {
		q.stop()
	}
	cancelRun()
	for _, q := range all {
		q.workers.Wait()
	}
}

// runQueue is one device's FIFO with its workers. Workers pick the first request that is ready: its
// TIMEOUT is checked when it is taken (an expired one is answered TIMEDOUT and skipped, as in
// RedisAI), and a batchable model run waits, with the compatible runs behind it, until the batch
// reaches MINBATCHSIZE or MINBATCHTIMEOUT passes, while later unrelated requests go ahead.
type runQueue struct {
	device  string
	run     func(batch []*request)
	mu      sync.Mutex
	cond    *sync.Cond
	items   []*request
	closed  bool
	workers sync.WaitGroup
	scans   uint64      // counts pick's scans, to mark the requests a scan put in a waiting batch
	timer   *time.Timer // wakes the workers when a waiting batch's time is up; reused
}

// submit enqueues r; it reports false if the queue is closed (r is then finished with an error).
func (q *runQueue) submit(r *request) bool {
	if q == nil {
		r.err = "ERR server is shutting down"
		r.finish()
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		r.err = "ERR server is shutting down"
		r.finish()
		return false
	}
	r.enqueued = time.Now()
	if r.model != nil && r.model.AdaptiveWait > 0 {
		r.model.clients.arrived(r.client, r.enqueued)
	}
	q.items = append(q.items, r)
	q.cond.Broadcast()
	return true
}

// stop refuses new requests and answers the waiting ones; workers exit after their current run.
func (q *runQueue) stop() {
	q.mu.Lock()
	q.closed = true
	if q.timer != nil {
		q.timer.Stop()
	}
	pending := q.items
	q.items = nil
	q.cond.Broadcast()
	q.mu.Unlock()
	for _, r := range pending {
		r.err = "ERR server is shutting down"
		r.finish()
	}
}

func (q *runQueue) work() {
	defer q.workers.Done()
	for {
		batch := q.next()
		if batch == nil {
			return
		}
		q.run(batch)
	}
}

// next blocks until a request (or a batch) is ready and removes it from the queue; nil once closed.
func (q *runQueue) next() []*request {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return nil
		}
		batch, wake := q.pick(time.Now())
		if batch != nil {
			return batch
		}
		if !wake.IsZero() {
			q.wakeAt(wake)
		}
		q.cond.Wait()
	}
}

// wakeAt makes the workers look again at wake (q.mu held). One timer serves the queue: a worker that
// waits sets it to its own earliest deadline, and a worker woken early rescans and sets it again, so
// one timer per queue replaces one per wait.
func (q *runQueue) wakeAt(wake time.Time) {
	if q.timer == nil {
		q.timer = time.AfterFunc(time.Until(wake), func() {
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		})
		return
	}
	q.timer.Reset(time.Until(wake))
}

// pick scans the queue in order (q.mu held). It answers expired requests TIMEDOUT, returns the first
// ready request or batch, or reports when the earliest waiting batch times out.
func (q *runQueue) pick(now time.Time) ([]*request, time.Time) {
	var wake time.Time
	q.scans++
	for i := 0; i < len(q.items); i++ {
		r := q.items[i]
		if r.scan == q.scans {
			continue // part of a batch this scan already found waiting
		}
		if r.timeout > 0 && now.Sub(r.enqueued) > r.timeout {
			q.remove(r)
			r.timedOut = true
			r.finish()
			i--
			continue
		}
		if !batchable(r) {
			q.remove(r)
			return []*request{r}, time.Time{}
		}
		batch, total := q.collect(i)
		ready, deadline := staticBatchReady(r, total, now)
		if r.model.AdaptiveWait > 0 {
			ready, deadline = adaptiveBatchReady(r, total, now)
		}
		if ready {
			for _, b := range batch {
				q.remove(b)
			}
			return batch, time.Time{}
		}
		for _, b := range batch {
			b.scan = q.scans
		}
		if !deadline.IsZero() && (wake.IsZero() || deadline.Before(wake)) {
			wake = deadline
		}
	}
	return nil, wake
}

// staticBatchReady is RedisAI's rule for a batch of total samples led by r: run once it reaches
// MINBATCHSIZE, or once MINBATCHTIMEOUT has passed since r was queued (0: wait forever). deadline is
// when to look again, zero for never.
func staticBatchReady(r *request, total int64, now time.Time) (ready bool, deadline time.Time) {
	timeout := time.Duration(r.model.MinBatchTimeout) * time.Millisecond
	if total >= int64(r.model.MinBatchSize) || (timeout > 0 && now.Sub(r.enqueued) >= timeout) {
		return true, time.Time{}
	}
	if timeout > 0 {
		deadline = r.enqueued.Add(timeout)
	}
	return false, deadline
}

// batchable reports whether r is a model run that RedisAI would batch: BATCHSIZE set, inputs agreeing
// on a dim 0 that is positive and below BATCHSIZE.
func batchable(r *request) bool {
	if r.model == nil || r.model.BatchSize == 0 {
		return false
	}
	size := requestSize(r)
	return size > 0 && uint64(size) < r.model.BatchSize
}

// requestSize is dim 0 shared by all of r's inputs, or -1 if they disagree or have none.
func requestSize(r *request) int64 {
	if len(r.inputs) == 0 {
		return -1
	}
	size := r.inputs[0].BatchSize()
	for _, t := range r.inputs[1:] {
		if t.BatchSize() != size {
			return -1
		}
	}
	return size
}

// collect gathers, from position i on, the runs of the same model object with compatible inputs, in
// queue order, until their total size reaches BATCHSIZE (it may overshoot, as in RedisAI).
func (q *runQueue) collect(i int) ([]*request, int64) {
	first := q.items[i]
	batch := []*request{first}
	total := requestSize(first)
	for _, r := range q.items[i+1:] {
		if uint64(total) >= first.model.BatchSize {
			break
		}
		if r.model != first.model || !compatible(first, r) {
			continue
		}
		if r.timeout > 0 && time.Since(r.enqueued) > r.timeout {
			continue // it will be answered TIMEDOUT when the scan reaches it
		}
		batch = append(batch, r)
		total += requestSize(r)
	}
	return batch, total
}

func compatible(a, b *request) bool {
	if len(a.inputs) != len(b.inputs) || requestSize(b) <= 0 {
		return false
	}
	for k := range a.inputs {
		if !tensor.SameSampleShape(a.inputs[k], b.inputs[k]) {
			return false
		}
	}
	return true
}

func (q *runQueue) remove(r *request) {
	for i, x := range q.items {
		if x == r {
			q.items = append(q.items[:i], q.items[i+1:]...)
			return
		}
	}
}

// withdraw takes r out of the queue if no worker has taken it yet, and reports whether it did.
func (q *runQueue) withdraw(r *request) bool {
	if q == nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, x := range q.items {
		if x == r {
			q.remove(r)
			q.cond.Broadcast()
			return true
		}
	}
	return false
}

// await submits r to the device's queue and waits for it. If the client goes away (ctx done) while r
// is still queued, r is withdrawn so that an abandoned request never runs; once running, it finishes.
func (m *Module) await(ctx context.Context, device string, r *request) {
	q := m.queues.get(device)
	if !q.submit(r) {
		return
	}
	if ctx == nil {
		<-r.done
		return
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if q.withdraw(r) {
			r.err = "ERR client disconnected"
			r.finish()
		}
		<-r.done
	}
}
