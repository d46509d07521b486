package colocated

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ssrun/ssrun/client"
	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/runtime"
)

// shard is the node's database process, started by local rank 0.
type shard struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been reaped
	logs   *tail
	log    *os.File
}

// startShard starts `ssrun db` (this very binary) for the node, pinned with taskset when asked and
// available, waits for its ready line and a PING answer, and stores the ML objects in it. Its output
// goes to the log file (/dev/null unless debug=True, as SmartSim does); the last lines are kept to
// explain a failed start.
func startShard(ctx context.Context, cfg *config, stderr io.Writer) (*shard, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the ssrun binary to start the database: %v", err)
	}
	argv, err := dbArgv(exe, cfg)
	if err != nil {
		return nil, err
	}
	if pins := allowedPinning(cfg.pinning, stderr); pins != "" {
		if taskset, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{taskset, "-c", pins}, argv...)
		} else {
			fmt.Fprintf(stderr, "ssrun colocated: taskset is not on PATH on %s: the database is not pinned to CPUs %s\n", nodeName(), pins)
		}
	}
	if cfg.socket != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.socket), 0o755); err != nil {
			return nil, fmt.Errorf("cannot create the directory of socket %s: %v", cfg.socket, err)
		}
	}
	logPath := strings.ReplaceAll(cfg.dbLog, "{node}", nodeName())
	if logPath != os.DevNull {
		_ = os.MkdirAll(filepath.Dir(logPath), 0o755)
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the database log %s: %v", logPath, err)
	}
	s := &shard{exited: make(chan struct{}), logs: &tail{max: 4096}, log: logFile}
	out := io.MultiWriter(logFile, s.logs)
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Env = shardEnv(cfg.dbCPUs)
	s.cmd.Stderr = out
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	// Its own process group: a Ctrl-C meant for the program does not take the database away under it.
	// It dies with the wrapper if the wrapper is killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("cannot start the database %s: %v", strings.Join(argv, " "), err)
	}
	ready := make(chan struct{})
	go s.readStdout(stdout, out, ready)
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, cfg, ready, logPath); err != nil {
		s.stop(5 * time.Second)
		return nil, err
	}
	return s, nil
}

// allowedPinning keeps the CPUs of pins (SmartSim's comma-separated list) that this process may run
// on. A scheduler that confines a step to some cores (Slurm's task/affinity or cgroups, jsrun) makes
// SmartSim's default pinning, CPU 0, fail in taskset whenever CPU 0 is not the step's; the database
// then runs on the allowed ones, or unpinned if none of the pins is allowed, and the step's stderr
// says so.
func allowedPinning(pins string, stderr io.Writer) string {
	if pins == "" {
		return ""
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return pins
	}
	var kept []string
	for _, p := range strings.Split(pins, ",") {
		cpu, err := strconv.Atoi(p)
		if err != nil {
			return pins // not a plain list: taskset judges it
		}
		if set.IsSet(cpu) {
			kept = append(kept, p)
		}
	}
	if len(kept) < len(strings.Split(pins, ",")) {
		fmt.Fprintf(stderr, "ssrun colocated: this step may not run on all of CPUs %s on %s; the database is pinned to %q (empty: not pinned)\n",
			pins, nodeName(), strings.Join(kept, ","))
	}
	return strings.Join(kept, ",")
}

// dbArgv is the `ssrun db` command of the node's database.
func dbArgv(exe string, cfg *config) ([]string, error) {
	argv := []string{exe, "db", "--name", cfg.name}
	if cfg.socket != "" {
		argv = append(argv, "--port", "-1", "--unixsocket", cfg.socket)
	} else {
		argv = append(argv, "--port", strconv.Itoa(cfg.port), "--bind", "127.0.0.1")
		if cfg.ifname != "" && cfg.ifname != "lo" {
			addr, err := interfaceIPv4(cfg.ifname)
			if err != nil {
				return nil, err
			}
			argv = append(argv, "--bind", addr)
		}
	}
	for _, opt := range cfg.dbArgs {
		k, v, hasValue := strings.Cut(opt, "=")
		argv = append(argv, "--"+dbFlag(k))
		if hasValue {
			argv = append(argv, v)
		}
	}
	return argv, nil
}

