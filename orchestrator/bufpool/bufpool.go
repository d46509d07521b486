// Package bufpool keeps freed byte buffers of exact sizes for reuse.
//
// A garbage-collected server storing large values pays, for every write, what redis-server's
// jemalloc does not: a fresh allocation, zeroed by the runtime, on memory the cache has not seen
// since the last collection, and a collection sooner for every byte allocated. When a write replaces
// a value nothing else ever saw, the old value's buffer is exactly what the next request of that size
// needs; a Pool hands it over.
//
// Buffers are pooled by exact capacity, since a stored value is allocated at exactly its size (its
// length is what memory accounting counts). Each size has its own sync.Pool, so what is not reused is
// still released by the collector within two cycles, and no size can hold memory indefinitely.
package bufpool

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Pool hands out byte buffers of an exact size, reusing those given back with Put.
type Pool struct {
	min, max int
	sizes    sync.Map // int → *sync.Pool
	count    atomic.Int64
}

// maxSizes bounds the number of distinct sizes pooled: a workload of ever-changing sizes gains
// nothing from pooling and must not grow the table without end.
const maxSizes = 1024

// New returns a pool of buffers from min to max bytes. Smaller buffers come from Go's size-class
// caches cheaply enough; larger ones are not kept.
func New(min, max int) *Pool { return &Pool{min: min, max: max} }

// Get returns a buffer of length and capacity n. Its contents are undefined (a reused buffer still
// holds its last value): the caller overwrites all of it before anyone reads it.
func (p *Pool) Get(n int) []byte {
	if sp := p.sizePool(n, false); sp != nil {
		if ptr := sp.Get(); ptr != nil {
			return unsafe.Slice((*byte)(ptr.(unsafe.Pointer)), n)
		}
	}
	return make([]byte, n)
}

// Put gives b's memory back for reuse. The caller guarantees that nothing references b any more.
func (p *Pool) Put(b []byte) {
	n := cap(b)
	if sp := p.sizePool(n, true); sp != nil {
		// The pointer to the first byte keeps the whole allocation alive and needs no boxing.
		sp.Put(unsafe.Pointer(unsafe.SliceData(b)))
	}
}

// sizePool returns the sync.Pool of buffers of n bytes, nil when n is not pooled; create adds one for
// a new size while fewer than maxSizes exist.
func (p *Pool) sizePool(n int, create bool) *sync.Pool {
	if p == nil || n < p.min || n > p.max {
		return nil
	}
	if sp, ok := p.sizes.Load(n); ok {
		return sp.(*sync.Pool)
	}
	if !create || p.count.Load() >= maxSizes {
		return nil
	}
	sp, loaded := p.sizes.LoadOrStore(n, &sync.Pool{})
	if !loaded {
		p.count.Add(1)
	}
	return sp.(*sync.Pool)
}
