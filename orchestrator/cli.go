package orchestrator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/resp"
)

// ReadyLinePrefix starts the one line `ssrun db` prints on stdout once it accepts connections. The rest
// of the line is a JSON object (ReadyInfo); the experiment runtime parses it the way SmartSim parses
// SMARTSIM_ORC_SHARD_INFO.
const ReadyLinePrefix = "SSRUN_DB_READY "

// ReadyInfo is the JSON of the ready line.
type ReadyInfo struct {
	Name       string   `json:"name"`
	Addr       string   `json:"addr"`  // host:port clients should use (the cluster announce address)
	Addrs      []string `json:"addrs"` // every listening address
	UnixSocket string   `json:"unixsocket,omitempty"`
	Cluster    bool     `json:"cluster"`
	NodeID     string   `json:"node_id,omitempty"`
	Slots      string   `json:"slots,omitempty"` // "START-END" owned by this node in cluster mode
	PID        int      `json:"pid"`
	Node       string   `json:"node,omitempty"`      // the scheduler's name of the node (with --interface)
	BindNote   string   `json:"bind_note,omitempty"` // how --interface chose the address
	StepID     string   `json:"step_id,omitempty"`   // the Slurm step running the shard ("1234.0")
}

// gcBallastBytes is an allocation the db process holds and never touches: a floor under the heap
// goal, so a fresh shard, whose live heap is small while every request allocates its value, collects
// at most every ~16 MiB allocated rather than every 4 MiB (with GOMAXPROCS=2 each cycle's mark workers
// took the other core from the clients: a 64 KiB SET cost 76 us of server CPU without a ballast, 51 us
// with this one). It is no larger because every allocation between two collections lands on memory
// not touched since the previous cycle: with 64 MiB a 4 KiB AI.TENSORSET cost 34-46 us instead of
// 21 us, cache misses and page faults. Its pages are never written, so it costs no physical memory;
// once real data dominates the heap it no longer matters.
const gcBallastBytes = 16 << 20

// Main runs `ssrun db ARGS...`: it parses the flags, starts the shard, prints the ready line and serves
// until SIGTERM, SIGINT or SHUTDOWN. It returns the process exit code: 0 after a clean stop, 2 for bad
// flags, 1 when the server cannot start.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, readyFile, code, err := parseFlags(args, stderr)
	if err != nil {
		if err != pflag.ErrHelp {
			fmt.Fprintf(stderr, "ssrun db: %v\n", err)
		}
		return code
	}
	// Signals are caught before listening so that a TERM sent right after the ready line is handled.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	srv, err := New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "ssrun db: %v\n", err)
		return 2
	}
	ballast := make([]byte, gcBallastBytes)
	defer runtime.KeepAlive(ballast)
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stderr, "ssrun db: %v\n", err)
		return 1
	}
	info := srv.readyInfo()
	line, _ := json.Marshal(info)
	fmt.Fprintf(stdout, "%s%s\n", ReadyLinePrefix, line)
	if readyFile != "" {
		if err := writeReadyFile(readyFile, []byte(ReadyLinePrefix+string(line)+"\n")); err != nil {
			fmt.Fprintf(stderr, "ssrun db %s: %v\n", cfg.Name, err)
			srv.Shutdown(context.Background())
			return 1
		}
	}
	mode := "standalone"
	if info.Cluster {
		mode = "cluster node " + info.NodeID + " slots " + info.Slots
	}
	if cfg.BindNote != "" {
		fmt.Fprintf(stderr, "ssrun db %s: %s\n", cfg.Name, cfg.BindNote)
	}
	fmt.Fprintf(stderr, "ssrun db %s: accepting connections on %s (%s, pid %d)\n", cfg.Name, strings.Join(info.Addrs, ", "), mode, info.PID)
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	select {
	case sig := <-sigs:
		fmt.Fprintf(stderr, "ssrun db %s: received %v, shutting down\n", cfg.Name, sig)
		if err := srv.SaveBeforeExit(); err != nil {
			fmt.Fprintf(stderr, "ssrun db %s: final snapshot failed: %v\n", cfg.Name, err)
		}
	case <-srv.ShutdownRequested():
		fmt.Fprintf(stderr, "ssrun db %s: SHUTDOWN received, shutting down\n", cfg.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintf(stderr, "ssrun db %s: shutdown: %v\n", cfg.Name, err)
	}
	return 0
}