// dbFlag is the ssrun db flag for a colocate_db_* keyword argument: RedisAI's names for the execution
// threads map to ssrun db's, any other key_with_underscores becomes --key-with-underscores.
func dbFlag(key string) string {
	switch key {
	case "inter_op_parallelism":
		return "inter-op-threads"
	case "intra_op_parallelism":
		return "intra-op-threads"
	}
	return strings.ReplaceAll(key, "_", "-")
}

// interfaceIPv4 is the first IPv4 address of the named interface on this node.
func interfaceIPv4(name string) (string, error) {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return "", fmt.Errorf("--ifname %s: no such network interface on %s", name, nodeName())
	}
	addrs, _ := iface.Addrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return n.IP.String(), nil
		}
	}
	return "", fmt.Errorf("--ifname %s has no IPv4 address on %s", name, nodeName())
}

// shardEnv is the wrapper's environment with GOMAXPROCS set to the database's CPU count, so that its
// Go scheduler leaves the rest of the node to the program.
func shardEnv(cpus int) []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	return append(env, "GOMAXPROCS="+strconv.Itoa(cpus))
}

// readStdout copies the shard's stdout to its log and closes ready at the ready line.
func (s *shard) readStdout(r io.Reader, out io.Writer, ready chan struct{}) {
	br := bufio.NewReader(r)
	seen := false
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			_, _ = io.WriteString(out, line)
			if !seen && strings.HasPrefix(line, orchestrator.ReadyLinePrefix) {
				seen = true
				close(ready)
			}
		}
		if err != nil {
			return
		}
	}
}

// waitReady waits for the ready line (no polling), then checks the database answers PING through the
// client, sets the socket's permissions, and stores the ML objects.
func (s *shard) waitReady(ctx context.Context, cfg *config, ready <-chan struct{}, logPath string) error {
	timer := time.NewTimer(cfg.readyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
	case <-s.exited:
		return fmt.Errorf("the database on %s exited before it was ready (%v); its last output:\n%s%s",
			nodeName(), s.cmd.ProcessState, s.logs.String(), logHint(logPath))
	case <-timer.C:
		return fmt.Errorf("the database on %s did not become ready within %s%s", nodeName(), cfg.readyTimeout, logHint(logPath))
	case <-ctx.Done():
		return ctx.Err()
	}
	c, err := client.New(client.Options{Addrs: []string{cfg.address()}, ConnectTimeout: 5 * time.Second, ConnectInterval: 20 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("the database on %s does not answer PING at %s: %v", nodeName(), cfg.address(), err)
	}
	defer c.Close()
	if cfg.socket != "" {
		perm, _ := strconv.ParseUint(strconv.Itoa(cfg.socketPerms), 8, 32)
		if err := os.Chmod(cfg.socket, os.FileMode(perm)); err != nil {
			return fmt.Errorf("cannot set the permissions of %s: %v", cfg.socket, err)
		}
	}
	if err := runtime.StoreColocatedObjects(ctx, c, cfg.models, cfg.scripts); err != nil {
		return fmt.Errorf("the database on %s: %v", nodeName(), err)
	}
	return nil
}

func logHint(path string) string {
	if path == os.DevNull {
		return " (colocate with debug=True to keep the database's log)"
	}
	return "; see " + path
}

// stop sends SIGTERM to the database and SIGKILL after grace, and waits until it is gone.
func (s *shard) stop(grace time.Duration) {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// waitForShard is a rank other than 0: it waits until the node's database answers PING and holds
// every ML object that rank 0 stores.
func waitForShard(ctx context.Context, cfg *config, rank int) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.readyTimeout)
	defer cancel()
	var lastErr error
	for {
		c, err := client.New(client.Options{Addrs: []string{cfg.address()}, DialTimeout: time.Second})
		if err == nil {
			ok, err2 := runtime.ColocatedObjectsStored(ctx, c, cfg.models, cfg.scripts)
			c.Close()
			if ok {
				return nil
			}
			err = err2
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("local rank %d on %s: the node's database at %s was not ready within %s (started by local rank 0): %v",
					rank, nodeName(), cfg.address(), cfg.readyTimeout, lastErr)
			}
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
