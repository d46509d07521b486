package orchestrator

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/persist"
)

// keyspaceShards is the number of independently locked partitions. Many clients writing different keys
// rarely contend; 256 keeps the per-shard maps small without wasting memory on an empty server.
const keyspaceShards = 256

// keyOverhead approximates the bytes a key costs beyond its name and value (map entry, headers), so that
// used_memory grows with the number of keys as it does in Redis.
const keyOverhead = 64

// Keyspace is the server's store: a map split into shards, each behind its own RWMutex. Values are
// immutable (command.Value), so a lock is held only to swap a pointer, never while a value is built or
// copied. It counts the bytes it holds for maxmemory and INFO memory.
type Keyspace struct {
	seed      maphash.Seed
	shards    [keyspaceShards]keyspaceShard
	used      atomic.Int64
	peak      atomic.Int64 // the highest used has been (INFO's used_memory_peak)
	count     atomic.Int64
	maxmemory atomic.Int64
	// log, when set, receives every change (the append-only log, keyspace_persist.go).
	log atomic.Pointer[persist.Log]
}

type keyspaceShard struct {
	mu sync.RWMutex
	m  map[string]*entry
	// seq numbers the shard's writes; each entry keeps the number of its last write, which is how
	// WATCH notices that a key changed.
	seq uint64
	// changes counts writes for the save points; snap is where a snapshot in progress wants this
	// shard's entries copied before the next write (keyspace_persist.go).
	changes atomic.Int64
	snap    *[]keyValue
	_       [32]byte // keep neighbouring shards' locks off one cache line
}

// entry boxes a stored value so that overwriting a key swaps a pointer field instead of assigning a
// map element, which would allocate the key string again.
type entry struct {
	val command.Value
	ver uint64 // the shard's seq at the last write
}

// NewKeyspace returns an empty keyspace; maxmemory 0 means unlimited.
func NewKeyspace(maxmemory int64) *Keyspace {
	ks := &Keyspace{seed: maphash.MakeSeed()}
	for i := range ks.shards {
		ks.shards[i].m = make(map[string]*entry)
	}
	ks.maxmemory.Store(maxmemory)
	return ks
}

var _ command.Keyspace = (*Keyspace)(nil)

func (ks *Keyspace) shardIndex(key []byte) int {
	return int(maphash.Bytes(ks.seed, key) % keyspaceShards)
}

func (ks *Keyspace) shard(key []byte) *keyspaceShard { return &ks.shards[ks.shardIndex(key)] }

func entrySize(key []byte, v command.Value) int64 {
	return int64(len(key)) + keyOverhead + v.MemSize()
}

// UsedMemory is the number of bytes accounted to keys and values.
func (ks *Keyspace) UsedMemory() int64 { return ks.used.Load() }

// PeakMemory is the most UsedMemory has been since the keyspace was made.
func (ks *Keyspace) PeakMemory() int64 { return ks.peak.Load() }

// notePeak raises the peak to used when used is above it (a load, and a store only at a new peak).
func (ks *Keyspace) notePeak(used int64) {
	for p := ks.peak.Load(); used > p && !ks.peak.CompareAndSwap(p, used); p = ks.peak.Load() {
	}
}

// MaxMemory is the limit past which writes are refused (0: none).
func (ks *Keyspace) MaxMemory() int64 { return ks.maxmemory.Load() }

// SetMaxMemory changes the limit (CONFIG SET maxmemory).
func (ks *Keyspace) SetMaxMemory(n int64) { ks.maxmemory.Store(n) }

// OverMemory reports whether used memory already exceeds maxmemory: Redis then refuses every command
// flagged deny-oom, before it runs.
func (ks *Keyspace) OverMemory() bool {
	limit := ks.maxmemory.Load()
	return limit > 0 && ks.used.Load() > limit
}

// Len is the number of keys (DBSIZE).
func (ks *Keyspace) Len() int64 { return ks.count.Load() }

// admit reports whether growing used memory by delta stays within maxmemory.
func (ks *Keyspace) admit(delta int64) bool {
	limit := ks.maxmemory.Load()
	return delta <= 0 || limit <= 0 || ks.used.Load()+delta <= limit
}

// Get returns the value stored at key.
func (ks *Keyspace) Get(key []byte) (command.Value, bool) {
	s := ks.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return getLocked(s, key)
}

func getLocked(s *keyspaceShard, key []byte) (command.Value, bool) {
	e := s.m[string(key)]
	if e == nil {
		return nil, false
	}
	return e.val, true
}

// Put stores v at key, replacing any previous value, unless that would exceed maxmemory.
func (ks *Keyspace) Put(key []byte, v command.Value) error {
	s := ks.shard(key)
	s.mu.Lock()
	err := ks.putLocked(s, key, v)
	s.mu.Unlock()
	ks.waitLog()
	return err
}

func (ks *Keyspace) putLocked(s *keyspaceShard, key []byte, v command.Value) error {
	e := s.m[string(key)]
	delta := entrySize(key, v)
	if e != nil {
		delta -= entrySize(key, e.val)
	}
	if !ks.admit(delta) {
		return command.ErrOOM
	}
	ks.changing(s)
	ks.logEntry(key, v)
	s.seq++
	if e != nil {
		e.val, e.ver = v, s.seq
	} else {
		s.m[string(key)] = &entry{val: v, ver: s.seq}
		ks.count.Add(1)
	}
	if delta != 0 { // same-size overwrites leave the shared counter's cache line alone
		ks.notePeak(ks.used.Add(delta))
	}
	return nil
}

// Delete removes key and reports whether it existed.
func (ks *Keyspace) Delete(key []byte) bool {
	s := ks.shard(key)
	s.mu.Lock()
	ok := ks.deleteLocked(s, key)
	s.mu.Unlock()
	ks.waitLog()
	return ok
}

