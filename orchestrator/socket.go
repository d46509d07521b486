package orchestrator

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// socketIO reads and writes a connection's socket with raw read(2) and write(2) calls, still waiting
// for readiness, deadlines and close through Go's network poller (syscall.RawConn). A request of a few
// bytes costs a read and a write, and Go's own wrappers add to each a handoff to the scheduler
// (entersyscall/exitsyscall) that wakes the runtime's monitor thread whenever the server was idle: on a
// server answering one small request per wakeup (redis-benchmark -P 1) that was a tenth of its CPU. A
// socket is non-blocking, so these calls never block and need no handoff.
type socketIO struct {
	conn net.Conn
	raw  syscall.RawConn
	// The buffer and result of the read or write in progress: the connection's goroutine reads and
	// writes; the disconnect watcher only polls, so neither reads nor writes overlap.
	rbuf, wbuf []byte
	rn, wn     int
	rerr, werr error
	readFn     func(uintptr) bool
	writeFn    func(uintptr) bool
	// The vectors of the writev in progress (WriteVectors), kept for the next one, and what it wrote.
	iovs     []unix.Iovec
	vn       int64
	writevFn func(uintptr) bool
	// heldFD is the descriptor while the connection's goroutine serves inside one RawConn.Read (see
	// Server.serveHeld), -1 otherwise: reads then go straight to it and return errWouldBlock instead
	// of waiting. drained says the last of those reads came back short, so the socket was empty then.
	heldFD  int
	drained bool
	// holdable: a TCP socket, whose short read means an empty receive queue. A unix socket may stop
	// short at a message from another sender while more is queued, so it is never held.
	holdable bool
}

// errWouldBlock is a held read that found the socket empty: the caller returns to the poller to wait.
var errWouldBlock = errors.New("socket would block")

// newSocketIO returns the raw reader and writer of an accepted TCP or unix connection.
func newSocketIO(nc net.Conn) (*socketIO, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("connection %T has no file descriptor", nc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	_, tcp := nc.(*net.TCPConn)
	s := &socketIO{conn: nc, raw: raw, heldFD: -1, holdable: tcp}
	s.readFn, s.writeFn, s.writevFn = s.readOnce, s.writeSome, s.writevSome // bound once: no closure per call
	return s, nil
}

func (s *socketIO) Read(p []byte) (int, error) {
	if s.heldFD >= 0 {
		return s.readHeld(p)
	}
	// Every size takes the raw call: a large argument read through Go's wrapper instead made the
	// runtime's monitor thread and the scheduler a third of a 1 MiB SET's server CPU (entersyscall
	// per read). A non-blocking read copies only what is queued, so it never holds the thread long.
	if len(p) == 0 {
		return 0, nil
	}
	s.rbuf, s.rn, s.rerr = p, 0, nil
	err := s.raw.Read(s.readFn)
	s.rbuf = nil
	if err != nil { // a deadline, or the connection closed
		return 0, err
	}
	return s.rn, s.rerr
}

// readOnce makes one read; false means nothing is there yet and the poller should wait.
func (s *socketIO) readOnce(fd uintptr) bool {
	n, err := sysRead(fd, s.rbuf)
	if err == errWouldBlock {
		return false
	}
	s.rn, s.rerr = n, err
	return true
}

// sysRead is one read(2) of a non-blocking socket: errWouldBlock when it is empty, io.EOF when the
// peer has closed its side.
func sysRead(fd uintptr, p []byte) (int, error) {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return 0, errWouldBlock
		case errno != 0:
			return 0, os.NewSyscallError("read", errno)
		case n == 0:
			return 0, io.EOF
		}
		return int(n), nil
	}
}

// readHeld reads the held descriptor once.
func (s *socketIO) readHeld(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := sysRead(uintptr(s.heldFD), p)
	// A TCP read returns less than asked only when it emptied the receive queue; data arriving after
	// it raises a new edge, which the poller keeps for this RawConn.Read.
	s.drained = err == errWouldBlock || (err == nil && n < len(p))
	return n, err
}

// hold makes reads go straight to fd (inside a RawConn.Read callback); release ends it.
func (s *socketIO) hold(fd uintptr) { s.heldFD, s.drained = int(fd), false }

func (s *socketIO) release() { s.heldFD = -1 }

