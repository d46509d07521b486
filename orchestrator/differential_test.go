package orchestrator

import (
	"strings"
	"testing"
)

// differentialCommands are run in order against Debian's redis-server and ssrun db; every reply must be
// byte-identical. They cover each core command's success and error replies. (HELLO 3 is left out on
// purpose: Redis 7 speaks RESP3, ssrun db answers NOPROTO; TestHello covers it.)
var differentialCommands = [][]string{
	{"PING"}, {"PING", "hello"}, {"PING", "a", "b"}, {"ECHO", "x y"}, {"ECHO"},
	{"SET", "k", "v"}, {"GET", "k"}, {"GET", "missing"}, {"GET"},
	{"SET", "k", "w", "NX"}, {"SET", "k", "w", "XX"}, {"GET", "k"}, {"SET", "k2", "w", "XX"},
	{"SET", "k", "v2", "GET"}, {"SET", "new", "v", "GET"}, {"SET", "k", "v", "NX", "XX"}, {"SET", "k", "v", "BOGUS"},
	{"SET", "k"}, {"set", "lower", "case"}, {"gEt", "lower"},
	{"SETNX", "k", "x"}, {"SETNX", "nx1", "x"}, {"APPEND", "k", "-tail"}, {"APPEND", "ap", "1"}, {"STRLEN", "k"}, {"STRLEN", "none"},
	{"INCR", "k"}, {"INCR", "n"}, {"INCRBY", "n", "10"}, {"DECR", "n"}, {"DECRBY", "n", "5"}, {"INCRBY", "n", "abc"},
	{"INCRBY", "n", "+5"}, {"INCRBY", "n", "007"}, {"SET", "big", "9223372036854775807"}, {"INCR", "big"},
	{"SET", "small", "-9223372036854775808"}, {"DECR", "small"}, {"DECRBY", "n", "-9223372036854775808"}, {"INCR", "a", "b"},
	{"MSET", "a", "1", "b", "2"}, {"MSET", "a"}, {"MSET", "a", "1", "b"}, {"MGET", "a", "b", "missing", "k"}, {"MGET"},
	{"EXISTS", "a", "b", "missing", "a"}, {"EXISTS"}, {"DEL", "a", "missing"}, {"UNLINK", "b", "b"},
	{"TYPE", "k"}, {"TYPE", "missing"},
	{"SET", "r1", "x"}, {"RENAME", "r1", "r2"}, {"GET", "r2"}, {"RENAME", "missing", "x"}, {"RENAME", "r2", "r2"},
	{"RENAMENX", "r2", "k"}, {"RENAMENX", "r2", "r3"}, {"RENAMENX", "missing", "r3"},
	{"HSET", "h", "f1", "v1", "f2", "v2"}, {"HSET", "h", "f1", "x"}, {"HSET", "h", "f"}, {"HSET", "h", "f", "v", "g"},
	{"HMSET", "h", "f3", "v3"}, {"HMSET", "h", "f3"}, {"HGET", "h", "f1"}, {"HGET", "h", "nope"}, {"HGET", "missing", "f"},
	{"HGETALL", "h"}, {"HGETALL", "missing"}, {"HMGET", "h", "f1", "nope", "f3"}, {"HKEYS", "h"}, {"HVALS", "h"},
	{"HEXISTS", "h", "f1"}, {"HEXISTS", "h", "nope"}, {"HEXISTS", "missing", "f"}, {"HLEN", "h"}, {"HLEN", "missing"},
	{"HDEL", "h", "f1", "nope"}, {"HDEL", "missing", "f"}, {"TYPE", "h"},
	{"GET", "h"}, {"LPUSH", "h", "x"}, {"HGET", "k", "f"}, {"LRANGE", "h", "0", "-1"}, {"INCR", "h"}, {"SET", "h", "x", "GET"},
	{"RPUSH", "l", "a", "b", "c"}, {"LPUSH", "l", "x", "y"}, {"LRANGE", "l", "0", "-1"}, {"LRANGE", "l", "1", "2"},
	{"LRANGE", "l", "-2", "-1"}, {"LRANGE", "l", "5", "10"}, {"LRANGE", "l", "-100", "100"}, {"LRANGE", "l", "a", "b"},
	{"LRANGE", "missing", "0", "-1"}, {"LLEN", "l"}, {"LLEN", "missing"}, {"LINDEX", "l", "0"}, {"LINDEX", "l", "-1"},
	{"LINDEX", "l", "99"}, {"LINDEX", "l", "x"}, {"LREM", "l", "1", "a"}, {"RPUSH", "l", "a", "a", "b", "a"},
	{"LREM", "l", "-2", "a"}, {"LRANGE", "l", "0", "-1"}, {"LREM", "l", "0", "b"}, {"LRANGE", "l", "0", "-1"},
	{"LREM", "l", "x", "a"}, {"LPOP", "l"}, {"RPOP", "l"}, {"LPOP", "l", "2"}, {"LRANGE", "l", "0", "-1"},
	{"LPOP", "missing"}, {"LPOP", "missing", "2"}, {"RPOP", "l", "-1"}, {"TYPE", "l"},
	{"RPUSH", "one", "x"}, {"LPOP", "one"}, {"EXISTS", "one"}, {"HSET", "h1", "f", "v"}, {"HDEL", "h1", "f"}, {"EXISTS", "h1"},
	{"DBSIZE"}, {"KEYS", "h?"}, {"KEYS", "[hx]"}, {"KEYS", "nomatch*"},
	{"SELECT", "0"}, {"SELECT", "x"}, {"FOO"}, {"FOO", "a", "b"}, {"foo", strings.Repeat("z", 200)},
	{"CONFIG", "GET", "nosuch"}, {"CONFIG", "SET", "nosuch", "1"}, {"CONFIG", "GET", "maxmemory"}, {"CONFIG", "GET", "save"},
	{"CONFIG", "GET", "appendonly"}, {"CONFIG", "SET", "maxmemory", "abc"}, {"CONFIG"}, {"CONFIG", "GET"}, {"CONFIG", "FOO"},
	{"CONFIG", "GET", "lua-time-limit"}, {"CONFIG", "SET", "maxmemory", "100mb"}, {"CONFIG", "GET", "maxmemory"},
	{"CONFIG", "SET", "maxmemory", "0"},
	{"AUTH", "x"}, {"AUTH", "default", "x"}, {"HELLO", "4"}, {"HELLO", "abc"},
	{"CLIENT", "SETNAME", "my-name"}, {"CLIENT", "GETNAME"}, {"CLIENT", "SETNAME", "a b"}, {"CLIENT", "FOO"},
	{"CLIENT", "SETNAME"}, {"CLUSTER", "INFO"}, {"CLUSTER", "SLOTS"}, {"READONLY"}, {"ASKING"},
	{"SAVE", "x"}, {"LASTSAVE", "x"}, {"DBSIZE", "x"},
	{"SET", "bin\x00key", "v\x00\r\nal"}, {"GET", "bin\x00key"}, {"EXISTS", "bin\x00key"},
	{"MULTI"}, {"SET", "t1", "1"}, {"INCR", "t1"}, {"LPUSH", "t1", "x"}, {"GET", "t1"}, {"EXEC"},
	{"MULTI"}, {"MULTI"}, {"SET", "t2", "x"}, {"DISCARD"}, {"EXISTS", "t2"}, {"EXEC"}, {"DISCARD"},
	{"MULTI"}, {"SET", "t3", "x"}, {"NOSUCH"}, {"SET", "t3"}, {"EXEC"}, {"EXISTS", "t3"},
	{"MULTI"}, {"EXEC"}, {"MULTI"}, {"RENAME", "t1", "t4"}, {"KEYS", "t4"}, {"FLUSHDB"}, {"DBSIZE"}, {"EXEC"},
	{"WATCH", "w1", "w2"}, {"SET", "w1", "x"}, {"MULTI"}, {"GET", "w1"}, {"EXEC"}, {"EXEC"},
	{"WATCH", "w1"}, {"MULTI"}, {"WATCH", "w2"}, {"GET", "w1"}, {"EXEC"},
	{"WATCH", "w1"}, {"UNWATCH"}, {"SET", "w1", "y"}, {"MULTI"}, {"GET", "w1"}, {"EXEC"},
	{"WATCH", "nonexistent"}, {"MULTI"}, {"SET", "nonexistent", "1"}, {"EXEC"}, {"WATCH"},
	{"WATCH", "w1"}, {"MULTI"}, {"DISCARD"}, {"SET", "w1", "z"}, {"MULTI"}, {"GET", "w1"}, {"EXEC"},
	{"MULTI"}, {"SHUTDOWN", "NOSAVE"}, {"EXEC"},
	{"RPUSH", "l2", "a", "b", "c"}, {"LPOP", "l2", "0"}, {"RPOP", "l2", "0"}, {"LPOP", "l2", "x"}, {"LPOP", "l2", "1", "2"},
	{"HSET", "h2", "a", "1", "b", "2", "c", "3", "d", "4"}, {"HDEL", "h2", "b"}, {"HSET", "h2", "b", "5"}, {"HGETALL", "h2"},
	{"INCRBY", "n2", "9223372036854775807"}, {"INCRBY", "n2", "1"}, {"INCRBY", "n2", "-9223372036854775808"},
	{"SELECT", "-1"}, {"SELECT", "16"}, {"ECHO", "a", "b"}, {"DEL"}, {"KEYS"}, {"TYPE"}, {"RENAME", "a"},
	{"LRANGE", "l2", "0"}, {"SETNX", "k"}, {"APPEND", "k"}, {"HGET", "h2"}, {"LINDEX", "l2"},
	{"CONFIG", "GET", "maxmemory-policy"}, {"CONFIG", "GET", "MAXMEMORY"}, {"PING", "x\r\ny"},
	{"MULTI"}, {"PING"}, {"ECHO", "in-tx"}, {"EXEC"},
	{"SET", "empty", ""}, {"GET", "empty"}, {"FLUSHDB"}, {"DBSIZE"}, {"FLUSHALL", "bogus"}, {"FLUSHALL", "SYNC"},
}

