package orchestrator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as `ssrun db`: with SSRUN_DB_TEST_MAIN=1 it runs Main on its
// arguments, so the process tests below drive a real process (ready line, signals, exit code).
func TestMain(m *testing.M) {
	if os.Getenv("SSRUN_DB_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type dbProcess struct {
	cmd    *exec.Cmd
	ready  ReadyInfo
	stderr *bytes.Buffer
	exited chan error
}

// startDB runs `ssrun db ARGS` as a child process and waits for its ready line.
func startDB(t *testing.T, args ...string) *dbProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SSRUN_DB_TEST_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProcess{cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		p.exited <- cmd.Wait()
	}()
	select {
	case line, ok := <-lines:
		if !ok || !strings.HasPrefix(line, ReadyLinePrefix) {
			t.Fatalf("first stdout line %q is not a ready line; stderr: %s", line, p.stderr)
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, ReadyLinePrefix)), &p.ready); err != nil {
			t.Fatalf("ready line JSON: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no ready line; stderr: %s", p.stderr)
	}
	return p
}

// wait returns the exit code once the process ends.
func (p *dbProcess) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err // for Cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		return 0
	case <-time.After(15 * time.Second):
		t.Fatalf("process did not exit; stderr: %s", p.stderr)
		return -1
	}
}

func TestProcessSIGTERM(t *testing.T) {
	sock := tempSocket(t)
	p := startDB(t, "--port", "0", "--name", "db_0", "--unixsocket", sock, "--maxmemory", "100mb")
	if p.ready.Name != "db_0" || p.ready.Cluster || p.ready.PID != p.cmd.Process.Pid || p.ready.UnixSocket != sock ||
		!strings.HasPrefix(p.ready.Addr, "127.0.0.1:") || len(p.ready.Addrs) != 2 {
		t.Errorf("ready info = %+v", p.ready)
	}
	c := dial(t, "tcp", p.ready.Addr)
	if got := c.Do("CONFIG", "GET", "maxmemory"); got != "*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n" {
		t.Errorf("--maxmemory 100mb gave %q", got)
	}
	u := dial(t, "unix", sock)
	if got := u.Do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING over the unix socket = %q", got)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d; stderr: %s", code, p.stderr)
	}
	if !c.Closed() {
		t.Error("client connection still open after the server exited")
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("unix socket file left behind: %v", err)
	}
}

func TestProcessShutdownCommand(t *testing.T) {
	p := startDB(t, "--port", "0", "--requirepass", "pw", "--cluster-slots", "0-16383",
		"--cluster-node-id", strings.Repeat("d", 40))
	if !p.ready.Cluster || p.ready.NodeID != strings.Repeat("d", 40) || p.ready.Slots != "0-16383" {
		t.Errorf("ready info = %+v", p.ready)
	}
	c := dial(t, "tcp", p.ready.Addr)
	c.Do("AUTH", "pw")
	c.Send(encodeCommand("SHUTDOWN", "NOSAVE"))
	if !c.Closed() {
		t.Error("SHUTDOWN answered instead of closing the connection")
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("exit code after SHUTDOWN = %d; stderr: %s", code, p.stderr)
	}
}

func TestMainFlagErrors(t *testing.T) {
	cases := map[string][]string{
		"--maxmemory: invalid memory size \"lots\"":    {"--maxmemory", "lots"},
		"--cluster-slots: invalid slot range \"5-1\"":  {"--cluster-slots", "5-1"},
		"--cluster-peer: invalid cluster peer \"x,y\"": {"--cluster-peer", "x,y"},
		"unknown flag: --nope":                         {"--nope"},
		"unexpected argument \"extra\"":                {"extra"},
		"cluster slots 100-16383 are not assigned":     {"--cluster-slots", "0-99"},
	}
	for want, args := range cases {
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code != 2 {
			t.Errorf("Main(%q) = %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), want) || stdout.Len() != 0 {
			t.Errorf("Main(%q): stderr %q lacks %q (stdout %q)", args, stderr.String(), want, stdout.String())
		}
	}
	var help bytes.Buffer
	if code := Main([]string{"--help"}, &bytes.Buffer{}, &help); code != 0 || !strings.Contains(help.String(), "--cluster-peer") {
		t.Errorf("--help: code %d, usage %q", code, help.String())
	}
	var stderr bytes.Buffer
	if code := Main([]string{"--port", "0", "--bind", "203.0.113.1"}, &bytes.Buffer{}, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "listen on 203.0.113.1:0") {
		t.Errorf("unbindable address: code %d, stderr %q", code, stderr.String())
	}
}
