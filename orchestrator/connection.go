package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/netloop"
	"github.com/ssrun/ssrun/resp"
)

// client is one connection: its reader, writer, authentication state and CLIENT metadata.
type client struct {
	id      int64
	netConn net.Conn
	sock    *socketIO   // the socket's raw reader and writer, when a goroutine serves the connection
	lsock   *loopSocket // the socket, when an event loop took the connection (connection_loop.go); netConn too
	loop    *netloop.Loop
	rd      *resp.Reader
	wr      *resp.Writer
	ctx     context.Context
	cancel  context.CancelFunc
	cmdCtx  command.Ctx // reused for every command of this connection
	created time.Time

	authenticated bool
	quit          bool         // close after flushing the current reply (QUIT, SHUTDOWN)
	idleDeadline  bool         // a read deadline for CONFIG SET timeout is set
	tx            *transaction // non-nil between MULTI and EXEC/DISCARD
	watched       []watchedKey // WATCHed keys until EXEC, DISCARD or UNWATCH

	mu      sync.Mutex // guards the CLIENT metadata read by CLIENT LIST from other connections
	name    string
	libName string
	libVer  string
	lastCmd atomic.Pointer[string]
	// commands counts this connection's requests; INFO sums the counters. A per-connection counter
	// keeps cores from contending for one cache line on every command.
	commands atomic.Int64
}

type clientKey struct{}

// clientOf returns the connection a command runs on (core commands keep per-connection state there).
func clientOf(ctx *command.Ctx) *client {
	c, _ := ctx.Context.Value(clientKey{}).(*client)
	return c
}

func (s *Server) newClient(nc net.Conn) (*client, error) {
	sock, err := newSocketIO(nc)
	if err != nil {
		return nil, err
	}
	c := s.clientOn(nc, sock)
	c.sock = sock
	return c, nil
}

// newLoopClient is newClient for a connection an event loop serves.
func (s *Server) newLoopClient(ls *loopSocket) *client {
	c := s.clientOn(ls, ls)
	c.lsock = ls
	return c
}

// clientOn builds a client reading and writing rw, the socket of nc.
func (s *Server) clientOn(nc net.Conn, rw io.ReadWriter) *client {
	c := &client{
		id:      s.nextClientID.Add(1),
		netConn: nc,
		rd:      resp.NewReader(rw, &s.maxBulkLen),
		wr:      resp.NewWriter(rw),
		created: time.Now(),
	}
	c.ctx, c.cancel = context.WithCancel(context.WithValue(s.ctx, clientKey{}, c))
	c.cmdCtx = command.Ctx{Context: c.ctx, Keys: s.keys, Reply: c.wr}
	c.authenticated = *s.requirePass.Load() == ""
	c.rd.SetAuthenticated(c.authenticated)
	c.rd.SetArgAlloc(s.keys.ArgBuffer)
	return c
}

// serve reads requests and answers them in order until the peer leaves, a protocol error occurs, or
// the client asks to quit. Replies are flushed when no further request is already buffered, so a
// pipeline is answered with as few writes as possible. A TCP connection is served inside one
// RawConn.Read (serveHeld), leaving it only for a request longer than the read buffer.
func (s *Server) serve(c *client) {
	defer func() {
		c.cancel()
		c.netConn.Close()
	}()
	for {
		if c.sock.holdable && s.serveHeld(c) {
			return
		}
		if !s.serveOne(c) {
			return
		}
	}
}

// armIdleTimeout sets the read deadline of CONFIG SET timeout while no request is buffered, and clears
// it while one is.
func (s *Server) armIdleTimeout(c *client) {
	if idle := s.idleTimeout.Load(); idle > 0 && c.rd.Buffered() == 0 {
		c.netConn.SetReadDeadline(time.Now().Add(time.Duration(idle) * time.Second))
		c.idleDeadline = true
	} else if c.idleDeadline {
		c.netConn.SetReadDeadline(time.Time{})
		c.idleDeadline = false
	}
}

// serveOne reads one request, waiting for it as long as it takes, and answers it; false ends the
// connection.
func (s *Server) serveOne(c *client) bool {
	s.armIdleTimeout(c)
	args, err := c.rd.Read()
	if err != nil {
		s.refuseMalformed(c, err)
		return false
	}
	return s.answer(c, args)
}

// answer runs one request and flushes the replies once no further request is buffered; false ends the
// connection.
func (s *Server) answer(c *client, args [][]byte) bool {
	return s.answerWith(c, s.lookup(args[0]), args)
}

