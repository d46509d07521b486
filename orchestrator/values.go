package orchestrator

import (
	"sync/atomic"

	"github.com/ssrun/ssrun/orchestrator/command"
)

var (
	_ command.BufferValue = (*stringValue)(nil)
	_ command.Value       = (*hashValue)(nil)
	_ command.Value       = (*listValue)(nil)
)

// Per-value bookkeeping overheads, in bytes, counted in used_memory on top of the payload.
const (
	valueOverhead   = 16
	elementOverhead = 16
)

// stringValue is a Redis string. The bytes are never modified after the value is stored.
type stringValue struct{ b []byte }

func (*stringValue) TypeName() string { return "string" }
func (v *stringValue) MemSize() int64 { return int64(len(v.b)) + valueOverhead }

// Buffer implements command.BufferValue.
func (v *stringValue) Buffer() []byte { return v.b }

// hashValue is a Redis hash. Fields keep their insertion order, as Redis's small (listpack) hashes do,
// so HGETALL answers are deterministic. Writers copy it (copy-on-write) and store the copy.
type hashValue struct {
	fields []string
	values [][]byte
	index  map[string]int
	size   int64
}

func newHashValue() *hashValue { return &hashValue{index: map[string]int{}} }

func (*hashValue) TypeName() string { return "hash" }
func (h *hashValue) MemSize() int64 { return h.size + valueOverhead }

func (h *hashValue) get(field []byte) ([]byte, bool) {
	i, ok := h.index[string(field)]
	if !ok {
		return nil, false
	}
	return h.values[i], true
}

func (h *hashValue) clone() *hashValue {
	c := &hashValue{
		fields: append([]string(nil), h.fields...),
		values: append([][]byte(nil), h.values...),
		index:  make(map[string]int, len(h.index)+1),
		size:   h.size,
	}
	for k, v := range h.index {
		c.index[k] = v
	}
	return c
}

// set stores field=value in h (which must be a private copy) and reports whether the field is new.
func (h *hashValue) set(field, value []byte) bool {
	if i, ok := h.index[string(field)]; ok {
		h.size += int64(len(value)) - int64(len(h.values[i]))
		h.values[i] = value
		return false
	}
	h.index[string(field)] = len(h.fields)
	h.fields = append(h.fields, string(field))
	h.values = append(h.values, value)
	h.size += int64(len(field)+len(value)) + elementOverhead
	return true
}

// without returns a copy of h lacking the given fields, and how many of them it had.
func (h *hashValue) without(fields [][]byte) (*hashValue, int) {
	drop := map[string]bool{}
	for _, f := range fields {
		if _, ok := h.index[string(f)]; ok {
			drop[string(f)] = true
		}
	}
	if len(drop) == 0 {
		return h, 0
	}
	c := newHashValue()
	for i, f := range h.fields {
		if !drop[f] {
			c.set([]byte(f), h.values[i])
		}
	}
	return c, len(drop)
}

// listValue is a Redis list, stored as two stacks: head holds LPUSHed elements (last pushed = first
// element) and tail holds RPUSHed ones. Each stack is an append-only segment that several immutable
// values may share: a push extends the segment in place only when the value being extended is the
// segment's longest view (claimed with a compare-and-swap), otherwise it copies. So LPUSH/RPUSH cost
// O(1) amortised while every stored value stays immutable.
type listValue struct {
	head, tail segmentView
	size       int64
}

// segment is shared backing storage; used is how many slots some view has claimed.
type segment struct {
	items [][]byte
	used  atomic.Int64
}

type segmentView struct {
	seg *segment
	n   int
	off int // elements dropped from the bottom of the stack (pops from the far end)
}

func (v segmentView) len() int { return v.n - v.off }

// at returns the i-th element counting from the bottom of the stack.
func (v segmentView) at(i int) []byte { return v.seg.items[v.off+i] }

// push returns a view with elems appended on top of v. The segment's slice header is never changed
// after creation (readers of other views index it concurrently); only slots above every view are written.
func (v segmentView) push(elems [][]byte) segmentView {
	if v.seg != nil && v.n+len(elems) <= len(v.seg.items) &&
		v.seg.used.CompareAndSwap(int64(v.n), int64(v.n+len(elems))) {
		copy(v.seg.items[v.n:], elems)
		v.n += len(elems)
		return v
	}
	m := v.len()
	items := make([][]byte, max(2*(m+len(elems)), 8))
	for i := 0; i < m; i++ {
		items[i] = v.at(i)
	}
	copy(items[m:], elems)
	seg := &segment{items: items}
	seg.used.Store(int64(m + len(elems)))
	return segmentView{seg: seg, n: m + len(elems)}
}

func (*listValue) TypeName() string { return "list" }
func (l *listValue) MemSize() int64 { return l.size + valueOverhead }

func (l *listValue) Len() int { return l.head.len() + l.tail.len() }

// At returns element i (0 = leftmost).
func (l *listValue) At(i int) []byte {
	if h := l.head.len(); i < h {
		return l.head.at(h - 1 - i)
	} else {
		return l.tail.at(i - h)
	}
}

func elementsSize(elems [][]byte) int64 {
	var n int64
	for _, e := range elems {
		n += int64(len(e)) + elementOverhead
	}
	return n
}

// LPush returns l with elems pushed on the left one after another (so the last ends up first).
func (l *listValue) LPush(elems [][]byte) *listValue {
	return &listValue{head: l.head.push(elems), tail: l.tail, size: l.size + elementsSize(elems)}
}

// RPush returns l with elems appended on the right.
func (l *listValue) RPush(elems [][]byte) *listValue {
	return &listValue{head: l.head, tail: l.tail.push(elems), size: l.size + elementsSize(elems)}
}

// fromElements builds a list holding elems left to right.
func fromElements(elems [][]byte) *listValue {
	return (&listValue{}).RPush(elems)
}

// elements returns the elements from start to stop inclusive (already clamped by the caller).
func (l *listValue) elements(start, stop int) [][]byte {
	out := make([][]byte, 0, max(stop-start+1, 0))
	for i := start; i <= stop; i++ {
		out = append(out, l.At(i))
	}
	return out
}

// Pop removes up to n elements from the left (left=true) or right and returns them with the new list.
func (l *listValue) Pop(n int, left bool) (*listValue, [][]byte) {
	n = min(n, l.Len())
	var popped [][]byte
	if left {
		popped = l.elements(0, n-1)
	} else {
		for i := 0; i < n; i++ {
			popped = append(popped, l.At(l.Len()-1-i))
		}
	}
	nl := &listValue{head: l.head, tail: l.tail, size: l.size - elementsSize(popped)}
	for i := 0; i < n; i++ {
		nl.dropOne(left)
	}
	return nl, popped
}

// dropOne removes one element from the given end. Views only shrink, never mutate shared storage.
func (l *listValue) dropOne(left bool) {
	near, far := &l.tail, &l.head
	if left {
		near, far = &l.head, &l.tail
	}
	if near.len() > 0 {
		near.n-- // top of the near stack is the element at that end
		return
	}
	far.off++ // the bottom of the far stack is the element at this end
}
