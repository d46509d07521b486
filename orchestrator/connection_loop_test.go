package orchestrator

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// loopClients returns the server's TCP connections that an event loop took, split into those it still
// serves and those it moved to Go's poller.
func loopClients(s *Server) (onLoop, moved []*client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		switch {
		case c.lsock == nil:
		case c.lsock.moved.Load() == nil:
			onLoop = append(onLoop, c)
		default:
			moved = append(moved, c)
		}
	}
	return onLoop, moved
}

// waitMoved waits until n connections have moved off their loops.
func waitMoved(t *testing.T, s *Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, moved := loopClients(s); len(moved) >= n {
			return
		}
	}
	_, moved := loopClients(s)
	t.Fatalf("%d connections moved off their event loops, want %d", len(moved), n)
}

// Many clients pipelining at once through two loops each get their own replies, in order, and stay on
// the loops: short requests never need a goroutine.
func TestEventLoopAnswersPipelinesOfManyClients(t *testing.T) {
	srv := startServer(t, Config{EventLoops: 2})
	const clients, perClient = 16, 300
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	conns := make([]*testConn, clients)
	for i := range conns {
		conns[i] = dial(t, "tcp", srv.Addr())
	}
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req bytes.Buffer
			for j := range perClient {
				key, val := fmt.Sprintf("k%d.%d", i, j), fmt.Sprintf("v%d.%d", i, j)
				req.Write(encodeCommand("SET", key, val))
				req.Write(encodeCommand("GET", key))
			}
			if _, err := c.nc.Write(req.Bytes()); err != nil {
				errs <- err.Error()
				return
			}
			c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			for j := range perClient {
				val := fmt.Sprintf("v%d.%d", i, j)
				if got, err := readRawReply(c.br); err != nil || got != "+OK\r\n" {
					errs <- fmt.Sprintf("client %d SET %d = %q, %v", i, j, got, err)
					return
				}
				if got, err := readRawReply(c.br); err != nil || got != fmt.Sprintf("$%d\r\n%s\r\n", len(val), val) {
					errs <- fmt.Sprintf("client %d GET %d = %q, %v", i, j, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if onLoop, moved := loopClients(srv); len(onLoop) != clients || len(moved) != 0 {
		t.Errorf("%d connections on the loops and %d moved, want %d and 0", len(onLoop), len(moved), clients)
	}
}

// A connection whose next step must wait leaves its loop for Go's poller, keeps every byte of its
// requests and replies in order, and the loop goes on serving the others meanwhile.
func TestEventLoopMovesAConnectionThatMustWait(t *testing.T) {
	t.Run("request longer than the read buffer", func(t *testing.T) {
		srv := startServer(t, Config{})
		c := dial(t, "tcp", srv.Addr())
		big := strings.Repeat("x", 200<<10)
		c.Send(append(encodeCommand("SET", "big", big), encodeCommand("STRLEN", "big")...))
		if got := c.Reply(); got != "+OK\r\n" {
			t.Fatalf("SET of 200 KiB = %q", got)
		}
		if got := c.Reply(); got != fmt.Sprintf(":%d\r\n", len(big)) {
			t.Fatalf("STRLEN = %q", got)
		}
		waitMoved(t, srv, 1)
		if got := c.Do("PING"); got != "+PONG\r\n" {
			t.Errorf("PING after the move = %q", got)
		}
	})

	t.Run("request carrying a value of 4 KiB", func(t *testing.T) {
		srv := startServer(t, Config{})
		small, large := dial(t, "tcp", srv.Addr()), dial(t, "tcp", srv.Addr())
		small.Do("SET", "s", strings.Repeat("s", largeValue-1))
		if got := large.Do("SET", "l", strings.Repeat("l", largeValue)); got != "+OK\r\n" {
			t.Fatalf("SET of 4 KiB = %q", got)
		}
		waitMoved(t, srv, 1)
		if onLoop, _ := loopClients(srv); len(onLoop) != 1 {
			t.Errorf("%d connections on the loop, want the one whose values stayed under 4 KiB", len(onLoop))
		}
		if got := small.Do("STRLEN", "l"); got != fmt.Sprintf(":%d\r\n", largeValue) {
			t.Errorf("STRLEN = %q", got)
		}
	})

	for name, flag := range map[string]command.Flags{"blocking command": command.Blocking, "slow command": command.Slow} {
		t.Run(name, func(t *testing.T) {
			srv, err := New(Config{Name: "t", Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			srv.loopStarvedShare = neverStarved
			release := make(chan struct{})
			srv.Register(command.Spec{Name: "TEST.HOLD", Arity: 1, Flags: flag, Handler: func(ctx *command.Ctx, _ [][]byte) {
				<-release
				ctx.Reply.SimpleString("RELEASED")
			}})
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			held, other := dial(t, "tcp", srv.Addr()), dial(t, "tcp", srv.Addr())
			held.Send(append(encodeCommand("TEST.HOLD"), encodeCommand("PING")...))
			waitMoved(t, srv, 1)
			if got := other.Do("SET", "k", "v"); got != "+OK\r\n" { // the loop is not held by TEST.HOLD
				t.Errorf("SET on another connection while one is held = %q", got)
			}
			close(release)
			for _, want := range []string{"+RELEASED\r\n", "+PONG\r\n"} {
				if got := held.Reply(); got != want {
					t.Errorf("held connection's reply = %q, want %q", got, want)
				}
			}
		})
	}

	t.Run("large reply", func(t *testing.T) {
		srv := startServer(t, Config{})
		setter, getter := dial(t, "tcp", srv.Addr()), dial(t, "tcp", srv.Addr())
		chunk := strings.Repeat("y", 3<<10) // each request under largeValue, the value and reply over it
		for range 20 {
			setter.Do("APPEND", "v", chunk)
		}
		val := strings.Repeat(chunk, 20)
		if got := getter.Do("GET", "v"); got != fmt.Sprintf("$%d\r\n%s\r\n", len(val), val) {
			t.Fatalf("GET of 60 KiB returned %d bytes", len(got))
		}
		waitMoved(t, srv, 1)
		if onLoop, _ := loopClients(srv); len(onLoop) != 1 {
			t.Errorf("%d connections still on the loop, want the setter alone", len(onLoop))
		}
	})

	t.Run("peer slow to read its replies", func(t *testing.T) {
		srv := startServer(t, Config{})
		c := dial(t, "tcp", srv.Addr())
		val := strings.Repeat("z", 8<<10)
		if got := c.Do("SET", "v", val); got != "+OK\r\n" {
			t.Fatalf("SET = %q", got)
		}
		// 4,000 replies of 8 KiB (32 MiB) do not fit in the socket's buffers while nothing reads them.
		const n = 4000
		var req bytes.Buffer
		for i := range n {
			req.Write(encodeCommand("GET", "v"))
			if i%500 == 499 {
				req.Write(encodeCommand("ECHO", fmt.Sprint(i)))
			}
		}
		go c.nc.Write(req.Bytes())
		waitMoved(t, srv, 1)
		c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
		want := fmt.Sprintf("$%d\r\n%s\r\n", len(val), val)
		for i := range n {
			if got, err := readRawReply(c.br); err != nil || got != want {
				t.Fatalf("reply %d of %d = %d bytes, %v", i, n, len(got), err)
			}
			if i%500 == 499 {
				if got, err := readRawReply(c.br); err != nil || got != fmt.Sprintf("$%d\r\n%d\r\n", len(fmt.Sprint(i)), i) {
					t.Fatalf("ECHO after reply %d = %q, %v", i, got, err)
				}
			}
		}
	})
}

// Shutdown closes the connections the loops serve and those they moved: every client sees its
// connection end, and the server keeps no descriptor.
func TestEventLoopShutdownClosesEveryConnection(t *testing.T) {
	srv := startServer(t, Config{})
	var conns []*testConn
	for range 6 {
		c := dial(t, "tcp", srv.Addr())
		c.Do("PING")
		conns = append(conns, c)
	}
	conns[0].Do("SET", "big", strings.Repeat("b", 100<<10)) // moves
	waitMoved(t, srv, 1)
	onLoop, moved := loopClients(srv)
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, c := range conns {
		if !c.Closed() {
			t.Errorf("connection %d still open after shutdown", i)
		}
	}
	for _, c := range onLoop {
		c.lsock.fdMu.RLock()
		fd := c.lsock.fd
		c.lsock.fdMu.RUnlock()
		if fd != -1 {
			t.Errorf("loop connection %d keeps descriptor %d after shutdown", c.id, fd)
		}
	}
	for _, c := range moved {
		if _, err := c.lsock.moved.Load().conn.Write([]byte("x")); err == nil {
			t.Errorf("moved connection %d still writable after shutdown", c.id)
		}
	}
}

// With --event-loops -1 every connection keeps a goroutine of its own, as before the loops.
func TestEventLoopsOff(t *testing.T) {
	srv := startServer(t, Config{EventLoops: -1})
	c := dial(t, "tcp", srv.Addr())
	if got := c.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING = %q", got)
	}
	if onLoop, moved := loopClients(srv); len(onLoop)+len(moved) != 0 {
		t.Errorf("%d connections on loops with the loops off", len(onLoop)+len(moved))
	}
}

// Clients mixing short requests, values over 4 KiB and over the read buffer, and blocking commands,
// pipelined, all at once on one loop: every reply arrives whole and in order, whichever side of the
// move each request fell on.
func TestEventLoopMixedTraffic(t *testing.T) {
	srv, err := New(Config{Name: "t", Dir: t.TempDir(), EventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.loopStarvedShare = neverStarved
	srv.Register(command.Spec{Name: "TEST.ECHOLATER", Arity: 2, Flags: command.Blocking, Handler: func(ctx *command.Ctx, args [][]byte) {
		time.Sleep(time.Millisecond)
		ctx.Reply.Bulk(args[1])
	}})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const clients, rounds = 12, 40
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for i := range clients {
		c := dial(t, "tcp", srv.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				var req bytes.Buffer
				var want []string
				add := func(reply string, args ...string) {
					req.Write(encodeCommand(args...))
					want = append(want, reply)
				}
				key, small := fmt.Sprintf("k%d", i), fmt.Sprintf("v%d.%d", i, r)
				add("+OK\r\n", "SET", key, small)
				add(fmt.Sprintf("$%d\r\n%s\r\n", len(small), small), "GET", key)
				if (i+r)%5 == 0 { // over largeValue, or over the read buffer
					big := strings.Repeat(string(rune('a'+r%26)), []int{5 << 10, 100 << 10}[r%2])
					add("+OK\r\n", "SET", key+"b", big)
					add(fmt.Sprintf("$%d\r\n%s\r\n", len(big), big), "GET", key+"b")
				}
				if (i+r)%7 == 0 {
					add(fmt.Sprintf("$%d\r\n%s\r\n", len(small), small), "TEST.ECHOLATER", small)
				}
				add("+PONG\r\n", "PING")
				if _, err := c.nc.Write(req.Bytes()); err != nil {
					errs <- err.Error()
					return
				}
				c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				for j, w := range want {
					if got, err := readRawReply(c.br); err != nil || got != w {
						errs <- fmt.Sprintf("client %d round %d reply %d: %d bytes (%.40q), %v; want %.40q", i, r, j, len(got), got, err, w)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if _, moved := loopClients(srv); len(moved) != clients {
		t.Errorf("%d of %d connections moved; each sent a large value or a blocking command", len(moved), clients)
	}
}

// waitYielded waits until the server's loops have given way to goroutines, asking INFO on c.
func waitYielded(t *testing.T, c *testConn) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if infoField(t, c.Do("INFO", "server"), "event_loops_yielded") == 1 {
			return
		}
	}
	t.Fatal("the event loops never gave way to goroutines")
}

// Once the loops give way (here at any measured wait, so that the hand-over itself is what is
// tested), a connection on a loop moves off at its next request, keeping its session, and a new
// connection is served by a goroutine from the start.
func TestEventLoopsGiveWayWhenStarved(t *testing.T) {
	srv, err := New(Config{Name: "t", Dir: t.TempDir(), EventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.loopStarvedShare = 0
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	early := dial(t, "tcp", srv.Addr())
	if got := early.Do("CLIENT", "SETNAME", "early"); got != "+OK\r\n" {
		t.Fatalf("CLIENT SETNAME = %q", got)
	}
	if onLoop, _ := loopClients(srv); len(onLoop) != 1 {
		t.Fatalf("%d connections on the loop before it gave way, want 1", len(onLoop))
	}
	waitYielded(t, early)
	waitMoved(t, srv, 1)
	if got := early.Do("CLIENT", "GETNAME"); got != "$5\r\nearly\r\n" {
		t.Errorf("CLIENT GETNAME after the move = %q", got)
	}
	late := dial(t, "tcp", srv.Addr())
	if got := late.Do("SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET on a new connection = %q", got)
	}
	onLoop, moved := loopClients(srv)
	if len(onLoop) != 0 || len(moved) != 1 {
		t.Errorf("%d connections on the loop and %d moved, want 0 and 1 (the new one on a goroutine)", len(onLoop), len(moved))
	}
	if got := early.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET = %q", got)
	}
}

// A yield lasts its period: then the loops take connections again and, the cores still busy (here:
// any wait counts), give way again.
func TestEventLoopsYieldForAPeriod(t *testing.T) {
	srv, err := New(Config{Name: "t", Dir: t.TempDir(), EventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.loopStarvedShare, srv.loopYieldPeriod = 0, 300*time.Millisecond
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, "tcp", srv.Addr())
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if infoField(t, c.Do("INFO", "server"), "event_loops_yields") >= 2 {
			return
		}
	}
	t.Fatalf("the loops did not yield twice: %q", c.Do("INFO", "server"))
}

// A loop whose thread really waits for a CPU, because busy processes fill every core while a client
// keeps it answering, gives way by itself, at the threshold ssrun uses.
func TestEventLoopsGiveWayToBusyCores(t *testing.T) {
	if _, err := os.Stat("/proc/thread-self/schedstat"); err != nil {
		t.Skip("the kernel keeps no scheduler statistics (CONFIG_SCHED_INFO)")
	}
	if runtime.NumCPU() > 8 {
		t.Skip("filling every core of a large machine takes too many processes for a unit test")
	}
	srv, err := New(Config{Name: "t", Dir: t.TempDir(), EventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for range runtime.NumCPU() + 1 {
		spin := exec.Command("sh", "-c", "while :; do :; done")
		if err := spin.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { spin.Process.Kill(); spin.Wait() })
	}
	busy := dial(t, "tcp", srv.Addr())
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { // keeps the loop answering: 64 pipelined PINGs at a time until stopped
		batch := bytes.Repeat(encodeCommand("PING"), 64)
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			busy.Send(batch)
			for range 64 {
				if got := busy.Reply(); got != "+PONG\r\n" {
					done <- fmt.Errorf("PING = %q", got)
					return
				}
			}
		}
	}()
	defer func() {
		close(stop)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitYielded(t, dial(t, "tcp", srv.Addr()))
}
