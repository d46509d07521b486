package orchestrator

import (
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
// way. The loop's goroutine serves it and must never wait: a read of an empty socket returns
// errWouldBlock, and output the socket cannot take is queued in pending. A connection whose next
// step must wait (a blocking command, a request longer than the read buffer, output its peer has not
// read) or whose values are large moves to Go's poller for good (Server.moveOffLoop): moved is then
// its socket, and every call goes to it.
type loopSocket struct {
	fd int
	// fdMu guards fd against release while Close shuts the socket down from another goroutine.
	fdMu sync.RWMutex
	// mu orders what the loop's goroutine reads against the goroutine that registered the socket.
	mu sync.Mutex

	pending []byte // output the socket did not take, sent (by the moved connection) before anything else
	drained bool   // the last read came back short: the socket was empty then (see socketIO.drained)
	// large says a request or a reply carried a value of largeValue bytes or more: the connection
	// moves to Go's poller, where the values of many clients are copied on every core, not on the
	// loop's one.
	large bool

	closed    chan struct{}
	closeOnce sync.Once
	deadline  atomic.Int64 // read deadline, Unix nanoseconds; 0: none (CONFIG SET timeout)
	moved     atomic.Pointer[socketIO]

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
	ls := &loopSocket{fd: fd, closed: make(chan struct{}),
		local: nc.LocalAddr(), peer: nc.RemoteAddr()}
	nc.Close()
	return ls, nil
}

func (ls *loopSocket) LocalAddr() net.Addr  { return ls.local }
func (ls *loopSocket) RemoteAddr() net.Addr { return ls.peer }

// SetReadDeadline is kept for the idle timeout: the loop's tick closes a connection past it.
func (ls *loopSocket) SetReadDeadline(t time.Time) error {
	if m := ls.moved.Load(); m != nil {
		return m.conn.SetReadDeadline(t)
	}
	if t.IsZero() {
		ls.deadline.Store(0)
	} else {
		ls.deadline.Store(t.UnixNano())
	}
	return nil
}

func (ls *loopSocket) SetDeadline(t time.Time) error { return ls.SetReadDeadline(t) }

// SetWriteDeadline applies to a moved connection only: the loop never waits to write.
func (ls *loopSocket) SetWriteDeadline(t time.Time) error {
	if m := ls.moved.Load(); m != nil {
		return m.conn.SetWriteDeadline(t)
	}
	return nil
}

// pastDeadline reports whether the read deadline has passed.
func (ls *loopSocket) pastDeadline(now time.Time) bool {
	d := ls.deadline.Load()
	return d != 0 && now.UnixNano() >= d && ls.moved.Load() == nil
}

// Close marks the connection closed and shuts the socket down, which wakes its owner (the loop
// through the hang-up event, or the moved connection's goroutine), who releases the descriptor.
func (ls *loopSocket) Close() error {
	ls.closeOnce.Do(func() {
		close(ls.closed)
		if m := ls.moved.Load(); m != nil {
			m.conn.Close()
			return
		}
		ls.fdMu.RLock()
		if ls.fd >= 0 { // shut down, not closed: the socket may be moving to Go's poller meanwhile
			unix.Shutdown(ls.fd, unix.SHUT_RDWR)
		}
		ls.fdMu.RUnlock()
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

func (ls *loopSocket) Read(p []byte) (int, error) {
	if m := ls.moved.Load(); m != nil {
		return m.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if ls.closing() {
		return 0, net.ErrClosed
	}
	n, err := sysRead(uintptr(ls.fd), p)
	ls.drained = err == errWouldBlock || (err == nil && n < len(p))
	return n, err
}

func (ls *loopSocket) Write(p []byte) (int, error) {
	if m := ls.moved.Load(); m != nil {
		return m.Write(p)
	}
	if _, err := ls.WriteVectors([][]byte{p}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteVectors writes bufs in order with writev(2). What the socket does not take is copied to
// pending and reported written: the loop then moves the connection to Go's poller, which sends it
// before reading anything more.
func (ls *loopSocket) WriteVectors(bufs [][]byte) (int64, error) {
	if m := ls.moved.Load(); m != nil {
		return m.WriteVectors(bufs)
	}
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	if len(ls.pending) > 0 { // keep the order: behind what is queued already
		for _, b := range bufs {
			ls.pending = append(ls.pending, b...)
		}
		return total, nil
	}
	ls.iovs = appendIovecs(ls.iovs[:0], bufs)
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
			for _, v := range iovs {
				ls.pending = append(ls.pending, unsafe.Slice(v.Base, v.Len)...)
			}
			return total, nil
		default:
			return 0, os.NewSyscallError("writev", errno)
		}
	}
	return total, nil
}

var _ net.Conn = (*loopSocket)(nil)

// moveToPoller gives the socket to Go's network poller and returns its new reader and writer. The
// caller has taken it off its loop first: the descriptor the loop watched is closed here, and a
// duplicate in Go's poller carries the connection on (readiness already there is reported to it).
func (ls *loopSocket) moveToPoller() (*socketIO, error) {
	dup, err := unix.FcntlInt(uintptr(ls.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(dup), "tcp")
	nc, err := net.FileConn(f) // duplicates again, into Go's poller
	f.Close()
	if err != nil {
		return nil, err
	}
	sock, err := newSocketIO(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if d := ls.deadline.Load(); d != 0 {
		nc.SetReadDeadline(time.Unix(0, d))
	}
	ls.moved.Store(sock)
	if ls.closing() { // Close may have seen no moved socket yet: the socket is shut down, close this too
		nc.Close()
	}
	ls.release()
	return sock, nil
}
