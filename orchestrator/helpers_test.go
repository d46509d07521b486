package orchestrator

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/resp"
)

// startServer starts an in-process shard on a free loopback port and stops it when the test ends.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test"
	}
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir() // SAVE writes its snapshot there, not into the package
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.loopStarvedShare = neverStarved
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// neverStarved keeps a test server's event loops whatever the load of the machine running the tests:
// tests of what the loops do must not depend on whether the loops gave way (connection_loop.go).
const neverStarved = 2

// testConn speaks raw RESP so that tests compare replies byte for byte.
type testConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, network, addr string) *testConn {
	t.Helper()
	nc, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &testConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func encodeCommand(args ...string) []byte { return resp.Command(args...) }

// Do sends one command and returns its raw reply.
func (c *testConn) Do(args ...string) string {
	c.t.Helper()
	c.Send(encodeCommand(args...))
	return c.Reply()
}

func (c *testConn) Send(raw []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(raw); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Reply reads one complete raw reply.
func (c *testConn) Reply() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := readRawReply(c.br)
	if err != nil {
		c.t.Fatalf("read reply: %v (got %q)", err, s)
	}
	return s
}

// Closed reports whether the server closed the connection: the next read ends with EOF, or with a
// reset when the server closed it with request bytes still unread.
func (c *testConn) Closed() bool {
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func readRawReply(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 {
		return line, fmt.Errorf("short reply line %q", line)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	switch line[0] {
	case '$':
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return line, err
		}
		return line + string(buf), nil
	case '*':
		out := line
		for i := 0; i < n; i++ {
			elem, err := readRawReply(br)
			out += elem
			if err != nil {
				return out, err
			}
		}
		return out, nil
	}
	return line, nil
}

// needTool skips the test when a Debian redis tool is missing (CI installs redis-server/redis-tools).
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install redis-server redis-tools); skipping", name)
	}
	return p
}

// startRedis starts Debian's redis-server on a unix socket in a temp dir and returns the socket path.
func startRedis(t testing.TB, extra ...string) string {
	t.Helper()
	bin := needTool(t, "redis-server")
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	args := append([]string{"--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--dir", dir}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 200; i++ {
		if nc, err := net.Dial("unix", sock); err == nil {
			nc.Close()
			return sock
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("redis-server did not start")
	return ""
}

func tempSocket(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ssrun-db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "db.sock")
}

func dialErr(network, addr string) (net.Conn, error) {
	nc, err := net.DialTimeout(network, addr, time.Second)
	if err == nil {
		nc.Close()
	}
	return nc, err
}
