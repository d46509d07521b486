package orchestrator

import (
	"net"
	"runtime"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/netloop"
	"golang.org/x/sys/unix"
)

// Event loops (netloop) serve the TCP connections whose requests are short and never wait: each
// loop's goroutine answers every ready connection in turn, without handing a connection between
// goroutines. The first request that must wait (a blocking command, a request longer than the read
// buffer, a reply the peer is slow to read), that may run long (command.Slow) or that carries a large
// value moves its connection to Go's network poller for good, served by a goroutine of its own
// (serve), as every unix-socket connection is: a client that sent one large tensor or ran one model
// will do it again, and Go's poller wakes its goroutine directly.

// eventLoopTick is how often a loop looks for connections past the idle timeout (CONFIG SET timeout);
// redis-server's cron runs at the same 10 Hz.
const eventLoopTick = 100 * time.Millisecond

// eventLoopCount is how many loops serve the TCP connections: cfg.EventLoops when set, else one per
// two Go processors, at least one, leaving the other cores to model execution and to clients sharing
// the node; 0 (a negative setting) serves every connection on a goroutine of its own.
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
		var l *netloop.Loop
		starvedTicks := 0 // read and written on the loop's goroutine only
		l, err := netloop.New(netloop.Options{Tick: eventLoopTick, OnTick: func() {
			s.closeIdleLoopClients()
			s.yieldLoopsWhenStarved(l, &starvedTicks)
		}})
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

// A loop is one thread, and on a small machine whose cores busy clients fill (a simulation's ranks,
// a multi-threaded client) the kernel gives that thread only part of a core, where goroutines would
// get a fair share on every core: on 2 cores, 3 B requests from a client on both cores ran 1.2x
// faster on goroutines (bench/db/README.md, fifth pass). So when a loop's thread has waited for a CPU
// for loopStarvedShare of its time or more, loopStarvedTicks ticks in a row, every loop gives way for
// loopYieldPeriod: new connections get goroutines, and each connection on a loop moves off at its
// next request (for good, as for every other reason to move). After the period new connections come
// to the loops again, and give way again if the cores are still busy. A loop with a core of its own
// waits a few percent of the time at most (2-5 % beside redis-benchmark's one thread on 2 cores);
// beside a client on both cores it waited 21-37 %.
const (
	loopStarvedShare = 0.15
	loopStarvedTicks = 5 // half a second: a collection or a burst of another process does not count
	loopYieldPeriod  = 30 * time.Second
)

// yieldLoopsWhenStarved is a loop's tick: it counts the ticks in a row its thread was starved, hands
// the connections to goroutines after loopStarvedTicks of them, and ends a yield past its period.
func (s *Server) yieldLoopsWhenStarved(l *netloop.Loop, starvedTicks *int) {
	if s.loopsYielded.Load() {
		*starvedTicks = 0
		if time.Since(time.Unix(0, s.loopsYieldedAt.Load())) >= s.loopYieldPeriod {
			s.loopsYielded.Store(false)
		}
		return
	}
	share := l.CPUWaitShare()
	if share < s.loopStarvedShare {
		*starvedTicks = 0
		return
	}
	if *starvedTicks++; *starvedTicks < loopStarvedTicks {
		return
	}
	s.loopsYieldedAt.Store(time.Now().UnixNano())
	if s.loopsYielded.CompareAndSwap(false, true) && s.loopYields.Add(1) == 1 {
		s.logf("an event loop's thread waited for a CPU %.0f%% of its time for %v: its cores are busy with other threads, so TCP connections are served on goroutines for the next %v, and again whenever this recurs (--event-loops -1: always)",
			share*100, loopStarvedTicks*eventLoopTick, s.loopYieldPeriod)
	}
}

// loopClient takes an accepted TCP connection out of Go's poller for a loop; false if it cannot be
// (the caller then serves it on a goroutine).
func (s *Server) loopClient(nc net.Conn) (*client, bool) {
	tc, ok := nc.(*net.TCPConn)
	if !ok || len(s.loops) == 0 || s.loopsYielded.Load() {
		return nil, false
	}
	ls, err := newLoopSocket(tc)
	if err != nil {
		return nil, false
	}
	return s.newLoopClient(ls), true
}

