package orchestrator

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// nonLoopbackIP returns an address of this host that is not loopback, or skips.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			return ipn.IP.String()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address to bind")
	return ""
}

// Bound to a non-loopback address without a password, the shard refuses clients that are not on the
// loopback interface with redis-server's exact DENIED text; a password or protected-mode no lifts it,
// and loopback clients are always served.
func TestProtectedMode(t *testing.T) {
	ip := nonLoopbackIP(t)
	s := startServer(t, Config{Port: 0, Binds: []string{ip, "127.0.0.1"}})
	ext := net.JoinHostPort(ip, portOf(s.Addr()))
	nc, err := net.Dial("tcp", ext)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(nc) // the server writes the error and closes
	nc.Close()
	if got.String() != "-"+deniedProtectedMode+"\r\n" {
		t.Errorf("non-loopback client got %q", got.String())
	}
	if !strings.HasPrefix(deniedProtectedMode, "DENIED Redis is running in protected mode") {
		t.Error("message drifted from Redis's")
	}
	local := dial(t, "tcp", "127.0.0.1:"+portOf(s.Addr()))
	if r := local.Do("PING"); r != "+PONG\r\n" {
		t.Errorf("loopback client: %q", r)
	}
	if r := local.Do("CONFIG", "SET", "requirepass", "pw"); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET requirepass = %q", r)
	}
	remote := dial(t, "tcp", ext)
	if r := remote.Do("GET", "k"); r != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("with a password, before AUTH: %q", r)
	}
	if r := remote.Do("AUTH", "pw"); r != "+OK\r\n" {
		t.Errorf("AUTH = %q", r)
	}
	if r := remote.Do("CONFIG", "SET", "requirepass", ""); r != "+OK\r\n" {
		t.Fatalf("clearing the password: %q", r)
	}
	if r := remote.Do("CONFIG", "SET", "protected-mode", "no"); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET protected-mode no = %q", r)
	}
	if r := dial(t, "tcp", ext).Do("PING"); r != "+PONG\r\n" {
		t.Errorf("protected-mode no: %q", r)
	}
}

// The default bind is loopback only, and protected mode is on, as in Redis.
func TestSecurityDefaults(t *testing.T) {
	cfg, _, code, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil || code != 0 {
		t.Fatal(err)
	}
	if len(cfg.Binds) != 1 || cfg.Binds[0] != "127.0.0.1" || cfg.ProtectedMode != "yes" {
		t.Errorf("defaults: binds %v, protected-mode %q", cfg.Binds, cfg.ProtectedMode)
	}
}

// --rename-command takes redis-server's two arguments: an empty new name disables the command, another
// name moves it.
func TestRenameCommand(t *testing.T) {
	cfg, _, code, err := parseFlags([]string{"--port", "0", "--rename-command", "FLUSHALL", "", "--rename-command", "config", "ADMINCONFIG"}, &bytes.Buffer{})
	if err != nil || code != 0 {
		t.Fatal(err)
	}
	s := startServer(t, cfg)
	c := dial(t, "tcp", s.Addr())
	c.Do("SET", "k", "v")
	if r := c.Do("FLUSHALL"); !strings.HasPrefix(r, "-ERR unknown command 'FLUSHALL'") {
		t.Errorf("disabled FLUSHALL: %q", r)
	}
	if r := c.Do("CONFIG", "GET", "maxmemory"); !strings.HasPrefix(r, "-ERR unknown command 'CONFIG'") {
		t.Errorf("renamed CONFIG under its old name: %q", r)
	}
	if r := c.Do("ADMINCONFIG", "GET", "maxmemory"); r != "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n" {
		t.Errorf("renamed CONFIG under its new name: %q", r)
	}
	if r := c.Do("GET", "k"); r != "$1\r\nv\r\n" {
		t.Errorf("data after the refused FLUSHALL: %q", r)
	}
	var stderr bytes.Buffer
	if code := Main([]string{"--port", "0", "--rename-command", "NOPE", "X"}, &bytes.Buffer{}, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), `no such command "NOPE"`) {
		t.Errorf("unknown command renamed: %d %q", code, stderr.String())
	}
}