// answerWith is answer for a request whose command was looked up already (nil: unknown).
func (s *Server) answerWith(c *client, spec *command.Spec, args [][]byte) bool {
	s.execute(c, spec, args)
	if c.quit {
		c.wr.Flush()
		return false
	}
	if c.rd.Buffered() == 0 {
		return c.wr.Flush() == nil
	}
	return true
}

// refuseMalformed answers a protocol error before the connection closes, as Redis does.
func (s *Server) refuseMalformed(c *client, err error) {
	var pe *resp.ProtocolError
	if errors.As(err, &pe) {
		c.wr.Error("ERR " + pe.Error())
		c.wr.Flush()
	}
}

// serveHeld answers requests from inside one RawConn.Read of the connection, for as long as every
// request fits in the read buffer; it reports whether the connection has ended. Go's poller clears a
// descriptor's readiness when a read starts, so a goroutine that starts a read per request must read
// until EAGAIN before it may wait, a second read(2) per unpipelined request that redis-server does
// not make. Inside one RawConn.Read, readiness that arrives while requests are answered is kept: after
// a read that came back short (the socket was empty then) the callback returns to the poller at
// once, which wakes it for the next request.
func (s *Server) serveHeld(c *client) (ended bool) {
	err := c.sock.raw.Read(func(fd uintptr) bool {
		c.sock.hold(fd)
		defer c.sock.release()
		for {
			if c.sock.closing() {
				ended = true
				return true
			}
			s.armIdleTimeout(c)
			args, next := s.nextBuffered(c, c.sock.drained)
			switch next {
			case waitForMore:
				return c.flushBeforeWait(&ended)
			case endConnection:
				ended = true
				return true
			case readLongRequest: // serveOne reads it, waiting as long as it takes
				ended = c.wr.Flush() != nil
				return true
			}
			if !s.answer(c, args) {
				ended = true
				return true
			}
		}
	})
	return ended || err != nil // a deadline (idle timeout) or the connection closed
}

// bufferedStep is what serving a connection without waiting on its socket comes to next.
type bufferedStep int

const (
	answerRequest   bufferedStep = iota // a whole request was read
	waitForMore                         // nothing whole is buffered and the socket is empty
	readLongRequest                     // the next request is longer than the read buffer
	endConnection                       // the peer left or sent malformed framing (refused)
)

// nextBuffered returns the next request when it can be had without waiting: from the buffer, parsed
// once when it is whole there, or after one read of a socket that drained says may hold more.
func (s *Server) nextBuffered(c *client, drained bool) ([][]byte, bufferedStep) {
	if args, ok := c.rd.ReadBuffered(); ok {
		return args, answerRequest
	}
	if c.rd.Buffered() == 0 && drained {
		return nil, waitForMore
	}
	ready, tooLarge, err := c.rd.Ready()
	switch {
	case errors.Is(err, errWouldBlock), err == nil && !ready && !tooLarge:
		return nil, waitForMore
	case err != nil:
		return nil, endConnection
	case tooLarge:
		return nil, readLongRequest
	}
	args, err := c.rd.Read()
	if errors.Is(err, errWouldBlock) { // only empty requests were buffered
		return nil, waitForMore
	}
	if err != nil {
		s.refuseMalformed(c, err)
		return nil, endConnection
	}
	return args, answerRequest
}

// flushBeforeWait writes the replies buffered so far before the callback returns to the poller; true
// (stop reading) if the write failed.
func (c *client) flushBeforeWait(ended *bool) bool {
	if c.wr.Flush() != nil {
		*ended = true
		return true
	}
	return false
}

// execute checks a request the way Redis's processCommand does (unknown command, arity,
// authentication, cluster redirection, memory) and runs its handler.
func (s *Server) execute(c *client, spec *command.Spec, args [][]byte) {
	c.commands.Add(1)
	spec, refusal := s.admit(c, spec, args)
	if refusal != "" {
		if c.tx != nil {
			c.tx.failed = true // EXEC will answer EXECABORT, as Redis flags the transaction
		}
		c.wr.Error(refusal)
		return
	}
	if c.tx != nil && !runsInsideMulti(spec) {
		c.tx.queue = append(c.tx.queue, queuedCommand{spec: spec, args: args})
		c.wr.SimpleString("QUEUED")
		return
	}
	c.lastCmd.Store(&spec.Name)
	s.run(c, spec, args)
	if releasesArgs(spec) {
		c.rd.Release(args)
	}
}