// register adds a loop client's socket to its loop, once the server counts the client.
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

// onReady is the loop's handler for one connection's events: it answers the requests that are
// buffered and ready, then ends the connection or moves it to Go's poller when it must.
func (s *Server) onReady(c *client, events uint32) {
	if events == unix.EPOLLOUT { // room to write, and nothing waits to be written
		return
	}
	ls := c.lsock
	ls.mu.Lock()
	ls.drained = false
	ended, next := s.serveInline(c)
	ls.mu.Unlock()
	switch {
	case ended && len(ls.pending) == 0:
		s.endLoopClient(c)
	case ended: // QUIT's reply, still queued: the moved connection sends it, then ends
		c.quit = true
		s.moveOffLoop(c, nil)
	case next != nil:
		s.moveOffLoop(c, next)
	}
}

// serveInline answers the requests the loop can answer without waiting, as serveHeld's callback
// does: it stops when the socket is empty (ended false, next nil), when the connection ends, or when
// the next step must wait, which next then is.
func (s *Server) serveInline(c *client) (ended bool, next func() bool) {
	ls := c.lsock
	for {
		if ls.closing() {
			return true, nil
		}
		// the peer is slow to read, large values are copied, or the loops gave way to goroutines
		if len(ls.pending) > 0 || ls.large || s.loopsYielded.Load() {
			return c.wr.Flush() != nil, func() bool { return true }
		}
		s.armIdleTimeout(c)
		args, step := s.nextBuffered(c, ls.drained)
		switch step {
		case waitForMore:
			return c.wr.Flush() != nil, nil
		case endConnection:
			return true, nil
		case readLongRequest: // serveOne reads it, waiting as long as it takes
			return c.wr.Flush() != nil, func() bool { return s.serveOne(c) }
		}
		ls.large = ls.large || carriesLargeValue(args)
		spec := s.lookup(args[0])
		if spec != nil && spec.Flags&(command.Blocking|command.Slow) != 0 {
			return c.wr.Flush() != nil, func() bool { return s.answerWith(c, spec, args) }
		}
		if !s.answerWith(c, spec, args) {
			return true, nil
		}
		ls.large = ls.large || c.wr.LargestBulk() >= largeValue
	}
}

// largeValue is the size from which copying a value is the work of a request, work the loop's one
// core should not do for every client: with 16 clients at -P 1, 4 KiB AI.TENSORSETs on one loop ran
// at 0.8 of the goroutines' rate, while 3 B requests run faster on the loop.
const largeValue = 4 << 10

// carriesLargeValue reports whether a request has an argument of largeValue bytes or more.
func carriesLargeValue(args [][]byte) bool {
	for _, a := range args {
		if len(a) >= largeValue {
			return true
		}
	}
	return false
}

// moveOffLoop takes a connection off its loop and serves it on a goroutine through Go's poller from
// now on: first the output still queued, then next, then every further request.
func (s *Server) moveOffLoop(c *client, next func() bool) {
	ls := c.lsock
	c.loop.Remove(ls.loopID)
	c.loop.Unwatch(ls.fd)
	sock, err := ls.moveToPoller()
	if err != nil {
		s.logf("moving connection %d off its event loop: %v", c.id, err)
		s.endLoopClient(c)
		return
	}
	c.sock = sock
	go func() {
		defer s.forget(c)
		defer sock.conn.Close() // serve closes c.netConn, which Close may have closed already
		defer c.cancel()
		pending := ls.pending
		ls.pending = nil
		if _, err := sock.Write(pending); err != nil || c.quit {
			return
		}
		if next == nil || next() {
			s.serve(c)
		}
	}()
}

// endLoopClient closes a connection the loop still serves and forgets it.
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

// closeIdleLoopClients closes the loop-served connections idle past CONFIG SET timeout (a loop's
// tick); Go's poller applies the deadline of a moved connection.
func (s *Server) closeIdleLoopClients() {
	if s.idleTimeout.Load() <= 0 {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		if ls := c.lsock; ls != nil && ls.pastDeadline(now) {
			ls.Close()
		}
	}
}