// closing reports whether the connection was closed (CLIENT KILL, shutdown): a held read would still
// reach the descriptor, which Go closes only once the RawConn.Read returns.
func (s *socketIO) closing() bool { return s.raw.Control(func(uintptr) {}) != nil }

// hangupPoll is how often a disconnect watcher looks again whether it should stop.
const hangupPoll = 20 * time.Millisecond

// awaitHangup returns true once the peer has closed or shut down its side, false once stop is set. It
// polls for POLLRDHUP alone, so pipelined requests stay unread, and takes no read lock: the
// connection's goroutine may be inside a RawConn.Read while a command runs.
func (s *socketIO) awaitHangup(stop *atomic.Bool) bool {
	hungUp := false
	for !stop.Load() && !hungUp {
		err := s.raw.Control(func(fd uintptr) {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
			n, err := unix.Poll(fds, int(hangupPoll/time.Millisecond))
			hungUp = err == nil && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0
		})
		if err != nil { // closed
			return !stop.Load()
		}
	}
	return hungUp && !stop.Load()
}

func (s *socketIO) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.wbuf, s.wn, s.werr = p, 0, nil
	err := s.raw.Write(s.writeFn)
	s.wbuf = nil
	if err == nil {
		err = s.werr
	}
	return s.wn, err
}

// WriteVectors writes bufs in order with writev(2), as many calls as the socket needs (resp.Writer's
// way of sending a large value with the replies around it in one system call).
func (s *socketIO) WriteVectors(bufs [][]byte) (int64, error) {
	s.iovs = appendIovecs(s.iovs[:0], bufs)
	if len(s.iovs) == 0 {
		return 0, nil
	}
	s.vn, s.werr = 0, nil
	err := s.raw.Write(s.writevFn)
	clear(s.iovs) // no reference to a written value stays behind
	if err == nil {
		err = s.werr
	}
	return s.vn, err
}

// writevSome writes what the socket takes of s.iovs, dropping what is written; false means the socket
// is full and the poller should wait.
func (s *socketIO) writevSome(fd uintptr) bool {
	iovs := s.iovs
	for len(iovs) > 0 {
		n, errno := writev(int(fd), iovs)
		switch errno {
		case 0:
			s.vn += int64(n)
			iovs = advanceIovecs(iovs, n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			s.iovs = iovs
			return false
		default:
			s.werr = os.NewSyscallError("writev", errno)
			return true
		}
	}
	s.iovs = iovs
	return true
}

// maxIovecs is IOV_MAX, the most buffers one writev takes.
const maxIovecs = 1024

// appendIovecs appends to dst the vectors of bufs' non-empty buffers.
func appendIovecs(dst []unix.Iovec, bufs [][]byte) []unix.Iovec {
	for _, b := range bufs {
		if len(b) > 0 {
			dst = append(dst, unix.Iovec{Base: &b[0], Len: uint64(len(b))})
		}
	}
	return dst
}

// writev is one writev(2) of at most maxIovecs vectors on a non-blocking socket, or one write(2)
// when there is a single vector (most replies): the kernel then skips copying in the vector array.
func writev(fd int, iovs []unix.Iovec) (int, syscall.Errno) {
	if len(iovs) == 1 {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(iovs[0].Base)), uintptr(iovs[0].Len))
		return int(n), errno
	}
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iovs[0])), uintptr(min(len(iovs), maxIovecs)))
	return int(n), errno
}

// advanceIovecs drops the first n bytes of iovs.
func advanceIovecs(iovs []unix.Iovec, n int) []unix.Iovec {
	for n > 0 && len(iovs) > 0 {
		l := int(iovs[0].Len)
		if n < l {
			iovs[0].Base = (*byte)(unsafe.Add(unsafe.Pointer(iovs[0].Base), n))
			iovs[0].Len -= uint64(n)
			return iovs
		}
		n -= l
		iovs = iovs[1:]
	}
	return iovs
}

// writeSome writes what the socket takes; false means it is full and the poller should wait.
func (s *socketIO) writeSome(fd uintptr) bool {
	for s.wn < len(s.wbuf) {
		rest := s.wbuf[s.wn:]
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)))
		switch errno {
		case 0:
			s.wn += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.werr = os.NewSyscallError("write", errno)
			return true
		}
	}
	return true
}
