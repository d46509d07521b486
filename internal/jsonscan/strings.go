package jsonscan

import "unsafe"

// Strings makes strings out of scanned bytes by copying them into shared blocks: a reader keeping
// three strings of each of 100,000 members makes a hundred allocations instead of 300,000, and the
// garbage collector has a hundred objects to trace instead. A block is never written again once a
// string points into it, so the strings are as immutable as any. The zero value is ready to use.
type Strings struct {
	block []byte
}

const stringsBlock = 64 << 10

// Make returns b as a string.
func (a *Strings) Make(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > stringsBlock/8 {
		return string(b)
	}
	if len(a.block)+len(b) > cap(a.block) {
		a.block = make([]byte, 0, stringsBlock)
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}

// Text is the package function Text, with a plain string made by a.
func (a *Strings) Text(raw []byte, plain bool) string {
	if plain {
		return a.Make(raw)
	}
	return Text(raw, plain)
}