func TestDifferentialAgainstRedis(t *testing.T) {
	sock := startRedis(t)
	srv := startServer(t, Config{})
	redis := dial(t, "unix", sock)
	ours := dial(t, "tcp", srv.Addr())
	for _, cmd := range differentialCommands {
		want := redis.Do(cmd...)
		got := ours.Do(cmd...)
		if got != want {
			t.Errorf("%q:\n redis-server: %q\n ssrun db:     %q", cmd, want, got)
		}
	}
}

// Raw requests (inline commands, malformed framing) compared the same way; each runs on a fresh
// connection, and after a protocol error both servers must close it.
func TestDifferentialRawRequests(t *testing.T) {
	sock := startRedis(t)
	srv := startServer(t, Config{})
	cases := []struct {
		raw    string
		closes bool
	}{
		{"PING\r\n", false},
		{"ECHO \"a b\\x41\\n\"\r\n", false},
		{"ECHO 'it\\'s'\r\n", false},
		{"ECHO\t  x   \r\n", false},
		{"\r\nPING\n", false},
		{"*0\r\n*1\r\n$4\r\nPING\r\n", false},
		{"*-1\r\n*1\r\n$4\r\nPING\r\n", false},
		{"ECHO \"unterminated\r\n", true},
		{"ECHO \"a\"b\r\n", true},
		{"*1\r\n$x\r\n", true},
		{"*1\r\n$-5\r\n", true},
		{"*1\r\n:4\r\n", true},
		{"*abc\r\n", true},
		{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n", false},
		{strings.Repeat("a", 70000), true},
		{"*" + strings.Repeat("1", 70000), true},
		{"*1\r\n$" + strings.Repeat("1", 70000), true},
	}
	for _, tc := range cases {
		redis := dial(t, "unix", sock)
		ours := dial(t, "tcp", srv.Addr())
		redis.Send([]byte(tc.raw))
		ours.Send([]byte(tc.raw))
		n := 1
		if strings.HasPrefix(tc.raw, "*3") {
			n = 3
		}
		for i := 0; i < n; i++ {
			want, got := redis.Reply(), ours.Reply()
			if got != want {
				t.Errorf("%.60q reply %d:\n redis-server: %q\n ssrun db:     %q", tc.raw, i, want, got)
			}
		}
		if tc.closes {
			if !redis.Closed() {
				t.Errorf("%.60q: redis-server kept the connection open (test assumption wrong)", tc.raw)
			}
			if !ours.Closed() {
				t.Errorf("%.60q: ssrun db kept the connection open after a protocol error", tc.raw)
			}
		}
	}
}

// The authentication flow against redis-server started with the same password.
func TestDifferentialRequirePass(t *testing.T) {
	sock := startRedis(t, "--requirepass", "s3cret")
	srv := startServer(t, Config{RequirePass: "s3cret"})
	redis := dial(t, "unix", sock)
	ours := dial(t, "tcp", srv.Addr())
	for _, cmd := range [][]string{
		{"GET", "k"}, {"NOPE", "x"}, {"GET"}, {"HELLO", "2"}, {"HELLO", "2", "AUTH", "default", "bad"},
		{"AUTH", "bad"}, {"AUTH", "other", "s3cret"}, {"AUTH", "a", "b", "c"}, {"MULTI"}, {"AUTH", "s3cret"},
		{"SET", "k", "v"}, {"GET", "k"}, {"AUTH", "s3cret"}, {"AUTH", "default", "s3cret"},
	} {
		want, got := redis.Do(cmd...), ours.Do(cmd...)
		if got != want {
			t.Errorf("%q:\n redis-server: %q\n ssrun db:     %q", cmd, want, got)
		}
	}
	for _, raw := range []string{"*11\r\n", "*2\r\n$4\r\nAUTH\r\n$16385\r\n"} {
		r, o := dial(t, "unix", sock), dial(t, "tcp", srv.Addr())
		r.Send([]byte(raw))
		o.Send([]byte(raw))
		if want, got := r.Reply(), o.Reply(); got != want {
			t.Errorf("unauthenticated %q:\n redis-server: %q\n ssrun db:     %q", raw, want, got)
		}
	}
}
