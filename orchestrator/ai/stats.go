package ai

import (
	"sync"
	"sync/atomic"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// Kinds of run statistics, as AI.INFO names them.
const (
	statsModel  = "MODEL"
	statsScript = "SCRIPT"
)

// Stats are the run statistics of one stored model or script (AI.INFO). The counters change while the
// value they belong to stays immutable, so they are atomics shared by pointer.
type Stats struct {
	key     []byte
	kind    string
	backend string
	device  string
	tag     []byte

	durationUS atomic.Int64
	samples    atomic.Int64
	calls      atomic.Int64
	errors     atomic.Int64
}

func newStats(key []byte, kind, backend, device string, tag []byte) *Stats {
	return &Stats{key: append([]byte(nil), key...), kind: kind, backend: backend, device: device, tag: tag}
}

// record adds one run: its duration, the samples it processed (dim 0 of the first output) and
// whether it failed.
func (s *Stats) record(durationUS, samples int64, failed bool) {
	s.durationUS.Add(durationUS)
	s.samples.Add(samples)
	s.calls.Add(1)
	if failed {
		s.errors.Add(1)
	}
}

func (s *Stats) reset() {
	s.durationUS.Store(0)
	s.samples.Store(0)
	s.calls.Store(0)
	s.errors.Store(0)
}

// statsRegistry is RedisAI's RunStats dictionary: one entry per stored model or script, replaced on
// every store. RedisAI drops an entry when its value is freed (DEL, overwrite, FLUSHALL); the server
// owns deletion here, so an entry counts only while its key still holds the value it was made for.
type statsRegistry struct {
	mu      sync.Mutex
	entries map[string]*Stats
}

func newStatsRegistry() *statsRegistry { return &statsRegistry{entries: map[string]*Stats{}} }

func (r *statsRegistry) store(key []byte, s *Stats) {
	r.mu.Lock()
	r.entries[string(key)] = s
	r.mu.Unlock()
}

// lookup returns the live entry for key, forgetting it if the key no longer holds its value.
func (r *statsRegistry) lookup(ks command.Keyspace, key []byte) *Stats {
	r.mu.Lock()
	s := r.entries[string(key)]
	r.mu.Unlock()
	if s == nil {
		return nil
	}
	if statsOf(ks, key) != s {
		r.forget(key, s)
		return nil
	}
	return s
}

// live returns the live entries of one kind, pruning the stale ones.
func (r *statsRegistry) live(ks command.Keyspace, kind string) []*Stats {
	r.mu.Lock()
	all := make([]*Stats, 0, len(r.entries))
	for _, s := range r.entries {
		all = append(all, s)
	}
	r.mu.Unlock()
	var out []*Stats
	for _, s := range all {
		if statsOf(ks, s.key) != s {
			r.forget(s.key, s)
			continue
		}
		if s.kind == kind {
			out = append(out, s)
		}
	}
	return out
}

func (r *statsRegistry) forget(key []byte, s *Stats) {
	r.mu.Lock()
	if r.entries[string(key)] == s {
		delete(r.entries, string(key))
	}
	r.mu.Unlock()
}

func statsOf(ks command.Keyspace, key []byte) *Stats {
	v, ok := ks.Get(key)
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case *ModelValue:
		return v.stats
	case *ScriptValue:
		return v.stats
	}
	return nil
}

// info is AI.INFO key [RESETSTAT].
func (m *Module) info(ctx *command.Ctx, args [][]byte) {
	if len(args) < 2 || len(args) > 3 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	s := m.stats.lookup(ctx.Keys, args[1])
	if s == nil {
		ctx.Reply.Error(errNoRunInfo)
		return
	}
	if len(args) == 3 && isWord(args[2], "RESETSTAT") {
		s.reset()
		ctx.Reply.SimpleString("OK")
		return
	}
	r := ctx.Reply
	r.Array(18)
	r.BulkString("key")
	r.Bulk(s.key)
	r.BulkString("type")
	r.BulkString(s.kind)
	r.BulkString("backend")
	r.BulkString(s.backend)
	r.BulkString("device")
	r.BulkString(s.device)
	r.BulkString("tag")
	r.Bulk(nonNil(s.tag))
	r.BulkString("duration")
	r.Int(s.durationUS.Load())
	r.BulkString("samples")
	if s.kind == statsModel {
		r.Int(s.samples.Load())
	} else {
		r.Int(-1)
	}
	r.BulkString("calls")
	r.Int(s.calls.Load())
	r.BulkString("errors")
	r.Int(s.errors.Load())
}
