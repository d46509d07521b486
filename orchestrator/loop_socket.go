package orchestrator

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loopSocket is a TCP connection served by an event loop (netloop) instead of Go's network poller:
// the accepted descriptor is duplicated out of Go's runtime, which then forgets it, and the loop
// reports its readiness. It is a net.Conn, so the code that serves a connection is the same either
// way. While the loop's goroutine serves it ("inline"), nothing may wait: a read of an empty socket
// returns errWouldBlock and a write the socket cannot take is queued in pending. When a request
// needs to wait (a blocking command, a request longer than the read buffer, queued output), a
// goroutine of its own takes the connection over ("detached"); its reads and writes then wait for
// the loop's signal on wake.
type loopSocket struct {
	fd int
	// fdMu guards fd against close while the disconnect watcher polls it from another goroutine.
	fdMu sync.RWMutex

	// mu orders ownership changes against the loop's events: the loop serves the socket inline
	// holding it, and sends on wake instead while detached is set.
	mu       sync.Mutex
	detached bool
	wake     chan struct{} // one pending readiness signal for the detached goroutine

	inline  bool   // the loop's goroutine is serving: never wait
	pending []byte // output the socket did not take while served inline, sent before anything else
	drained bool   // the last read came back short: the socket was empty then (see socketIO.drained)

	closed    chan struct{}
	closeOnce sync.Once
	deadline  atomic.Int64 // read deadline, Unix nanoseconds; 0: none (CONFIG SET timeout)

	iovs        []unix.Iovec
	local, peer net.Addr
	loopID      uint64 // the netloop registration
}

// newLoopSocket takes nc's descriptor out of Go's network poller: it duplicates it and closes nc,
// which leaves the socket open through the duplicate (still non-blocking: the file status is shared).
func newLoopSocket(nc *net.TCPConn) (*loopSocket, error) {
	raw, err := nc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(f uintptr) { fd, dupErr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, os.NewSyscallError("fcntl", dupErr)
	}
	ls := &loopSocket{fd: fd, wake: make(chan struct{}, 1), closed: make(chan struct{}),
		local: nc.LocalAddr(), peer: nc.RemoteAddr()}
	nc.Close()
	return ls, nil
}

func (ls *loopSocket) LocalAddr() net.Addr  { return ls.local }
func (ls *loopSocket) RemoteAddr() net.Addr { return ls.peer }

// SetReadDeadline is kept for the idle timeout: a detached read stops at it, and the loop's tick
// closes an inline connection past it.
func (ls *loopSocket) SetReadDeadline(t time.Time) error {
	if t.IsZero() {
		ls.deadline.Store(0)
	} else {
		ls.deadline.Store(t.UnixNano())
	}
	return nil
}

func (ls *loopSocket) SetDeadline(t time.Time) error    { return ls.SetReadDeadline(t) }
func (ls *loopSocket) SetWriteDeadline(time.Time) error { return nil }

// pastDeadline reports whether the read deadline has passed.
func (ls *loopSocket) pastDeadline(now time.Time) bool {
	d := ls.deadline.Load()
	return d != 0 && now.UnixNano() >= d
}

// Close marks the connection closed and shuts the socket down, which wakes its owner (the loop, or
// the detached goroutine through the hang-up event); the owner releases the descriptor.
func (ls *loopSocket) Close() error {
	ls.closeOnce.Do(func() {
		close(ls.closed)
		ls.fdMu.RLock()
		if ls.fd >= 0 {
			unix.Shutdown(ls.fd, unix.SHUT_RDWR)
		}
		ls.fdMu.RUnlock()
		ls.signal()
	})
	return nil
}

func (ls *loopSocket) closing() bool {
	select {
	case <-ls.closed:
		return true
	default:
		return false
	}
}

// release closes the descriptor, once its owner has stopped serving it.
func (ls *loopSocket) release() {
	ls.fdMu.Lock()
	if ls.fd >= 0 {
		unix.Close(ls.fd)
		ls.fd = -1
	}
	ls.fdMu.Unlock()
}

