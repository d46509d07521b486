package netloop

import (
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns two connected non-blocking stream sockets, closed when the test ends.
func socketPair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func startLoop(t *testing.T, opts Options) *Loop {
	t.Helper()
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	go l.Run()
	t.Cleanup(l.Close)
	return l
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A watched socket's handler runs on the loop for each edge: the first (writable at registration)
// and one per write of the peer, reading what arrived.
func TestHandlerRunsForEachEdge(t *testing.T) {
	l := startLoop(t, Options{})
	ours, peer := socketPair(t)
	var reads, bytesIn atomic.Int64
	id, err := l.Register(func(events uint32) {
		if events&unix.EPOLLIN == 0 {
			return
		}
		reads.Add(1)
		buf := make([]byte, 64)
		for {
			n, err := unix.Read(ours, buf)
			if n <= 0 || err != nil {
				return
			}
			bytesIn.Add(int64(n))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Watch(id, ours); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		unix.Write(peer, []byte("ping"))
		waitFor(t, "the handler to read the write", func() bool { return bytesIn.Load() == int64(4*i) })
	}
	if got := reads.Load(); got < 3 {
		t.Errorf("%d readable events for 3 separate writes", got)
	}
}

// After Remove, events of the socket reach no handler, even if it stays in the epoll set.
func TestRemoveStopsTheHandler(t *testing.T) {
	l := startLoop(t, Options{})
	ours, peer := socketPair(t)
	var calls atomic.Int64
	id, _ := l.Register(func(uint32) {
		calls.Add(1)
		buf := make([]byte, 64)
		for {
			if n, _ := unix.Read(ours, buf); n <= 0 {
				return
			}
		}
	})
	l.Watch(id, ours)
	unix.Write(peer, []byte("a"))
	waitFor(t, "the first event", func() bool { return calls.Load() > 0 })
	l.Remove(id)
	before := calls.Load()
	unix.Write(peer, []byte("b"))
	l.Wake()
	time.Sleep(50 * time.Millisecond)
	if got := calls.Load(); got != before {
		t.Errorf("handler ran %d times after Remove", got-before)
	}
}

// Unwatch takes a socket out of the set while it stays open (it moves to another poller).
func TestUnwatch(t *testing.T) {
	l := startLoop(t, Options{})
	ours, peer := socketPair(t)
	var calls atomic.Int64
	id, _ := l.Register(func(uint32) { calls.Add(1) })
	l.Watch(id, ours)
	waitFor(t, "the registration's first event", func() bool { return calls.Load() > 0 })
	if err := l.Unwatch(ours); err != nil {
		t.Fatalf("Unwatch: %v", err)
	}
	before := calls.Load()
	unix.Write(peer, []byte("x"))
	time.Sleep(50 * time.Millisecond)
	if got := calls.Load(); got != before {
		t.Errorf("handler ran %d times after Unwatch", got-before)
	}
}

// OnTick runs about every Tick while the loop waits with nothing to do.
func TestTick(t *testing.T) {
	var ticks atomic.Int64
	startLoop(t, Options{Tick: 10 * time.Millisecond, OnTick: func() { ticks.Add(1) }})
	waitFor(t, "three ticks", func() bool { return ticks.Load() >= 3 })
}

// Close returns once Run has stopped, and Register then refuses.
func TestClose(t *testing.T) {
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	l.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if _, err := l.Register(func(uint32) {}); err != ErrClosed {
		t.Errorf("Register after Close = %v, want ErrClosed", err)
	}
	l.Close() // twice is fine
}

// An id's 64 bits survive the round trip through epoll_event's data.
func TestEventIDRoundTrip(t *testing.T) {
	for _, id := range []uint64{0, 1, 1 << 31, 1<<32 + 7, 1<<64 - 1} {
		var ev unix.EpollEvent
		setEventID(&ev, id)
		if got := eventID(&ev); got != id {
			t.Errorf("eventID(setEventID(%d)) = %d", id, got)
		}
	}
}
