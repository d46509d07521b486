package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/netloop"
	"github.com/ssrun/ssrun/resp"
)

// Server is one `ssrun db` shard: listeners, connections, the keyspace and the command table.
type Server struct {
	cfg      Config
	keys     *Keyspace
	commands map[string]*command.Spec
	cluster  atomic.Pointer[clusterState] // nil when standalone; replaced whole by CLUSTER SETNODES
	closers  []func()                     // command families to close on shutdown (the AI module)
	aiInfo   func() string                // the "# Ai" INFO section: backends loaded, queues, chunk size (nil before registration)
	// aiModulesInfo is the AI module's part of INFO MODULES (RedisAI's ai_* sections); nil before registration.
	aiModulesInfo func() string
	ai            *ai.Module
	persist       *persistence // snapshots and the append-only log (persistence.go)
	logf          func(format string, args ...any)

	ctx    context.Context // cancelled at shutdown; every connection's context derives from it
	cancel context.CancelFunc

	mu        sync.Mutex
	listeners []net.Listener
	loops     []*netloop.Loop // the event loops serving TCP connections (connection_loop.go)
	// loopsYielded: a loop found its thread starved of CPU at loopsYieldedAt, and TCP connections are
	// served on goroutines for loopYieldPeriod (connection_loop.go); loopYields counts the yields.
	loopsYielded     atomic.Bool
	loopsYieldedAt   atomic.Int64
	loopYields       atomic.Int64
	loopStarvedShare float64
	loopYieldPeriod  time.Duration
	clients          map[*client]struct{}
	started          bool
	closed           bool
	wg               sync.WaitGroup

	done         chan struct{} // closed once Shutdown has finished
	shutdownReq  chan struct{} // closed by the SHUTDOWN command
	shutdownOnce sync.Once

	startTime     time.Time
	nextClientID  atomic.Int64
	lastSave      atomic.Int64
	requirePass   atomic.Pointer[string]
	protectedMode atomic.Bool // see security.go
	maxBulkLen    atomic.Int64
	stats         serverStats
	settings      *settings
	maxClients    atomic.Int64 // connections accepted at once (CONFIG SET maxclients)
	idleTimeout   atomic.Int64 // seconds a client may stay idle before it is closed (CONFIG SET timeout); 0: forever
}

// defaultMaxClients is Redis's default maxclients: connections past it are refused with Redis's error.
const defaultMaxClients = 10000

type serverStats struct {
	connections  atomic.Int64
	commands     atomic.Int64
	rejectedConn atomic.Int64
}

// New validates cfg and builds a server with the core commands registered. It does not listen yet.
func New(cfg Config) (*Server, error) {
	if len(cfg.Binds) == 0 {
		cfg.Binds = []string{"127.0.0.1"}
	}
	if cfg.Name == "" {
		cfg.Name = "db"
	}
	if cfg.MaxBulkLen <= 0 {
		cfg.MaxBulkLen = resp.DefaultMaxBulkLen
	}
	if cfg.MaxMemory < 0 {
		return nil, fmt.Errorf("maxmemory must not be negative")
	}
	if cfg.Port > 65535 {
		return nil, fmt.Errorf("invalid port %d", cfg.Port)
	}
	if cfg.Port < 0 && cfg.UnixSocket == "" {
		return nil, fmt.Errorf("nothing to listen on: TCP is disabled and no unix socket was given")
	}
	if cfg.Threads <= 0 {
		cfg.Threads = runtime.NumCPU()
	}
	s := &Server{
		cfg:         cfg,
		keys:        NewKeyspace(cfg.MaxMemory),
		commands:    map[string]*command.Spec{},
		clients:     map[*client]struct{}{},
		done:        make(chan struct{}),
		shutdownReq: make(chan struct{}),
		startTime:   time.Now(),

		loopStarvedShare: loopStarvedShare,
		loopYieldPeriod:  loopYieldPeriod,
	}
	s.maxClients.Store(defaultMaxClients)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	pass := cfg.RequirePass
	s.requirePass.Store(&pass)
	s.protectedMode.Store(cfg.ProtectedMode != "no")
	s.maxBulkLen.Store(cfg.MaxBulkLen)
	s.lastSave.Store(s.startTime.Unix())
	s.settings = newSettings(s)
	if cfg.Cluster != nil {
		if cfg.Port < 0 {
			return nil, fmt.Errorf("cluster mode needs TCP: clients are redirected to host:port addresses")
		}
		if err := validateCluster(cfg.Cluster); err != nil {
			return nil, err
		}
	}
	s.logf = cfg.Logf
	if s.logf == nil {
		s.logf = func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "ssrun db %s: %s\n", cfg.Name, fmt.Sprintf(format, args...))
		}
	}
	s.Register(coreCommands(s)...)
	if err := registerModules(s); err != nil {
		return nil, err
	}
	if err := s.initPersistence(cfg); err != nil {
		return nil, err
	}
	if err := s.applyRenames(cfg.RenameCommands); err != nil {
		return nil, err
	}
	return s, nil
}

// Register adds command specs (a command family such as the AI module's). A later spec with the same
// name replaces an earlier one.
func (s *Server) Register(specs ...command.Spec) {
	for i := range specs {
		sp := specs[i]
		s.commands[upper(sp.Name)] = &sp
	}
}

// commandsProcessed is total_commands_processed: the closed connections' share plus the open ones'.
func (s *Server) commandsProcessed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.stats.commands.Load()
	for c := range s.clients {
		n += c.commands.Load()
	}
	return n
}

