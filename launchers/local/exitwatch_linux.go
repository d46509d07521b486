package local

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// exitWatch observes a child's exit through a pidfd registered with Go's network poller. Two reasons:
// the waiting goroutine is parked in the poller instead of holding an OS thread in a blocking wait
// (a 1,000-member ensemble would otherwise pin 1,000 threads), and the exit is seen *before* the child
// is reaped, so its pid, which is also its process-group id, stays reserved while the launcher kills
// what is left of the group. Signalling a group after its leader is reaped could hit a stranger that
// has been given the same id.
type exitWatch struct {
	pidfd int
	file  *os.File
}

// configure asks the kernel for a pidfd at clone time (race-free, unlike pidfd_open after the fact),
// where pidfds work: asking for one where they do not would make the clone itself fail.
func (w *exitWatch) configure(attr *syscall.SysProcAttr) {
	w.pidfd = -1
	if pidfdsWork() {
		attr.PidFD = &w.pidfd
	}
}

// pidfdsWork reports whether this kernel (5.3 or later, and no seccomp filter in the way) gives pidfds
// that can be polled: pidfd_open, CLONE_PIDFD's younger sibling, succeeding on ourselves says so.
var pidfdsWork = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
})

// arm registers the pidfd with the poller once the child has started. Without a usable pidfd (kernel
// older than 5.3) the watch stays unarmed and wait reports false: the exit is then learnt by reaping,
// which blocks a thread, and leftovers of the group are not killed after the leader exits (its id may
// be reused by then).
func (w *exitWatch) arm() {
	if w.pidfd < 0 {
		return
	}
	if err := syscall.SetNonblock(w.pidfd, true); err != nil {
		syscall.Close(w.pidfd)
		w.pidfd = -1
		return
	}
	w.file = os.NewFile(uintptr(w.pidfd), "pidfd")
}

// wait blocks until the child has exited, leaving it unreaped. It reports false when it cannot watch,
// in which case the caller learns of the exit by reaping.
func (w *exitWatch) wait() bool {
	if w.file == nil {
		return false
	}
	conn, err := w.file.SyscallConn()
	if err != nil {
		return false
	}
	return conn.Read(func(fd uintptr) bool { return pidfdReadable(int(fd)) }) == nil
}

// pidfdReadable reports whether the process behind a pidfd has exited (a pidfd turns readable then).
func pidfdReadable(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if err == syscall.EINTR {
			continue
		}
		return err == nil && n > 0 && fds[0].Revents&unix.POLLIN != 0
	}
}

// release closes the pidfd.
func (w *exitWatch) release() {
	if w.file != nil {
		w.file.Close()
		w.file = nil
	} else if w.pidfd >= 0 {
		syscall.Close(w.pidfd)
	}
	w.pidfd = -1
}
