package orchestrator

import (
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/persist"
)

// This file is the keyspace's side of persistence: it counts changes for the save points, hands every
// change to the append-only log in the order the shard locks give them, and takes consistent snapshots
// without stopping writers.
//
// A snapshot is copy-on-write at shard granularity. Values are immutable, so a shard's state is its
// map of pointers. BeginSnapshot takes every shard lock for an instant and marks each shard: the
// first write to a marked shard copies the shard's entries into the snapshot before changing
// anything, and the snapshot's reader copies the shards nobody wrote to. Writers are held up for the
// instant of marking plus, at most, one copy of a 1/256th of the keys.

// changing is called under s's write lock before every change.
func (ks *Keyspace) changing(s *keyspaceShard) {
	if s.snap != nil {
		*s.snap = snapshotLocked(s)
		s.snap = nil
	}
	s.changes.Add(1)
}

// Changes is the number of writes since the keyspace was created (dirty counts are differences).
func (ks *Keyspace) Changes() int64 {
	var n int64
	for i := range ks.shards {
		n += ks.shards[i].changes.Load()
	}
	return n
}

// logEntry records key's new value in the log, if one is attached, and reports whether it did.
func (ks *Keyspace) logEntry(key []byte, v command.Value) bool {
	l := ks.log.Load()
	if l == nil {
		return false
	}
	pv, err := persistValue(v)
	if err != nil {
		panic(err) // every value type the server stores is convertible (persist_values.go)
	}
	l.Append(persist.EntryRecord(key, pv))
	return true
}

func (ks *Keyspace) logChange(r persist.Record) {
	if l := ks.log.Load(); l != nil {
		l.Append(r)
	}
}

// waitLog returns once this goroutine's changes are in the log file (the reply to a write is sent
// after that, as Redis writes its AOF buffer before answering).
func (ks *Keyspace) waitLog() {
	if l := ks.log.Load(); l != nil {
		l.WaitAll()
	}
}

// keyspaceSnapshot is the keyspace as it was when BeginSnapshot returned.
type keyspaceSnapshot struct {
	ks     *Keyspace
	shards [keyspaceShards][]keyValue
	// Pause is how long writers were held up while the snapshot was marked.
	Pause time.Duration
}

// beginSnapshot marks every shard for copy-on-write at one instant; atInstant runs at that instant,
// with every shard locked (the log's rewrite starts collecting there).
func (ks *Keyspace) beginSnapshot(atInstant func()) *keyspaceSnapshot {
	snap := &keyspaceSnapshot{ks: ks}
	start := time.Now()
	for i := range ks.shards {
		ks.shards[i].mu.Lock()
	}
	for i := range ks.shards {
		ks.shards[i].snap = &snap.shards[i]
	}
	if atInstant != nil {
		atInstant()
	}
	for i := len(ks.shards) - 1; i >= 0; i-- {
		ks.shards[i].mu.Unlock()
	}
	snap.Pause = time.Since(start)
	return snap
}

// shard returns shard i's entries as of the snapshot, copying them now if no writer has.
func (snap *keyspaceSnapshot) shard(i int) []keyValue {
	s := &snap.ks.shards[i]
	s.mu.Lock()
	if s.snap == &snap.shards[i] {
		*s.snap = snapshotLocked(s)
		s.snap = nil
	}
	s.mu.Unlock()
	out := snap.shards[i]
	snap.shards[i] = nil // let the copy go once written
	return out
}

// emit hands every entry of the snapshot to fn in persistent form.
func (snap *keyspaceSnapshot) emit(fn persist.Emit) error {
	for i := range snap.shards {
		for _, kv := range snap.shard(i) {
			pv, err := persistValue(kv.val)
			if err != nil {
				return err
			}
			if err := fn([]byte(kv.key), pv); err != nil {
				return err
			}
		}
	}
	return nil
}

// abandon releases the shards a failed snapshot did not copy.
func (snap *keyspaceSnapshot) abandon() {
	for i := range snap.shards {
		snap.shard(i)
	}
}

// restore stores a loaded value without the maxmemory check (Redis loads its files whatever the
// limit) and without logging it.
func (ks *Keyspace) restore(key []byte, v command.Value) {
	s := ks.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[string(key)]; e != nil {
		ks.used.Add(entrySize(key, v) - entrySize(key, e.val))
		e.val = v
		e.owned.Store(false) // a loaded value's bytes may share the file's buffer
		return
	}
	s.m[string(key)] = &entry{val: v}
	ks.count.Add(1)
	ks.used.Add(entrySize(key, v))
}
