// Package netloop waits for the readiness of many sockets on one goroutine with its own epoll
// instance, and calls each socket's handler there.
//
// Go's network poller parks a goroutine per connection and wakes it through the scheduler; on a small
// machine shared with its clients, that wake-up (futexes, an idle P looking for work, netpoll from
// every thread) costs more than a short request itself. A loop that answers every ready socket in
// turn on one thread, as redis-server's does, makes one epoll_wait for many requests and never hands
// a connection between threads. The loop knows nothing of what the sockets carry: a handler serves
// what it can without waiting and hands the rest to a goroutine of its own.
package netloop

import (
	"errors"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Handler is called on the loop's goroutine when its socket has events (a unix.EPOLL* mask). It must
// not wait: sockets are edge-triggered, so it reads until the socket is empty, or hands the socket to
// code that will.
type Handler func(events uint32)

// Loop is one epoll instance and the goroutine that waits on it.
type Loop struct {
	epfd   int
	wakeFD int // an eventfd: Close and Wake interrupt a wait through it

	mu       sync.Mutex
	handlers map[uint64]Handler // by registration id; ids are never reused, so a stale event finds nothing
	nextID   uint64
	closed   bool

	tick    time.Duration
	onTick  func()
	cpuWait cpuWait // sampled on each tick, before OnTick
	done    chan struct{}
}

// Options are a loop's periodic work: OnTick runs on the loop's goroutine about every Tick while the
// loop runs (for idle-connection timeouts, and to read CPUWaitShare); a zero Tick never calls it.
type Options struct {
	Tick   time.Duration
	OnTick func()
}

// New opens a loop; Run serves it.
func New(opts Options) (*Loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wakeFD, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	l := &Loop{epfd: epfd, wakeFD: wakeFD, handlers: map[uint64]Handler{}, nextID: 1,
		tick: opts.Tick, onTick: opts.OnTick, cpuWait: cpuWait{path: "/proc/thread-self/schedstat"},
		done: make(chan struct{})}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setEventID(&ev, 0) // id 0 is the wake eventfd
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakeFD, &ev); err != nil {
		l.closeFDs()
		return nil, err
	}
	return l, nil
}

// ErrClosed is returned by Register once the loop is closed.
var ErrClosed = errors.New("netloop: loop closed")

// Register keeps h under a new id, which Watch then gives a socket and Remove takes. Two steps, so
// that the id is known to the socket's owner before the handler can run.
func (l *Loop) Register(h Handler) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	id := l.nextID
	l.nextID++
	l.handlers[id] = h
	return id, nil
}

// Watch adds fd to the loop, edge-triggered for input, output and the peer's hang-up, calling the
// handler registered under id. The handler may run before Watch returns.
func (l *Loop) Watch(id uint64, fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET}
	setEventID(&ev, id)
	return unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// Unwatch takes fd out of the loop (a socket that moves elsewhere while a duplicate keeps it open;
// closing the last descriptor of a socket takes it out by itself).
func (l *Loop) Unwatch(fd int) error {
	return unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// Remove forgets a registration: no handler call starts for it afterwards. Closing the descriptor
// takes it out of the epoll set; Remove is what stops an event already collected from reaching it.
func (l *Loop) Remove(id uint64) {
	l.mu.Lock()
	delete(l.handlers, id)
	l.mu.Unlock()
}

// Wake makes a waiting loop return from epoll_wait (and run OnTick when one is due).
func (l *Loop) Wake() {
	var one = [8]byte{1}
	unix.Write(l.wakeFD, one[:])
}

// Close stops Run and waits for it to return; the loop's descriptors are closed. Registered sockets
// are not: their owners close them.
func (l *Loop) Close() {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if already {
		<-l.done
		return
	}
	l.Wake()
	<-l.done
}

// maxEvents is how many events one epoll_wait collects.
const maxEvents = 256

// Run waits and dispatches until Close. Before each blocking wait it polls once without blocking:
// under load the next batch is usually there, and the non-blocking call skips the scheduler's
// system-call handoff. It keeps its OS thread, so that the thread's scheduler statistics are the
// loop's (CPUWaitShare).
func (l *Loop) Run() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(l.done)
	defer l.closeFDs()
	events := make([]unix.EpollEvent, maxEvents)
	lastTick := time.Now()
	if l.tick > 0 {
		l.cpuWait.sample(lastTick)
	}
	for {
		n := epollPoll(l.epfd, events)
		if n == 0 {
			n = l.waitBlocking(events)
		}
		if l.isClosed() {
			return
		}
		l.dispatch(events[:n])
		if l.tick > 0 {
			if now := time.Now(); now.Sub(lastTick) >= l.tick {
				lastTick = now
				l.cpuWait.sample(now)
				if l.onTick != nil {
					l.onTick()
				}
			}
		}
	}
}

// waitBlocking is epoll_wait for as long as it takes, or one tick when ticks are wanted.
func (l *Loop) waitBlocking(events []unix.EpollEvent) int {
	timeout := -1
	if l.tick > 0 {
		timeout = int(l.tick / time.Millisecond)
	}
	n, err := unix.EpollWait(l.epfd, events, timeout)
	if err != nil { // EINTR
		return 0
	}
	return n
}

// epollPoll is epoll_wait with a zero timeout through a raw system call: it never blocks.
func epollPoll(epfd int, events []unix.EpollEvent) int {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(n)
}

func (l *Loop) dispatch(events []unix.EpollEvent) {
	for i := range events {
		id := eventID(&events[i])
		if id == 0 {
			var buf [8]byte
			unix.Read(l.wakeFD, buf[:])
			continue
		}
		l.mu.Lock()
		h := l.handlers[id]
		l.mu.Unlock()
		if h != nil {
			h(events[i].Events)
		}
	}
}

func (l *Loop) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func (l *Loop) closeFDs() {
	unix.Close(l.wakeFD)
	unix.Close(l.epfd)
}

// The 64 bits of epoll_event's data carry the registration id (golang.org/x/sys names them Fd and Pad).
func setEventID(ev *unix.EpollEvent, id uint64) {
	ev.Fd = int32(uint32(id))
	ev.Pad = int32(uint32(id >> 32))
}

func eventID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}
