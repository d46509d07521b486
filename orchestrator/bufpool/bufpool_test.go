package bufpool

import (
	"testing"
	"unsafe"
)

func TestGetGivesExactSizes(t *testing.T) {
	p := New(4096, 1<<20)
	for _, n := range []int{0, 1, 4095, 4096, 65536, 1 << 20, 1<<20 + 1} {
		b := p.Get(n)
		if len(b) != n || cap(b) != n {
			t.Errorf("Get(%d): len %d cap %d", n, len(b), cap(b))
		}
	}
}

// A buffer given back is handed out again for its size. sync.Pool may drop any single Put (the race
// detector drops one in four on purpose), so the test asks for reuse at least once in many rounds.
func TestPutBufferIsReused(t *testing.T) {
	p := New(4096, 1<<20)
	reused := 0
	for range 100 {
		b := p.Get(65536)
		b[0] = 'x'
		p.Put(b)
		if c := p.Get(65536); unsafe.SliceData(c) == unsafe.SliceData(b) {
			reused++
			if c[0] != 'x' {
				t.Fatal("a reused buffer was cleared: the pool should hand it over as it is")
			}
		}
	}
	if reused == 0 {
		t.Fatal("no buffer was reused in 100 rounds")
	}
}

func TestSizesOutsideTheRangeAreNotPooled(t *testing.T) {
	p := New(4096, 65536)
	for _, n := range []int{4095, 65537} {
		for range 50 {
			b := make([]byte, n)
			p.Put(b)
			if c := p.Get(n); unsafe.SliceData(c) == unsafe.SliceData(b) {
				t.Fatalf("a %d-byte buffer was pooled", n)
			}
		}
	}
	if p.count.Load() != 0 {
		t.Fatalf("%d sizes were registered", p.count.Load())
	}
}

func TestDistinctSizesAreBounded(t *testing.T) {
	p := New(1, 1<<20)
	for n := 1; n <= maxSizes+100; n++ {
		p.Put(make([]byte, n))
	}
	if got := p.count.Load(); got != maxSizes {
		t.Fatalf("%d sizes registered, want the bound %d", got, maxSizes)
	}
	if sp := p.sizePool(maxSizes+50, false); sp != nil {
		t.Fatal("a size past the bound got a pool")
	}
}

func TestNilPoolAllocates(t *testing.T) {
	var p *Pool
	p.Put(make([]byte, 10))
	if b := p.Get(10); len(b) != 10 {
		t.Fatalf("len %d", len(b))
	}
}
