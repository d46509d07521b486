package orchestrator

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// redisCli runs redis-cli against addr and returns its text output.
func redisCli(t *testing.T, addr string, args ...string) string {
	t.Helper()
	cli := needTool(t, "redis-cli")
	host, port, err := splitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(cli, append([]string{"-h", host, "-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// Replies as a user sees them in redis-cli, core and AI commands alike (redis-cli prints an error
// reply followed by a blank line when its output is not a terminal, as with redis-server).
func TestRedisCliText(t *testing.T) {
	srv := startServer(t, Config{})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "PONG\n"},
		{[]string{"SET", "greeting", "hello world"}, "OK\n"},
		{[]string{"GET", "greeting"}, "hello world\n"},
		{[]string{"GET", "nope"}, "\n"},
		{[]string{"RPUSH", "l", "a", "b"}, "2\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "a\nb\n"},
		{[]string{"HSET", "h", "f", "1"}, "1\n"},
		{[]string{"HGETALL", "h"}, "f\n1\n"},
		{[]string{"TYPE", "h"}, "hash\n"},
		{[]string{"INCR", "greeting"}, "ERR value is not an integer or out of range\n\n"},
		{[]string{"LPUSH", "h", "x"}, "WRONGTYPE Operation against a key holding the wrong kind of value\n\n"},
		{[]string{"BOGUS", "x"}, "ERR unknown command 'BOGUS', with args beginning with: 'x' \n\n"},
		{[]string{"GET"}, "ERR wrong number of arguments for 'get' command\n\n"},
		{[]string{"AI.TENSORSET", "t", "FLOAT", "2", "VALUES", "1.5", "-2"}, "OK\n"},
		{[]string{"AI.TENSORGET", "t", "META", "VALUES"}, "dtype\nFLOAT\nshape\n2\nvalues\n1.5\n-2\n"},
		{[]string{"AI.TENSORGET", "t", "VALUES"}, "1.5\n-2\n"},
		{[]string{"AI.TENSORSET", "i", "INT32", "3", "VALUES", "1", "2", "3"}, "OK\n"},
		{[]string{"AI.TENSORGET", "i", "VALUES"}, "1\n2\n3\n"},
		{[]string{"TYPE", "t"}, "AI_TENSOR\n"},
		{[]string{"AI.TENSORGET", "missing"}, "ERR tensor key is empty or in a different shard\n\n"},
		{[]string{"AI.TENSORSET", "t", "FLOAT16", "1"}, "ERR invalid data type\n\n"},
		{[]string{"EXISTS", "t", "i", "h"}, "3\n"},
		{[]string{"DEL", "t", "i"}, "2\n"},
		{[]string{"DBSIZE"}, "3\n"},
	}
	for _, tc := range cases {
		if got := redisCli(t, srv.Addr(), tc.args...); got != tc.want {
			t.Errorf("redis-cli %q:\n got %q\nwant %q", tc.args, got, tc.want)
		}
	}
	// Interactive-style help lookups go through COMMAND DOCS; redis-cli must start cleanly with it.
	if out := redisCli(t, srv.Addr(), "--no-raw", "GET", "greeting"); out != "\"hello world\"\n" {
		t.Errorf("redis-cli --no-raw GET = %q", out)
	}
}

// redis-benchmark runs the command mix to completion with no error replies.
func TestRedisBenchmarkStandalone(t *testing.T) {
	bench := needTool(t, "redis-benchmark")
	srv := startServer(t, Config{})
	host, port, _ := splitHostPort(srv.Addr())
	out, err := exec.Command(bench, "-h", host, "-p", strconv.Itoa(port), "-t", "set,get,incr,lpush,rpush,hset,mset",
		"-n", "20000", "-P", "8", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	text := string(out)
	for _, test := range []string{"SET", "GET", "INCR", "LPUSH", "RPUSH", "HSET", "MSET (10 keys)"} {
		if !strings.Contains(text, "\n"+test+": ") && !strings.HasPrefix(text, test+": ") && !strings.Contains(text, "\r"+test+": ") {
			t.Errorf("redis-benchmark output lacks %s:\n%s", test, text)
		}
	}
	if strings.Contains(text, "ERR") || strings.Contains(text, "rror") || strings.Contains(text, "WARNING") {
		t.Errorf("redis-benchmark reported errors or warnings:\n%s", text)
	}
	c := dial(t, "tcp", srv.Addr())
	if got := c.Do("GET", "counter:__rand_int__"); got != "$5\r\n20000\r\n" {
		t.Errorf("INCR counter after 20000 INCRs = %q", got)
	}
	if got := c.Do("LLEN", "mylist"); got != ":40000\r\n" {
		t.Errorf("LLEN mylist after 20000 LPUSH + 20000 RPUSH = %q", got)
	}
}
