// Package colocated is `ssrun colocated`: the wrapper a colocated model's step runs on every node,
// in the role of SmartSim's colocated entrypoint script. The driver writes the step as
//
//	<run command> <run args> ssrun colocated [database options] [ML objects] -- <exe> <exe args>
//
// and on each node the wrapper starts a database shard (`ssrun db`) on loopback TCP or a Unix socket,
// waits until it answers PING, stores the model's ML models and scripts in it, runs the program with
// SSDB pointing at it, forwards SIGINT and SIGTERM to the program, and when the program ends stops the
// shard and exits with the program's exit code (128+N when signal N killed it).
//
// With an MPI-style run command several ranks of the step run on one node. Only the node-local rank 0
// starts the shard; the other ranks wait until it answers and holds every ML object, then run their
// program against it. Every rank holds a shared lock on a node-local file while it runs, and rank 0
// stops the shard only once it can take that lock exclusively, that is after the last local rank ended.
package colocated

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/ssrun/ssrun/runtime"
)

// Exit codes of the wrapper itself, as env(1) and container runtimes use them, so that they are not
// mistaken for the program's own.
const (
	exitUsage         = 2   // bad flags
	exitWrapperFailed = 125 // the database could not be started or loaded
	exitCannotExecute = 126 // the program exists but cannot be run
	exitNotFound      = 127 // the program was not found
)

// config is the parsed command line.
type config struct {
	name         string
	port         int
	ifname       string
	socket       string
	socketPerms  int
	dbCPUs       int
	pinning      string
	dbID         string
	dbLog        string
	dbArgs       []string
	modelSpecs   []string
	scriptSpecs  []string
	readyTimeout time.Duration
	program      []string
	models       []*runtime.MLModel
	scripts      []*runtime.Script
}

// address is the SSDB value of the node's database.
func (c *config) address() string {
	if c.socket != "" {
		return "unix://" + c.socket
	}
	return "127.0.0.1:" + strconv.Itoa(c.port)
}

// lockPath is the node-local file the ranks of one step share: beside the socket, or in the node's
// temporary directory named after the port.
func (c *config) lockPath() string {
	if c.socket != "" {
		return c.socket + ".lock"
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("ssrun-colocated-%d.lock", c.port))
}

// Main runs `ssrun colocated ARGS...` and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssrun colocated: %v\nRun 'ssrun colocated --help' for usage.\n", err)
		return exitUsage
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return run(cfg, localRank(os.LookupEnv), sigs, stderr)
}

