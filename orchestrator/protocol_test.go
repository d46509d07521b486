package orchestrator

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHello(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	id := strings.TrimPrefix(strings.TrimSpace(c.Do("CLIENT", "ID")), ":")
	want := "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n" +
		"$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
	for _, args := range [][]string{{"HELLO"}, {"HELLO", "2"}, {"hello", "2", "SETNAME", "sim"}} {
		if got := c.Do(args...); got != want {
			t.Errorf("%q = %q, want %q", args, got, want)
		}
	}
	if got := c.Do("CLIENT", "GETNAME"); got != "$3\r\nsim\r\n" {
		t.Errorf("HELLO SETNAME did not set the name: %q", got)
	}
	if got := c.Do("HELLO", "3"); got != "-NOPROTO unsupported protocol version\r\n" {
		t.Errorf("HELLO 3 = %q", got)
	}
	if got := c.Do("HELLO", "2", "BOGUS"); got != "-ERR Syntax error in HELLO option 'BOGUS'\r\n" {
		t.Errorf("HELLO 2 BOGUS = %q", got)
	}
}

func TestPipelinedRepliesInOrder(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	var batch bytes.Buffer
	const n = 2000
	for i := 0; i < n; i++ {
		batch.Write(encodeCommand("RPUSH", "list", strconv.Itoa(i)))
		if i%3 == 0 {
			batch.WriteString("PING\r\n") // inline commands mixed into the pipeline
		}
	}
	c.Send(batch.Bytes())
	for i := 0; i < n; i++ {
		if got, want := c.Reply(), fmt.Sprintf(":%d\r\n", i+1); got != want {
			t.Fatalf("reply %d = %q, want %q", i, got, want)
		}
		if i%3 == 0 {
			if got := c.Reply(); got != "+PONG\r\n" {
				t.Fatalf("inline PING after %d = %q", i, got)
			}
		}
	}
	if got := c.Do("LINDEX", "list", "1999"); got != "$4\r\n1999\r\n" {
		t.Errorf("LINDEX = %q", got)
	}
}

// upfrontLimit is package resp's largest argument buffer allocated before its bytes arrive (16 MiB).
const upfrontLimit = 16 << 20

func TestBinarySafeLargeValues(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	val := make([]byte, upfrontLimit+12345) // larger than the up-front buffer: grows as it arrives
	for i := 0; i < 251; i++ {
		val[i] = byte(i * 7)
	}
	for n := 251; n < len(val); n *= 2 { // fill by doubling: per-byte loops are slow under -race
		copy(val[n:], val[:n])
	}
	key := "k\x00\r\n{x}"
	if got := c.Do("SET", key, string(val)); got != "+OK\r\n" {
		t.Fatalf("SET = %q", got)
	}
	header := fmt.Sprintf("$%d\r\n", len(val))
	got := c.Do("GET", key)
	if !strings.HasPrefix(got, header) || got[len(header):len(got)-2] != string(val) || !strings.HasSuffix(got, "\r\n") {
		t.Fatalf("GET returned %d bytes, want the %d stored bytes", len(got), len(val))
	}
}

// ssrun db is stricter than Redis here: a bulk not followed by CRLF is a protocol error (Redis skips
// two bytes whatever they are and misparses what follows).
func TestBulkMissingCRLFIsProtocolError(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	c.Send([]byte("*2\r\n$4\r\nECHO\r\n$3\r\nabcde\r\n"))
	if got := c.Reply(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("reply = %q", got)
	}
	if !c.Closed() {
		t.Error("connection left open after a protocol error")
	}
}