// signal passes a readiness event to the detached goroutine, keeping at most one pending.
func (ls *loopSocket) signal() {
	select {
	case ls.wake <- struct{}{}:
	default:
	}
}

// errDeadline is a detached read that waited past the idle timeout.
var errDeadline = errors.New("read deadline exceeded")

// await waits for the loop's next readiness signal, the close, or the read deadline when reading.
func (ls *loopSocket) await(reading bool) error {
	var timeout <-chan time.Time
	if d := ls.deadline.Load(); reading && d != 0 {
		wait := time.Until(time.Unix(0, d))
		if wait <= 0 {
			return errDeadline
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ls.wake:
		return nil
	case <-ls.closed:
		return net.ErrClosed
	case <-timeout:
		return errDeadline
	}
}

func (ls *loopSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if ls.closing() {
			return 0, net.ErrClosed
		}
		n, err := sysRead(uintptr(ls.fd), p)
		ls.drained = err == errWouldBlock || (err == nil && n < len(p))
		if err != errWouldBlock || ls.inline {
			return n, err
		}
		if err := ls.await(true); err != nil {
			return 0, err
		}
	}
}

func (ls *loopSocket) Write(p []byte) (int, error) {
	if _, err := ls.WriteVectors([][]byte{p}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteVectors writes bufs in order with writev(2). Inline, what the socket does not take is copied
// to pending and reported written: the connection's server hands it to a goroutine that sends it
// (flushPending) before reading anything more. Detached, it waits for the socket to drain.
func (ls *loopSocket) WriteVectors(bufs [][]byte) (int64, error) {
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	if ls.inline && len(ls.pending) > 0 { // keep the order: behind what is queued already
		for _, b := range bufs {
			ls.pending = append(ls.pending, b...)
		}
		return total, nil
	}
	ls.iovs = ls.iovs[:0]
	for _, b := range bufs {
		if len(b) > 0 {
			ls.iovs = append(ls.iovs, unix.Iovec{Base: &b[0], Len: uint64(len(b))})
		}
	}
	defer clear(ls.iovs) // no reference to a written value stays behind
	iovs := ls.iovs
	for len(iovs) > 0 {
		if ls.closing() {
			return 0, net.ErrClosed
		}
		n, errno := writev(ls.fd, iovs)
		switch errno {
		case 0:
			iovs = advanceIovecs(iovs, n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			if ls.inline {
				ls.queue(iovs)
				return total, nil
			}
			if err := ls.await(false); err != nil {
				return 0, err
			}
		default:
			return 0, os.NewSyscallError("writev", errno)
		}
	}
	return total, nil
}

// queue copies what iovs still point at into pending.
func (ls *loopSocket) queue(iovs []unix.Iovec) {
	for _, v := range iovs {
		ls.pending = append(ls.pending, unsafe.Slice(v.Base, v.Len)...)
	}
}

// flushPending sends the queued output, waiting as long as the peer takes to read it (detached only).
func (ls *loopSocket) flushPending() error {
	if len(ls.pending) == 0 {
		return nil
	}
	p := ls.pending
	ls.pending = nil
	_, err := ls.WriteVectors([][]byte{p})
	return err
}

func writev(fd int, iovs []unix.Iovec) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iovs[0])), uintptr(min(len(iovs), maxIovecs)))
	return int(n), errno
}

// awaitHangup is socketIO.awaitHangup for a loop socket: it polls the descriptor for POLLRDHUP alone.
func (ls *loopSocket) awaitHangup(stop *atomic.Bool) bool {
	for !stop.Load() {
		ls.fdMu.RLock()
		if ls.fd < 0 {
			ls.fdMu.RUnlock()
			return !stop.Load()
		}
		fds := []unix.PollFd{{Fd: int32(ls.fd), Events: unix.POLLRDHUP}}
		n, err := unix.Poll(fds, int(hangupPoll/time.Millisecond))
		ls.fdMu.RUnlock()
		if err == nil && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return !stop.Load()
		}
	}
	return false
}

var _ net.Conn = (*loopSocket)(nil)
var _ io.Reader = (*loopSocket)(nil)
