package orchestrator

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/ssrun/ssrun/orchestrator/bufpool"
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
	// buffers holds the buffers of owned values replaced or deleted unread, for the arguments of
	// later requests (ArgBuffer).
	buffers *bufpool.Pool
}

// Buffers from reusedBufferMin to reusedBufferMax bytes are reused. Below 4 KiB Go's size-class
// caches allocate about as cheaply; measured with redis-benchmark SET -P 16 of 4 KiB values, reuse
// took server CPU per request from 2.45 to 1.53 µs, and 64 KiB SETs from 30 to 20 µs. The top is the
// largest argument the request reader allocates at once.
const (
	reusedBufferMin = 4 << 10
	reusedBufferMax = 16 << 20
)

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
	// owned says val's buffer is referenced by this entry alone: it was stored with PutOwned while no
	// log was attached, and no read, snapshot, Update or Range has handed the value out since. Only
	// then may the buffer be reused once val is replaced or deleted. Readers clear it under the read
	// lock, hence atomic; it is set only under the write lock.
	owned atomic.Bool
}

// handOut returns e's value to a reader, which may keep it: its buffer is no longer the entry's alone.
func (e *entry) handOut() command.Value {
	if e.owned.Load() {
		e.owned.Store(false)
	}
	return e.val
}

// NewKeyspace returns an empty keyspace; maxmemory 0 means unlimited.
func NewKeyspace(maxmemory int64) *Keyspace {
	ks := &Keyspace{seed: maphash.MakeSeed(), buffers: bufpool.New(reusedBufferMin, reusedBufferMax)}
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
	return e.handOut(), true
}

// TypeName returns the type of the value at key without handing the value out.
func (ks *Keyspace) TypeName(key []byte) (string, bool) {
	s := ks.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return typeNameLocked(s, key)
}

func typeNameLocked(s *keyspaceShard, key []byte) (string, bool) {
	e := s.m[string(key)]
	if e == nil {
		return "", false
	}
	return e.val.TypeName(), true
}

// Put stores v at key, replacing any previous value, unless that would exceed maxmemory.
func (ks *Keyspace) Put(key []byte, v command.Value) error {
	return ks.put(key, v, false)
}

// PutOwned is Put for a value whose buffer nothing else holds (see command.Keyspace).
func (ks *Keyspace) PutOwned(key []byte, v command.BufferValue) error {
	return ks.put(key, v, true)
}

func (ks *Keyspace) put(key []byte, v command.Value, owned bool) error {
	s := ks.shard(key)
	s.mu.Lock()
	err := ks.putLocked(s, key, v, owned)
	s.mu.Unlock()
	ks.waitLog()
	return err
}

// ArgBuffer returns an n-byte buffer for a request argument, reusing the buffer of an owned value
// replaced or deleted unread when one of that size is free. Its contents are undefined.
func (ks *Keyspace) ArgBuffer(n int) []byte { return ks.buffers.Get(n) }

// release hands the buffer of e's value, about to be dropped, back for reuse if e alone held it.
func (ks *Keyspace) release(e *entry) {
	if !e.owned.Load() {
		return
	}
	e.owned.Store(false)
	if bv, ok := e.val.(command.BufferValue); ok {
		ks.buffers.Put(bv.Buffer())
	}
}

func (ks *Keyspace) putLocked(s *keyspaceShard, key []byte, v command.Value, owned bool) error {
	e := s.m[string(key)]
	delta := entrySize(key, v)
	if e != nil {
		delta -= entrySize(key, e.val)
	}
	if !ks.admit(delta) {
		return command.ErrOOM
	}
	ks.changing(s)
	logged := ks.logEntry(key, v)
	s.seq++
	if e != nil {
		ks.release(e) // v cannot be e.val if e.owned: nobody could have handed it back
		e.val, e.ver = v, s.seq
	} else {
		e = &entry{val: v, ver: s.seq}
		s.m[string(key)] = e
		ks.count.Add(1)
	}
	// A logged value is referenced by the log's pending records until they are written.
	e.owned.Store(owned && !logged)
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
	ks.release(e)
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
		old = e.handOut() // fn may keep it (SET ... GET answers with it)
	}
	nv, del, err := fn(old, e != nil)
	switch {
	case err != nil:
		return err
	case nv != nil:
		return ks.putLocked(s, key, nv, false)
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
		out = append(out, keyValue{k, e.handOut()})
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