func (s *Server) readyInfo() ReadyInfo {
	info := ReadyInfo{Name: s.cfg.Name, Addr: s.Addr(), Addrs: s.Addrs(), UnixSocket: s.cfg.UnixSocket,
		Cluster: s.cluster.Load() != nil, PID: os.Getpid(), Node: s.cfg.NodeName, BindNote: s.cfg.BindNote,
		StepID: slurmStepID()}
	if st := s.cluster.Load(); st != nil {
		info.Addr = st.self.addr()
		info.NodeID = st.self.id
		info.Slots = st.self.slots.String()
	}
	return info
}

func parseFlags(args []string, stderr io.Writer) (cfg Config, readyFile string, code int, err error) {
	cfg, code, err = parseConfigFlags(args, stderr, &readyFile)
	return cfg, readyFile, code, err
}

// writeReadyFile writes the ready line to its own file, atomically (a temporary file renamed), so the
// driver never reads half a line: on a workload manager several shards may share one output file.
func writeReadyFile(path string, line []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, line, 0o644); err != nil {
		return fmt.Errorf("--ready-file: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("--ready-file: %v", err)
	}
	return nil
}

func parseConfigFlags(args []string, stderr io.Writer, readyFile *string) (Config, int, error) {
	fs := pflag.NewFlagSet("ssrun db", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ssrun db [flags]\n\nRun one orchestrator shard (an in-memory Redis/RedisAI-compatible database).\n\nFlags:\n%s", fs.FlagUsages())
	}
	var (
		cfg       Config
		maxmemory string
		maxBulk   string
		cluster   bool
		nodeID    string
		slots     string
		announce  string
		peers     []string
		ifaces    []string
		fallback  bool
		nodeAddr  bool
		pending   bool
		saves     []string
		aof       string
	)
	fs.StringVar(&cfg.Name, "name", "db", "shard `NAME`, reported in INFO and the ready line")
	fs.IntVar(&cfg.Port, "port", 6780, "TCP `PORT` (0 picks a free one; -1 disables TCP)")
	fs.StringArrayVar(&cfg.Binds, "bind", []string{"127.0.0.1"}, "interface `ADDR` to listen on (repeatable)")
	fs.StringSliceVar(&ifaces, "interface", nil, "network interface `NAME` whose IPv4 address on this node to bind and advertise (repeatable or comma-separated; replaces --bind)")
	fs.BoolVar(&fallback, "interface-fallback", false, "where this node lacks an --interface, bind the address the workload manager knows the node by (logged) instead of failing")
	fs.BoolVar(&nodeAddr, "node-address", false, "bind the address the workload manager knows this node by (Slurm NodeAddr, else the host name's address)")
	fs.StringVar(readyFile, "ready-file", "", "also write the ready line to `PATH` (atomically), for drivers reading it from a shared file system")
	fs.StringVar(&cfg.UnixSocket, "unixsocket", "", "also listen on the unix socket at `PATH`")
	fs.StringVar(&cfg.RequirePass, "requirepass", "", "`PASSWORD` clients must AUTH with")
	fs.StringVar(&maxmemory, "maxmemory", "0", "memory limit for keys and values, `SIZE` in bytes or as 100mb, 1gb (0 = none)")
	fs.StringVar(&maxBulk, "proto-max-bulk-len", "512mb", "largest request argument accepted, `SIZE` up to 512mb")
	fs.IntVar(&cfg.EventLoops, "event-loops", 0, "`N` event loops serving TCP connections (0 = one per two CPUs, at least one; -1 = a goroutine per connection)")
	fs.IntVar(&cfg.Threads, "threads", 0, "`N` execution workers per device queue for AI commands (0 = number of CPUs)")
	fs.IntVar(&cfg.Threads, "threads-per-queue", 0, "`N`, same as --threads (RedisAI's THREADS_PER_QUEUE)")
	fs.StringVar(&cfg.ONNXRuntime, "onnxruntime", "", "ONNX Runtime shared library `PATH` (or a directory holding libonnxruntime.so; default $SSRUN_ONNXRUNTIME_LIB)")
	fs.IntVar(&cfg.IntraOpThreads, "intra-op-threads", 0, "`N` ONNX Runtime threads inside one operator (0 = CPUs / threads per queue, at least 1)")
	fs.IntVar(&cfg.InterOpThreads, "inter-op-threads", 0, "`N` ONNX Runtime threads across operators (0 = its default)")
	fs.StringVar(&cfg.TorchBackend, "torch", "", "TORCH backend `PATH`: libssrun_torch.so from `make torch-backend`, or its directory (default $SSRUN_TORCH_BACKEND)")
	fs.StringVar(&cfg.ScriptEngine, "script-engine", "auto", "`ENGINE` for scripts: auto (TorchScript when the TORCH backend is loaded, else Starlark), torch or starlark")
	fs.BoolVar(&cluster, "cluster", false, "run as a Redis Cluster node (implied by --cluster-slots)")
	fs.StringVar(&nodeID, "cluster-node-id", "", "this node's 40-hex `ID` (default: derived from name and address)")
	fs.StringVar(&slots, "cluster-slots", "", "slot range this node owns, `START-END` (default 0-16383)")
	fs.StringVar(&announce, "cluster-announce", "", "`HOST:PORT` given to clients for this node (default: first bind and port)")
	fs.StringArrayVar(&peers, "cluster-peer", nil, "another node as `ID,HOST:PORT,START-END` (repeatable)")
	fs.BoolVar(&pending, "cluster-pending", false, "start knowing only this node's slots; the map arrives with CLUSTER SETNODES")
	fs.StringVar(&cfg.Dir, "dir", ".", "`DIR` holding the snapshot and the append-only log")
	fs.StringVar(&cfg.DBFilename, "dbfilename", "", "snapshot file `NAME` in --dir, ssrun's own format (default dump-SHARDNAME.ssdb; dump.ssdb for the name db)")
	fs.StringVar(&cfg.AppendFilename, "appendfilename", "", "append-only log file `NAME` in --dir (default appendonly-SHARDNAME.ssaof; appendonly.ssaof for the name db)")
	fs.StringArrayVar(&saves, "save", nil, "snapshot after `\"SECONDS CHANGES\"` (repeatable; \"\" for none, the default)")
	fs.StringVar(&aof, "appendonly", "no", "`yes` keeps an append-only log of every write and loads it at start")
	fs.StringVar(&cfg.AppendFsync, "appendfsync", "everysec", "when the log is fsynced: `always` (before each reply), everysec or no")
	fs.StringVar(&cfg.StopWritesOnBgsaveError, "stop-writes-on-bgsave-error", "yes", "`yes` refuses writes with MISCONF after a failed snapshot")
	fs.StringVar(&cfg.ProtectedMode, "protected-mode", "yes", "`yes` refuses clients from other hosts while no password is set")
	fs.StringArrayVar(&cfg.RenameCommands, "rename-command", nil, "`NAME NEWNAME`: rename a command, or disable it with an empty NEWNAME (repeatable)")
	if err := fs.Parse(joinRenameArgs(args)); err != nil {
		if err == pflag.ErrHelp {
			return cfg, 0, err
		}
		return cfg, 2, err
	}
	if fs.NArg() > 0 {
		return cfg, 2, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	cfg.Save = strings.Join(saves, " ")
	switch aof {
	case "yes":
		cfg.AppendOnly = true
	case "no":
	default:
		return cfg, 2, fmt.Errorf("--appendonly: want yes or no, got %q", aof)
	}
	for _, v := range []struct{ flag, val string }{{"--stop-writes-on-bgsave-error", cfg.StopWritesOnBgsaveError}, {"--protected-mode", cfg.ProtectedMode}} {
		if v.val != "yes" && v.val != "no" {
			return cfg, 2, fmt.Errorf("%s: want yes or no, got %q", v.flag, v.val)
		}
	}
	if cfg.MaxMemory, err = ParseMemory(maxmemory); err != nil {
		return cfg, 2, fmt.Errorf("--maxmemory: %v", err)
	}
	if cfg.MaxBulkLen, err = ParseMemory(maxBulk); err != nil || cfg.MaxBulkLen < 1 || cfg.MaxBulkLen > resp.DefaultMaxBulkLen {
		return cfg, 2, fmt.Errorf("--proto-max-bulk-len: want a size between 1 and 512mb, got %q", maxBulk)
	}
	if cfg.Threads < 0 {
		return cfg, 2, fmt.Errorf("--threads must not be negative")
	}
	if cfg.IntraOpThreads < 0 || cfg.InterOpThreads < 0 {
		return cfg, 2, fmt.Errorf("--intra-op-threads and --inter-op-threads must not be negative")
	}
	if !ai.ValidScriptEngine(cfg.ScriptEngine) {
		return cfg, 2, fmt.Errorf("--script-engine: want auto, torch or starlark, got %q", cfg.ScriptEngine)
	}
	if len(ifaces) > 0 || nodeAddr {
		if fs.Changed("bind") {
			return cfg, 2, fmt.Errorf("--bind and --interface/--node-address both choose the listening address; give one")
		}
		bc, err := ResolveBinds(ifaces, fallback, nodeAddr)
		if err != nil {
			return cfg, 1, err
		}
		cfg.Binds, cfg.NodeName, cfg.BindNote = bc.Addrs, bc.Node, bc.Note
	}
	if cluster || slots != "" || len(peers) > 0 || nodeID != "" || pending {
		cc := &ClusterConfig{NodeID: nodeID, Announce: announce, Slots: SlotRange{0, slotCount - 1}, Pending: pending}
		if slots != "" {
			if cc.Slots, err = ParseSlotRange(slots); err != nil {
				return cfg, 2, fmt.Errorf("--cluster-slots: %v", err)
			}
		}
		if announce != "" {
			if _, _, err := splitHostPort(announce); err != nil {
				return cfg, 2, fmt.Errorf("--cluster-announce: %v", err)
			}
		}
		for _, p := range peers {
			peer, err := ParseClusterPeer(p)
			if err != nil {
				return cfg, 2, fmt.Errorf("--cluster-peer: %v", err)
			}
			cc.Peers = append(cc.Peers, peer)
		}
		cfg.Cluster = cc
	}
	return cfg, 0, nil
}

// slurmStepID is the Slurm step this process runs in ("1234.0"), "" outside one.
func slurmStepID() string {
	job, step := os.Getenv("SLURM_JOB_ID"), os.Getenv("SLURM_STEP_ID")
	if job == "" || step == "" {
		return ""
	}
	return job + "." + step
}

// joinRenameArgs lets --rename-command take redis-server's two arguments (`--rename-command FLUSHALL
// ""`) by joining them into the one value the flag parser expects.
func joinRenameArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		if args[i] == "--rename-command" && i+2 < len(args) {
			out = append(out, "--rename-command="+args[i+1]+" "+args[i+2])
			i += 2
			continue
		}
		out = append(out, args[i])
	}
	return out
}