func parseFlags(args []string, stdout, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := pflag.NewFlagSet("ssrun colocated", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.SetInterspersed(false) // the program's own flags follow it untouched
	fs.StringVar(&cfg.name, "name", "colocated_db", "database shard `NAME` (INFO, log lines)")
	fs.IntVar(&cfg.port, "port", 6379, "TCP `PORT` of the database on 127.0.0.1 (colocate_db_tcp)")
	fs.StringVar(&cfg.ifname, "ifname", "lo", "also bind the IPv4 address of network interface `NAME` on this node (lo: loopback only)")
	fs.StringVar(&cfg.socket, "unix-socket", "", "serve on the Unix socket at `PATH` instead of TCP (colocate_db_uds)")
	fs.IntVar(&cfg.socketPerms, "socket-permissions", 755, "`MODE` of the socket, octal digits as SmartSim's socket_permissions")
	fs.IntVar(&cfg.dbCPUs, "db-cpus", 1, "`N` cores the database's Go scheduler uses (GOMAXPROCS)")
	fs.StringVar(&cfg.pinning, "pinning", "", "pin the database to `CPUS` (e.g. 0,1) with taskset where the node has it; empty: no pinning")
	fs.StringVar(&cfg.dbID, "db-identifier", "", "database `ID`: the program gets SSDB_<ID> and SR_DB_TYPE_<ID> (empty: SSDB, SR_DB_TYPE)")
	fs.StringVar(&cfg.dbLog, "db-log", os.DevNull, "database log `FILE`; {node} is replaced by the node's name")
	fs.StringArrayVar(&cfg.dbArgs, "db-arg", nil, "database option `KEY[=VALUE]`, passed as --key-with-dashes value to ssrun db (repeatable)")
	fs.StringArrayVar(&cfg.modelSpecs, "ml-model", nil, "ML model to store, `SPEC` = name=N,backend=B,file=PATH[,device=D,devices_per_node=N,first_device=N,batch_size=N,min_batch_size=N,min_batch_timeout=MS,tag=T,input=I...,output=O...] (repeatable)")
	fs.StringArrayVar(&cfg.scriptSpecs, "script", nil, "script to store, `SPEC` = name=N,file=PATH[,device=D,devices_per_node=N,first_device=N] (repeatable)")
	fs.DurationVar(&cfg.readyTimeout, "ready-timeout", 2*time.Minute, "how long to wait for the node's database to answer and hold every ML object")
	fs.Usage = func() { usage(stdout, fs) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg.program = fs.Args()
	if len(cfg.program) == 0 {
		return nil, errors.New("no program to run: give it after --, e.g. ssrun colocated --port 6780 -- ./sim")
	}
	if cfg.socket == "" && (cfg.port < 1 || cfg.port > 65535) {
		return nil, fmt.Errorf("--port %d is not a TCP port (1-65535)", cfg.port)
	}
	if cfg.dbCPUs < 1 {
		return nil, fmt.Errorf("--db-cpus %d: need at least 1", cfg.dbCPUs)
	}
	if _, err := strconv.ParseUint(strconv.Itoa(cfg.socketPerms), 8, 32); err != nil {
		return nil, fmt.Errorf("--socket-permissions %d is not an octal mode such as 755", cfg.socketPerms)
	}
	cwd, _ := os.Getwd()
	for _, spec := range cfg.modelSpecs {
		m, err := runtime.ParseColocatedModel(cwd, spec)
		if err != nil {
			return nil, fmt.Errorf("--ml-model %v", err)
		}
		cfg.models = append(cfg.models, m)
	}
	for _, spec := range cfg.scriptSpecs {
		s, err := runtime.ParseColocatedScript(cwd, spec)
		if err != nil {
			return nil, fmt.Errorf("--script %v", err)
		}
		cfg.scripts = append(cfg.scripts, s)
	}
	return cfg, nil
}

func usage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: ssrun colocated [flags] -- PROGRAM [ARGS...]

Runs PROGRAM next to its own database on this node, as a model with colocate_db_tcp/colocate_db_uds
does (ssrun writes this command into the model's step; it can be used by hand too). The node-local
rank 0 (the first set of OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, PMI_LOCAL_RANK, PALS_LOCAL_RANKID,
JSM_NAMESPACE_LOCAL_RANK, SLURM_LOCALID; 0 when none is) starts "ssrun db" on 127.0.0.1:PORT or the socket, waits
until it answers PING and stores the ML objects; the other local ranks wait for that. PROGRAM runs with
SSDB[_ID] and SR_DB_TYPE[_ID]=Standalone pointing at the node's database; SIGINT and SIGTERM are
forwarded to it. When the last local rank's program has ended the database stops.

Exit code: PROGRAM's (128+N if signal N killed it); 125 if the database could not be started or
loaded, 126 if PROGRAM cannot be executed, 127 if it is not found, 2 for bad flags.

Flags:
%s`, fs.FlagUsages())
}

// run is the wrapper for one rank: take the node lock, bring up (rank 0) or wait for (other ranks)
// the node's database, run the program, and release the database when the last rank is done.
func run(cfg *config, rank int, sigs <-chan os.Signal, stderr io.Writer) int {
	lock, err := holdNodeLock(cfg.lockPath())
	if err != nil {
		fmt.Fprintf(stderr, "ssrun colocated: %v\n", err)
		return exitWrapperFailed
	}
	defer lock.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopOnSignal := make(chan os.Signal, 1)
	go func() { // until the program runs, a signal aborts the start
		select {
		case sig := <-sigs:
			stopOnSignal <- sig
			cancel()
		case <-ctx.Done():
		}
	}()
	var db *shard
	if rank == 0 {
		db, err = startShard(ctx, cfg, stderr)
	} else {
		err = waitForShard(ctx, cfg, rank)
	}
	if err != nil {
		select {
		case sig := <-stopOnSignal:
			return 128 + int(sig.(syscall.Signal))
		default:
		}
		fmt.Fprintf(stderr, "ssrun colocated: %v\n", err)
		return exitWrapperFailed
	}
	cancel()
	code := runProgram(cfg.program, programEnv(cfg), sigs, stopOnSignal, stderr)
	if db != nil {
		lock.waitForOtherRanks(sigs)
		db.stop(5 * time.Second)
		_ = os.Remove(cfg.lockPath()) // every local rank has ended
	}
	return code
}

// programEnv is the wrapper's environment with the node's database as the program's SSDB.
func programEnv(cfg *config) []string {
	sfx := ""
	if cfg.dbID != "" {
		sfx = "_" + cfg.dbID
	}
	set := map[string]string{"SSDB" + sfx: cfg.address(), "SR_DB_TYPE" + sfx: "Standalone"}
	env := make([]string, 0, len(os.Environ())+len(set))
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			env = append(env, kv)
		}
	}
	for _, k := range []string{"SSDB" + sfx, "SR_DB_TYPE" + sfx} {
		env = append(env, k+"="+set[k])
	}
	return env
}

// nodeName is what the scheduler calls this node (Slurm's SLURMD_NODENAME, which tells apart the
// nodes of a cluster simulated on one host), else the host name.
func nodeName() string {
	if n := os.Getenv("SLURMD_NODENAME"); n != "" {
		return n
	}
	h, _ := os.Hostname()
	return h
}