func (ks *Keyspace) deleteLocked(s *keyspaceShard, key []byte) bool {
	e := s.m[string(key)]
	if e == nil {
		return false
	}
	ks.changing(s)
	ks.logChange(persist.DeleteRecord(key))
	ks.dropLocked(s, key)
	return true
}

// dropLocked removes an existing key without recording a change (Rename records its own).
func (ks *Keyspace) dropLocked(s *keyspaceShard, key []byte) {
	e := s.m[string(key)]
	delete(s.m, string(key))
	ks.used.Add(-entrySize(key, e.val))
	ks.count.Add(-1)
}

// Update runs fn under the key's lock and applies its result (see command.Keyspace).
func (ks *Keyspace) Update(key []byte, fn func(old command.Value, ok bool) (command.Value, bool, error)) error {
	s := ks.shard(key)
	s.mu.Lock()
	err := ks.updateLocked(s, key, fn)
	s.mu.Unlock()
	ks.waitLog()
	return err
}

func (ks *Keyspace) updateLocked(s *keyspaceShard, key []byte, fn func(old command.Value, ok bool) (command.Value, bool, error)) error {
	var old command.Value
	e := s.m[string(key)]
	if e != nil {
		old = e.val
	}
	nv, del, err := fn(old, e != nil)
	switch {
	case err != nil:
		return err
	case nv != nil:
		return ks.putLocked(s, key, nv)
	case del:
		ks.deleteLocked(s, key)
	}
	return nil
}

// Range calls fn for every key until fn returns false. Each shard is copied under its read lock and fn
// runs without any lock held, so fn may itself read or write the keyspace.
func (ks *Keyspace) Range(fn func(key []byte, v command.Value) bool) {
	for i := range ks.shards {
		if !ks.rangeShard(i, fn) {
			return
		}
	}
}

type keyValue struct {
	key string
	val command.Value
}

// snapshotShard returns shard i's entries.
func (ks *Keyspace) snapshotShard(i int) []keyValue {
	s := &ks.shards[i]
	s.mu.RLock()
	defer s.mu.RUnlock()
	return snapshotLocked(s)
}

func snapshotLocked(s *keyspaceShard) []keyValue {
	out := make([]keyValue, 0, len(s.m))
	for k, e := range s.m {
		out = append(out, keyValue{k, e.val})
	}
	return out
}

func (ks *Keyspace) rangeShard(i int, fn func(key []byte, v command.Value) bool) bool {
	return visit(ks.snapshotShard(i), fn)
}

func visit(entries []keyValue, fn func(key []byte, v command.Value) bool) bool {
	for _, kv := range entries {
		if !fn([]byte(kv.key), kv.val) {
			return false
		}
	}
	return true
}

// Rename moves src's value to dst atomically (both shards locked in a fixed order) and reports whether
// src existed. An existing dst is replaced.
func (ks *Keyspace) Rename(src, dst []byte) (bool, error) {
	ia, ib := ks.shardIndex(src), ks.shardIndex(dst)
	a, b := &ks.shards[ia], &ks.shards[ib]
	first, second := a, b
	if ib < ia {
		first, second = b, a
	}
	first.mu.Lock()
	if second != first {
		second.mu.Lock()
	}
	ok, err := ks.renameLocked(a, b, src, dst)
	if second != first {
		second.mu.Unlock()
	}
	first.mu.Unlock()
	ks.waitLog()
	return ok, err
}

func (ks *Keyspace) renameLocked(a, b *keyspaceShard, src, dst []byte) (bool, error) {
	e := a.m[string(src)]
	if e == nil {
		return false, nil
	}
	if string(src) == string(dst) {
		return true, nil
	}
	// Renaming never grows memory by more than the key length difference; it is not refused for memory.
	ks.changing(a)
	ks.changing(b)
	ks.logChange(persist.RenameRecord(src, dst))
	ks.dropLocked(a, src)
	if old := b.m[string(dst)]; old != nil {
		ks.used.Add(-entrySize(dst, old.val))
		ks.count.Add(-1)
	}
	b.seq++
	e.ver = b.seq
	b.m[string(dst)] = e
	ks.notePeak(ks.used.Add(entrySize(dst, e.val)))
	ks.count.Add(1)
	return true, nil
}

// Flush removes every key (FLUSHDB/FLUSHALL).
func (ks *Keyspace) Flush() {
	ks.lockAll().Flush()
	ks.unlockAll()
}

func (ks *Keyspace) flushLocked(s *keyspaceShard) {
	ks.changing(s)
	for k, e := range s.m {
		ks.used.Add(-entrySize([]byte(k), e.val))
		ks.count.Add(-1)
	}
	s.m = make(map[string]*entry)
}

// version identifies the current state of key for WATCH: 0 when absent, else its last write's number.
func (ks *Keyspace) version(key []byte) uint64 {
	s := ks.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return versionLocked(s, key)
}

func versionLocked(s *keyspaceShard, key []byte) uint64 {
	if e := s.m[string(key)]; e != nil {
		return e.ver
	}
	return 0
}

// lockAll takes every shard's write lock, in index order like Rename, so a transaction runs with no
// other command interleaved. The returned view works on the keyspace without locking.
func (ks *Keyspace) lockAll() *lockedKeyspace {
	for i := range ks.shards {
		ks.shards[i].mu.Lock()
	}
	return &lockedKeyspace{ks: ks}
}

func (ks *Keyspace) unlockAll() {
	for i := len(ks.shards) - 1; i >= 0; i-- {
		ks.shards[i].mu.Unlock()
	}
	ks.waitLog()
}
