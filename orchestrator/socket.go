package orchestrator

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIOMax is the largest read or write made with a raw system call; longer transfers take Go's usual
// path, whose cost is small beside the copy.
const rawIOMax = 64 << 10

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
	// writes, and the disconnect watcher reads only while that goroutine runs a command, so reads never
	// overlap each other, nor writes.
	rbuf, wbuf []byte
	rn, wn     int
	rerr, werr error
	readFn     func(uintptr) bool
	writeFn    func(uintptr) bool
}

// newSocketIO returns nc's raw reader and writer, or nc itself when it has no file descriptor (a pipe
// in tests).
func newSocketIO(nc net.Conn) io.ReadWriter {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nc
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nc
	}
	s := &socketIO{conn: nc, raw: raw}
	s.readFn, s.writeFn = s.readOnce, s.writeSome // bound once: no closure per call
	return s
}

func (s *socketIO) Read(p []byte) (int, error) {
	if len(p) == 0 || len(p) > rawIOMax {
		return s.conn.Read(p)
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
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&s.rbuf[0])), uintptr(len(s.rbuf)))
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return false
		case errno != 0:
			s.rerr = os.NewSyscallError("read", errno)
		case n == 0:
			s.rerr = io.EOF
		default:
			s.rn = int(n)
		}
		return true
	}
}

func (s *socketIO) Write(p []byte) (int, error) {
	if len(p) == 0 || len(p) > rawIOMax {
		return s.conn.Write(p)
	}
	s.wbuf, s.wn, s.werr = p, 0, nil
	err := s.raw.Write(s.writeFn)
	s.wbuf = nil
	if err == nil {
		err = s.werr
	}
	return s.wn, err
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
