package orchestrator

import (
	"errors"
	"net"
	"runtime"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/netloop"
	"golang.org/x/sys/unix"
)

// Event loops (netloop) serve the TCP connections: each loop's goroutine answers the requests of every
// connection that is ready, in turn, without handing a connection between goroutines, and a
// connection whose next step must wait moves to a goroutine of its own until it is idle again (see
// loopSocket). Unix-socket connections keep a goroutine each (serve).

// eventLoopTick is how often a loop looks for connections past the idle timeout (CONFIG SET timeout);
// redis-server's cron runs at the same 10 Hz.
const eventLoopTick = 100 * time.Millisecond

// eventLoopCount is how many loops serve the TCP connections: cfg.EventLoops when set, else one per
// two Go processors, at least one, leaving the other cores to model execution and to clients sharing
// the node (a loop answers small requests faster than one core's goroutines can, see netloop); 0
// (a negative setting) serves each connection on a goroutine of its own.
func (s *Server) eventLoopCount() int {
	switch {
	case s.cfg.EventLoops < 0:
		return 0
	case s.cfg.EventLoops > 0:
		return s.cfg.EventLoops
	}
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// startEventLoops opens and runs the loops (called by Start, under s.mu).
func (s *Server) startEventLoops() error {
	for range s.eventLoopCount() {
		l, err := netloop.New(netloop.Options{Tick: eventLoopTick, OnTick: s.closeIdleLoopClients})
		if err != nil {
			s.closeEventLoops()
			return err
		}
		s.loops = append(s.loops, l)
		go l.Run()
	}
	return nil
}

func (s *Server) closeEventLoops() {
	for _, l := range s.loops {
		l.Close()
	}
}

// serveOnLoop hands an accepted TCP connection to the next loop; false if it could not be (the caller
// then serves it on a goroutine).
func (s *Server) serveOnLoop(nc net.Conn) (*client, bool) {
	tc, ok := nc.(*net.TCPConn)
	if !ok || len(s.loops) == 0 {
		return nil, false
	}
	ls, err := newLoopSocket(tc)
	if err != nil {
		return nil, false
	}
	return s.newLoopClient(ls), true
}

// register adds a loop client's socket to its loop, once the client is known to the server.
func (s *Server) register(c *client) {
	ls := c.lsock
	loop := s.loops[int(c.id)%len(s.loops)]
	// The epoll registration orders nothing for Go's memory model: what the loop's goroutine reads is
	// written under ls.mu, which onReady takes first.
	ls.mu.Lock()
	c.loop = loop
	id, err := loop.Register(func(events uint32) { s.onReady(c, events) })
	ls.loopID = id
	fd := ls.fd
	ls.mu.Unlock()
	if err == nil {
		err = loop.Watch(id, fd)
	}
	if err != nil { // the loop is closed: the server is shutting down
		s.endLoopClient(c)
	}
}

// onReady is the loop's handler for one connection's events: it answers what is buffered and ready
// while the loop serves the connection, or signals the goroutine that has taken it over.
func (s *Server) onReady(c *client, events uint32) {
	ls := c.lsock
	ls.mu.Lock()
	if ls.detached {
		ls.signal()
		ls.mu.Unlock()
		return
	}
	if events == unix.EPOLLOUT { // room to write, and nothing is waiting to be written inline
		ls.mu.Unlock()
		return
	}
	ls.inline, ls.drained = true, false
	ended, next := s.serveInline(c)
	ls.inline = false
	if next != nil && !ended {
		ls.detached = true
		ls.mu.Unlock()
		go s.serveDetached(c, next)
		return
	}
	ls.mu.Unlock()
	if ended {
		if len(ls.pending) > 0 { // QUIT's reply, still queued: a goroutine sends it, then closes
			ls.mu.Lock()
			ls.detached = true
			ls.mu.Unlock()
			c.quit = true
			go s.serveDetached(c, nil)
			return
		}
		s.endLoopClient(c)
	}
}

// serveInline answers the requests the loop can answer without waiting, the body of serveHeld's
// callback: it stops when the socket is empty (ended false, next nil), when the connection ends, or
// when the next step must wait, which next then is, to run on a goroutine of its own.
func (s *Server) serveInline(c *client) (ended bool, next func() bool) {
	ls := c.lsock
	for {
		if ls.closing() {
			return true, nil
		}
		if len(ls.pending) > 0 { // the peer is not reading: a goroutine waits for it
			return false, func() bool { return true }
		}
		s.armIdleTimeout(c)
		if c.rd.Buffered() == 0 && ls.drained {
			return s.flushInline(c), nil
		}
		ready, tooLarge, err := c.rd.Ready()
		switch {
		case errors.Is(err, errWouldBlock), err == nil && !ready && !tooLarge:
			return s.flushInline(c), nil
		case err != nil:
			return true, nil
		case tooLarge: // serveOne reads it, waiting as long as it takes
			return c.wr.Flush() != nil, func() bool { return s.serveOne(c) }
		}
		args, err := c.rd.Read()
		if errors.Is(err, errWouldBlock) { // only empty requests were buffered
			return s.flushInline(c), nil
		}
		if err != nil {
			s.refuseMalformed(c, err)
			return true, nil
		}
		if spec := s.lookup(args[0]); spec != nil && spec.Flags&command.Blocking != 0 {
			if c.wr.Flush() != nil {
				return true, nil
			}
			return false, func() bool { return s.answer(c, args) }
		}
		if !s.answer(c, args) {
			return true, nil
		}
	}
}

// flushInline writes the replies buffered so far (what the socket does not take is queued); true
// means the connection failed.
func (s *Server) flushInline(c *client) (ended bool) {
	return c.wr.Flush() != nil
}

// serveDetached serves a connection on a goroutine, starting with next, for as long as it has
// requests or output waiting, then gives it back to its loop.
func (s *Server) serveDetached(c *client, next func() bool) {
	ls := c.lsock
	ok := ls.flushPending() == nil && !c.quit
	if ok && next != nil {
		ok = next()
	}
	for ok && !c.quit {
		if ls.closing() {
			break
		}
		ready, tooLarge, err := s.probe(c)
		switch {
		case errors.Is(err, errWouldBlock), err == nil && !ready && !tooLarge:
			if c.wr.Flush() != nil {
				ok = false
			} else if s.giveBack(c) {
				return
			}
			continue
		case err != nil:
			ok = false
			continue
		}
		ok = s.serveOne(c)
	}
	if c.quit {
		c.wr.Flush()
	}
	s.endLoopClient(c)
}

// probe is rd.Ready without waiting: whether a whole request is buffered, reading the socket once.
func (s *Server) probe(c *client) (ready, tooLarge bool, err error) {
	ls := c.lsock
	s.armIdleTimeout(c)
	ls.inline = true
	defer func() { ls.inline = false }()
	return c.rd.Ready()
}

// giveBack returns an idle connection to its loop, unless the loop signalled readiness meanwhile (the
// goroutine then serves on); true once the loop has it.
func (s *Server) giveBack(c *client) bool {
	ls := c.lsock
	ls.mu.Lock()
	defer ls.mu.Unlock()
	select {
	case <-ls.wake:
		return false
	default:
	}
	ls.detached = false
	return true
}

// endLoopClient closes a loop client's connection and forgets it: the owner's last step.
func (s *Server) endLoopClient(c *client) {
	ls := c.lsock
	ls.Close()
	if c.loop != nil {
		c.loop.Remove(ls.loopID)
	}
	ls.release()
	c.cancel()
	s.forget(c)
}

// closeIdleLoopClients closes the loop-served connections idle past CONFIG SET timeout (a loop's tick).
func (s *Server) closeIdleLoopClients() {
	if s.idleTimeout.Load() <= 0 {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		if ls := c.lsock; ls != nil && ls.pastDeadline(now) {
			ls.mu.Lock()
			idle := !ls.detached // a detached connection runs a command or waits on its own deadline
			ls.mu.Unlock()
			if idle {
				ls.Close()
			}
		}
	}
}