// releasesArgs lists the commands whose handlers keep neither the argument array nor the command name
// (they may keep other arguments, as SET keeps its value): after them the request reader reuses both.
// These are the commands of the data path, where two allocations of five per request are worth saving;
// any other command keeps today's fresh allocations, so a handler that stores its arguments stays safe.
func releasesArgs(spec *command.Spec) bool {
	switch spec.Name {
	case "GET", "SET", "MGET", "MSET", "EXISTS", "DEL", "UNLINK", "STRLEN", "PING", "AI.TENSORGET", "AI.TENSORSET":
		return true
	}
	return false
}

// admit returns the command to run (spec, args[0]'s entry in the table), or the error that refuses
// it: unknown command, wrong arity, authentication, cluster redirection, memory (Redis's
// processCommand order).
func (s *Server) admit(c *client, spec *command.Spec, args [][]byte) (*command.Spec, string) {
	if spec == nil {
		return nil, unknownCommand(args)
	}
	if (spec.Arity > 0 && len(args) != spec.Arity) || (spec.Arity < 0 && len(args) < -spec.Arity) {
		return nil, command.WrongArity(spec.Name)
	}
	if !c.authenticated && spec.Flags&command.NoAuth == 0 {
		return nil, "NOAUTH Authentication required."
	}
	if c.tx != nil && spec.Name == "SHUTDOWN" {
		// It sends no reply, so it cannot be one of EXEC's; Redis flags it no-multi too.
		return nil, "ERR Command not allowed inside a transaction"
	}
	if st := s.cluster.Load(); st != nil {
		if msg := st.redirect(spec, args); msg != "" {
			return nil, msg
		}
	}
	if spec.Flags&command.DenyOOM != 0 && s.keys.OverMemory() {
		return nil, command.OOMReply
	}
	return spec, ""
}

// run calls the handler; a panic in a command family becomes an error reply on this connection only.
func (s *Server) run(c *client, spec *command.Spec, args [][]byte) {
	if spec.Flags&command.Blocking != 0 {
		defer c.watchDisconnect()()
	}
	defer func() {
		if p := recover(); p != nil {
			c.wr.Error(fmt.Sprintf("ERR internal error in '%s': %v", strings.ToLower(spec.Name), p))
		}
	}()
	spec.Handler(&c.cmdCtx, args)
}

// watchGrace is how long a blocking command runs before its connection is watched for a hang-up. Most
// model runs end well within it, and watching costs a goroutine, a read and three deadline changes per
// command, a tenth of what batching saves per request; a peer that leaves in the first milliseconds
// only costs those milliseconds of work, and SmartRedis waits 250 ms before it gives up and resends.
const watchGrace = 5 * time.Millisecond

// watchDisconnect cancels the connection's context if the peer hangs up while a blocking command
// (model or script execution) runs past watchGrace, so the work stops instead of finishing for nobody;
// SmartRedis clients reconnect and resend a command after a 250 ms read timeout. The watcher polls the
// socket for the hang-up without reading it: the connection's goroutine may hold the socket's read side
// (serveHeld), and pipelined requests stay unread. The returned function stops it without waiting, since
// the watcher shares no state with the reader.
func (c *client) watchDisconnect() (stop func()) {
	var stopped atomic.Bool
	watcher := time.AfterFunc(watchGrace, func() {
		if c.sock.awaitHangup(&stopped) { // (a loop moves a connection to Go's poller before a blocking command)
			c.cancel()
		}
	})
	return func() {
		stopped.Store(true)
		watcher.Stop()
	}
}

// lookup finds a command case-insensitively without allocating.
func (s *Server) lookup(name []byte) *command.Spec {
	if sp, ok := s.commands[string(name)]; ok {
		return sp
	}
	var buf [64]byte
	if len(name) > len(buf) {
		return nil
	}
	up := buf[:len(name)]
	for i, ch := range name {
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		up[i] = ch
	}
	return s.commands[string(up)]
}

// unknownCommand is Redis 7's text, including its truncation of the echoed arguments to 128 bytes.
func unknownCommand(args [][]byte) string {
	var b strings.Builder
	for i := 1; i < len(args) && b.Len() < 128; i++ {
		a := args[i]
		if room := 128 - b.Len(); len(a) > room {
			a = a[:room]
		}
		b.WriteString("'" + string(a) + "' ")
	}
	name := args[0]
	if len(name) > 128 {
		name = name[:128]
	}
	return "ERR unknown command '" + string(name) + "', with args beginning with: " + b.String()
}