// resetStats zeroes the INFO stats counters (CONFIG RESETSTAT).
func (s *Server) resetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.commands.Store(0)
	s.stats.connections.Store(0)
	s.stats.rejectedConn.Store(0)
	for c := range s.clients {
		c.commands.Store(0)
	}
}

// Keys is the server's keyspace.
func (s *Server) Keys() *Keyspace { return s.keys }

// Start opens the listeners and accepts connections in the background. It returns once the server is
// accepting, or with the first listen error (having closed what it opened).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("server already started")
	}
	if s.closed {
		return errors.New("server is shut down")
	}
	// Data on disk is loaded before any client can connect, as redis-server does.
	if err := s.persist.load(); err != nil {
		return err
	}
	var lns []net.Listener
	fail := func(err error) error {
		for _, ln := range lns {
			ln.Close()
		}
		return err
	}
	if s.cfg.Port >= 0 {
		port := s.cfg.Port
		for _, host := range s.cfg.Binds {
			ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				return fail(fmt.Errorf("listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err))
			}
			// With port 0 the first bind picks the port and the others use the same one.
			port = ln.Addr().(*net.TCPAddr).Port
			lns = append(lns, ln)
		}
	}
	if s.cfg.UnixSocket != "" {
		// A stale socket file left by a killed server would make Listen fail; Redis removes it too.
		if fi, err := os.Lstat(s.cfg.UnixSocket); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(s.cfg.UnixSocket)
		}
		ln, err := net.Listen("unix", s.cfg.UnixSocket)
		if err != nil {
			return fail(fmt.Errorf("listen on unix socket %s: %w", s.cfg.UnixSocket, err))
		}
		lns = append(lns, ln)
	}
	if err := s.startEventLoops(); err != nil {
		return fail(err)
	}
	s.listeners = lns
	s.started = true
	if s.cfg.Cluster != nil {
		s.cluster.Store(newClusterState(s.cfg.Cluster, s.announceAddr(), s.cfg.Name))
	}
	for _, ln := range lns {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.persist.run()
	return nil
}

// announceAddr is the address clients are told about (CLUSTER SLOTS, MOVED, the ready line).
func (s *Server) announceAddr() string {
	if s.cfg.Cluster != nil && s.cfg.Cluster.Announce != "" {
		return s.cfg.Cluster.Announce
	}
	return s.addrLocked()
}

// Addr is the first TCP listening address (host:port), or the unix socket path when TCP is disabled.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrLocked()
}

func (s *Server) addrLocked() string {
	for _, ln := range s.listeners {
		if ln.Addr().Network() == "tcp" {
			return ln.Addr().String()
		}
	}
	if len(s.listeners) > 0 {
		return s.listeners[0].Addr().String()
	}
	return ""
}

// Addrs lists every listening address.
func (s *Server) Addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ln := range s.listeners {
		out = append(out, ln.Addr().String())
	}
	return out
}

// NodeID is this node's cluster id ("" when standalone).
func (s *Server) NodeID() string {
	st := s.cluster.Load()
	if st == nil {
		return ""
	}
	return st.self.id
}

// ShutdownRequested is closed when a client sends SHUTDOWN; the owner then calls Shutdown.
func (s *Server) ShutdownRequested() <-chan struct{} { return s.shutdownReq }

// Done is closed once the server has shut down.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) requestShutdown() {
	s.shutdownOnce.Do(func() { close(s.shutdownReq) })
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return // listener closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		if int64(len(s.clients)) >= s.maxClients.Load() {
			s.mu.Unlock()
			s.stats.rejectedConn.Add(1)
			nc.SetWriteDeadline(time.Now().Add(time.Second))
			nc.Write([]byte("-ERR max number of clients reached\r\n"))
			nc.Close()
			continue
		}
		if msg := s.protectedRefusal(nc.RemoteAddr()); msg != "" {
			s.mu.Unlock()
			s.stats.rejectedConn.Add(1)
			nc.SetWriteDeadline(time.Now().Add(time.Second))
			nc.Write([]byte("-" + msg + "\r\n"))
			nc.Close()
			continue
		}
		if c, ok := s.loopClient(nc); ok {
			s.admitClient(c)
			s.mu.Unlock()
			s.register(c)
			continue
		}
		c, err := s.newClient(nc)
		if err != nil { // not a socket: cannot happen for TCP and unix listeners
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.admitClient(c)
		s.mu.Unlock()
		go func() {
			s.serve(c)
			s.forget(c)
		}()
	}
}

// admitClient counts a new connection in (under s.mu); forget counts it out once it has closed.
func (s *Server) admitClient(c *client) {
	s.clients[c] = struct{}{}
	s.wg.Add(1)
	s.stats.connections.Add(1)
}

func (s *Server) forget(c *client) {
	s.mu.Lock()
	s.stats.commands.Add(c.commands.Load()) // closed connections' share of the total
	delete(s.clients, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting, closes every connection (cancelling running commands' contexts), closes the
// command families and waits for the connection goroutines until ctx expires.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.cancel()
	for c := range s.clients {
		c.netConn.Close()
	}
	s.mu.Unlock()
	waited := make(chan struct{})
	go func() { s.wg.Wait(); close(waited) }()
	var err error
	select {
	case <-waited:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.closeEventLoops()
	for _, closeFn := range s.closers {
		closeFn()
	}
	close(s.done) // (closing a unix listener has already removed its socket file)
	return err
}

// Close shuts down, waiting at most five seconds for running commands.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