func TestMaxBulkLenClosesOnlyThatConnection(t *testing.T) {
	srv := startServer(t, Config{MaxBulkLen: 1024})
	other := dial(t, "tcp", srv.Addr())
	c := dial(t, "tcp", srv.Addr())
	if got := c.Do("SET", "k", strings.Repeat("x", 1024)); got != "+OK\r\n" {
		t.Fatalf("SET at the limit = %q", got)
	}
	c.Send(encodeCommand("SET", "k", strings.Repeat("x", 1025)))
	if got := c.Reply(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("over the limit = %q", got)
	}
	if !c.Closed() {
		t.Error("connection left open")
	}
	if got := other.Do("STRLEN", "k"); got != ":1024\r\n" {
		t.Errorf("other connection broken: %q", got)
	}
	// CONFIG SET applies to connections already open.
	if got := other.Do("CONFIG", "SET", "proto-max-bulk-len", "2mb"); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET proto-max-bulk-len = %q", got)
	}
	if got := other.Do("SET", "k", strings.Repeat("x", 2<<20)); got != "+OK\r\n" {
		t.Errorf("SET of 2 MiB after raising the limit = %q", got)
	}
	if got := other.Do("CONFIG", "SET", "proto-max-bulk-len", "1gb"); !strings.Contains(got, "between 1mb and 512mb") {
		t.Errorf("CONFIG SET proto-max-bulk-len 1gb = %q", got)
	}
}

func TestRequirePass(t *testing.T) {
	srv := startServer(t, Config{RequirePass: "s3cret"})
	c := dial(t, "tcp", srv.Addr())
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"NOPE"}, "-ERR unknown command 'NOPE', with args beginning with: \r\n"},
		{[]string{"HELLO", "2"}, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"},
		{[]string{"HELLO", "3"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"AUTH", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "someone", "s3cret"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "s3cret"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
	}
	for _, st := range steps {
		if got := c.Do(st.args...); got != st.want {
			t.Errorf("%q = %q, want %q", st.args, got, st.want)
		}
	}
	h := dial(t, "tcp", srv.Addr())
	if got := h.Do("HELLO", "2", "AUTH", "default", "s3cret"); !strings.HasPrefix(got, "*14\r\n") {
		t.Errorf("HELLO 2 AUTH = %q", got)
	}
	if got := h.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET after HELLO AUTH = %q", got)
	}
	// Before AUTH, requests are limited as in Redis so that strangers cannot make the server allocate.
	u := dial(t, "tcp", srv.Addr())
	u.Send([]byte("*11\r\n"))
	if got := u.Reply(); got != "-ERR Protocol error: unauthenticated multibulk length\r\n" {
		t.Errorf("unauthenticated *11 = %q", got)
	}
	u2 := dial(t, "tcp", srv.Addr())
	u2.Send([]byte("*2\r\n$4\r\nAUTH\r\n$16385\r\n"))
	if got := u2.Reply(); got != "-ERR Protocol error: unauthenticated bulk length\r\n" {
		t.Errorf("unauthenticated 16385-byte bulk = %q", got)
	}
}

func TestMaxClients(t *testing.T) {
	srv, err := New(Config{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	srv.maxClients.Store(2)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a, b := dial(t, "tcp", srv.Addr()), dial(t, "tcp", srv.Addr())
	a.Do("PING")
	b.Do("PING")
	extra := dial(t, "tcp", srv.Addr())
	if got := extra.Reply(); got != "-ERR max number of clients reached\r\n" {
		t.Errorf("third client got %q", got)
	}
	if !extra.Closed() {
		t.Error("refused connection left open")
	}
	if got := a.Do("INFO", "stats"); !strings.Contains(got, "rejected_connections:1\r\n") {
		t.Errorf("INFO stats = %q", got)
	}
}

// CONFIG SET timeout closes connections idle for that many seconds, as Redis does, and timeout 0
// closes none. No sleep: the closing of the idle connection is the clock that shows the other has
// been idle longer than the timeout.
func TestIdleTimeout(t *testing.T) {
	// busy's server had a timeout of 1 and has 0 again; busy goes idle before c does.
	other := startServer(t, Config{})
	busy := dial(t, "tcp", other.Addr())
	busy.Do("CONFIG", "SET", "timeout", "1")
	busy.Do("CONFIG", "SET", "timeout", "0")

	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	if got := c.Do("CONFIG", "SET", "timeout", "1"); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET timeout = %q", got)
	}
	start := time.Now() // before the last command: the server's idle clock starts after it
	if got := c.Do("CONFIG", "GET", "timeout"); got != "*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n" {
		t.Errorf("CONFIG GET timeout = %q", got)
	}
	if !c.Closed() {
		t.Fatal("idle connection not closed")
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("closed after %v, before it had been idle for the timeout (1s)", waited)
	}
	if got := busy.Do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING after timeout 0 = %q", got)
	}
}

