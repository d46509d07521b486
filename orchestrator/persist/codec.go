package persist

import (
	"encoding/binary"
	"fmt"
	"math"
)

// bigSegment is the size from which a byte string is referenced rather than copied while a record is
// built: tensor data and model blobs go to the file straight from the stored value.
const bigSegment = 512

// encoder builds a record payload as a list of segments: small fields are appended to a scratch
// buffer, large byte strings are referenced where they are.
type encoder struct {
	segs [][]byte
	cur  []byte
	n    int
}

func (e *encoder) byte(b byte) { e.cur = append(e.cur, b); e.n++ }

func (e *encoder) bool(b bool) {
	if b {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

func (e *encoder) uvarint(x uint64) {
	before := len(e.cur)
	e.cur = binary.AppendUvarint(e.cur, x)
	e.n += len(e.cur) - before
}

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	if len(b) < bigSegment {
		e.cur = append(e.cur, b...)
		e.n += len(b)
		return
	}
	e.flushCur()
	e.segs = append(e.segs, b)
	e.n += len(b)
}

func (e *encoder) str(s string) { e.bytes([]byte(s)) }

func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// flushCur closes the scratch segment; later appends start a new one past its end, so the closed
// segment is never written again.
func (e *encoder) flushCur() {
	if len(e.cur) > 0 {
		e.segs = append(e.segs, e.cur)
		e.cur = e.cur[len(e.cur):]
	}
}

func (e *encoder) segments() [][]byte {
	e.flushCur()
	return e.segs
}

// decoder reads a payload. The first error sticks; later reads return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) < 1 {
		d.fail("payload ends early")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("invalid boolean")
	return false
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("invalid length or number")
		return 0
	}
	d.b = d.b[n:]
	return x
}

// count reads an element count and checks that the payload could hold that many elements of at
// least minSize bytes each, so a corrupt count cannot make the loader allocate without bound.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/minSize) {
		d.fail("count %d exceeds the record", n)
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) || n > math.MaxInt {
		d.fail("byte string of %d bytes exceeds the record", n)
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

func (d *decoder) str() string { return string(d.bytes()) }

func (d *decoder) strs() []string {
	n := d.count(1)
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.str())
	}
	return out
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d unexpected bytes at the end of the record", len(d.b))
	}
	return d.err
}