func TestUnixSocket(t *testing.T) {
	sock := tempSocket(t)
	srv := startServer(t, Config{Port: -1, UnixSocket: sock})
	if srv.Addr() != sock {
		t.Errorf("Addr() = %q, want the socket path", srv.Addr())
	}
	c := dial(t, "unix", sock)
	if got := c.Do("SET", "k", "v"); got != "+OK\r\n" {
		t.Errorf("SET over unix socket = %q", got)
	}
	srv.Close()
	if _, err := dialErr("unix", sock); err == nil {
		t.Error("socket still accepting after Close")
	}
}

// The request reader reuses the argument array and the command-name buffer after data-path commands
// (GET, SET, MSET...): values stored by earlier requests, pipelined or not, must survive every later
// request that reuses those buffers, including a name short enough to be read into the old one and
// arguments in transactions, which keep their arrays.
func TestReusedRequestBuffersKeepStoredValues(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	var batch bytes.Buffer
	const n = 500
	for i := 0; i < n; i++ {
		batch.Write(encodeCommand("set", "k"+strconv.Itoa(i), "value-"+strconv.Itoa(i)))
		batch.Write(encodeCommand("MSET", "m"+strconv.Itoa(i), "mv-"+strconv.Itoa(i), "x", "y"))
		batch.Write(encodeCommand("GET", "k"+strconv.Itoa(i)))
		batch.Write(encodeCommand("SET", "KEY"+strconv.Itoa(i), "SET")) // a value equal to a command name
	}
	c.Send(batch.Bytes())
	for i := 0; i < n; i++ {
		want := []string{"+OK\r\n", "+OK\r\n", fmt.Sprintf("$%d\r\nvalue-%d\r\n", len("value-"+strconv.Itoa(i)), i), "+OK\r\n"}
		for j, w := range want {
			if got := c.Reply(); got != w {
				t.Fatalf("request %d.%d: reply %q, want %q", i, j, got, w)
			}
		}
	}
	if got := c.Do("MULTI"); got != "+OK\r\n" {
		t.Fatalf("MULTI = %q", got)
	}
	c.Do("SET", "tx", "queued")
	c.Send([]byte("PING\r\n")) // an inline command between queued ones (its name is no multibulk's)
	if got := c.Reply(); got != "+QUEUED\r\n" {
		t.Fatalf("inline PING in MULTI = %q", got)
	}
	c.Do("GET", "k1")
	c.Do("SET", "k1", "changed-in-tx")
	if got, want := c.Do("EXEC"), "*4\r\n+OK\r\n+PONG\r\n$7\r\nvalue-1\r\n+OK\r\n"; got != want {
		t.Fatalf("EXEC = %q, want %q", got, want)
	}
	for i := 0; i < n; i++ {
		k, v := "k"+strconv.Itoa(i), "value-"+strconv.Itoa(i)
		if i == 1 {
			v = "changed-in-tx"
		}
		if got, want := c.Do("GET", k), fmt.Sprintf("$%d\r\n%s\r\n", len(v), v); got != want {
			t.Fatalf("GET %s = %q, want %q", k, got, want)
		}
		m, mv := "m"+strconv.Itoa(i), "mv-"+strconv.Itoa(i)
		if got, want := c.Do("get", m), fmt.Sprintf("$%d\r\n%s\r\n", len(mv), mv); got != want {
			t.Fatalf("GET %s = %q, want %q", m, got, want)
		}
		if got := c.Do("GET", "KEY"+strconv.Itoa(i)); got != "$3\r\nSET\r\n" {
			t.Fatalf("GET KEY%d = %q", i, got)
		}
	}
	if got := c.Do("GET", "tx"); got != "$6\r\nqueued\r\n" {
		t.Errorf("GET tx = %q", got)
	}
}
