package orchestrator

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const negateScript = "def negate(x):\n    return torch.neg(x)\n"

// fillEveryKind stores one value of each kind a snapshot covers.
func fillEveryKind(t *testing.T, c *testConn) {
	t.Helper()
	for _, cmd := range [][]string{
		{"SET", "s", "hello"},
		{"RPUSH", "l", "a", "b", "c"},
		{"HSET", "h", "f1", "v1", "f2", "v2"},
		{"AI.TENSORSET", "t", "FLOAT", "2", "2", "VALUES", "1", "2", "3", "4"},
		{"AI.SCRIPTSTORE", "sc", "CPU", "TAG", "v1", "ENTRY_POINTS", "1", "negate", "SOURCE", negateScript},
		{"AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "v2", "BATCHSIZE", "4", "BLOB", "not-a-real-model"},
	} {
		if got := c.Do(cmd...); !strings.HasPrefix(got, "+OK") && !strings.HasPrefix(got, ":") {
			t.Fatalf("%q = %q", cmd, got)
		}
	}
}

// checkEveryKind checks what fillEveryKind stored, and that the script was compiled again on load.
func checkEveryKind(t *testing.T, c *testConn) {
	t.Helper()
	checks := []struct {
		cmd  []string
		want string
	}{
		{[]string{"GET", "s"}, "$5\r\nhello\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"HGETALL", "h"}, "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n"},
		{[]string{"AI.TENSORGET", "t", "VALUES"}, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
		{[]string{"AI.SCRIPTEXECUTE", "sc", "negate", "INPUTS", "1", "t", "OUTPUTS", "1", "n"}, "+OK\r\n"},
		{[]string{"AI.TENSORGET", "n", "VALUES"}, "*4\r\n$2\r\n-1\r\n$2\r\n-2\r\n$2\r\n-3\r\n$2\r\n-4\r\n"},
		{[]string{"AI.MODELGET", "m", "BLOB"}, "$16\r\nnot-a-real-model\r\n"},
		{[]string{"TYPE", "m"}, "+AI__MODEL\r\n"},
		{[]string{"TYPE", "sc"}, "+AI_SCRIPT\r\n"},
	}
	for _, ch := range checks {
		if got := c.Do(ch.cmd...); got != ch.want {
			t.Errorf("%q = %q, want %q", ch.cmd, got, ch.want)
		}
	}
	if got := c.Do("AI.SCRIPTGET", "sc", "META"); !strings.Contains(got, "v1") || !strings.Contains(got, "negate") {
		t.Errorf("script meta after load = %q", got)
	}
}

// A shard restarted on the same directory comes back with everything SAVE wrote, before it answers
// its first PING (the ready line is printed only after loading).
func TestSnapshotSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	p := startDB(t, "--port", "0", "--dir", dir)
	c := dial(t, "tcp", p.ready.Addr)
	fillEveryKind(t, c)
	before := c.Do("LASTSAVE")
	time.Sleep(10 * time.Millisecond)
	if got := c.Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	if c.Do("LASTSAVE") == before {
		t.Error("LASTSAVE did not move")
	}
	c.Do("SET", "after-save", "lost") // NOSAVE: not in the snapshot
	c.Send(encodeCommand("SHUTDOWN", "NOSAVE"))
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr)
	}
	p2 := startDB(t, "--port", "0", "--dir", dir)
	c2 := dial(t, "tcp", p2.ready.Addr)
	checkEveryKind(t, c2)
	if got := c2.Do("EXISTS", "after-save"); got != ":0\r\n" {
		t.Errorf("a write after SAVE came back after SHUTDOWN NOSAVE: %q", got)
	}
	// SHUTDOWN SAVE writes the final state.
	c2.Do("SET", "final", "yes")
	c2.Send(encodeCommand("SHUTDOWN", "SAVE"))
	p2.wait(t)
	if !strings.Contains(p2.stderr.String(), "DB loaded from snapshot") {
		t.Errorf("no load message: %s", p2.stderr)
	}
	p3 := startDB(t, "--port", "0", "--dir", dir)
	if got := dial(t, "tcp", p3.ready.Addr).Do("GET", "final"); got != "$3\r\nyes\r\n" {
		t.Errorf("after SHUTDOWN SAVE: %q", got)
	}
}

// A damaged snapshot stops the shard from starting, naming the file and the offset; nothing is served.
func TestCorruptSnapshotRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Config{Port: 0, Dir: dir})
	c := dial(t, "tcp", s.Addr())
	fillEveryKind(t, c)
	c.Do("SAVE")
	s.Close()
	path := filepath.Join(dir, "dump-test.ssdb")
	data, _ := os.ReadFile(path)
	for name, damaged := range map[string][]byte{
		"truncated": data[:len(data)-7],
		"flipped":   append(append(bytes.Clone(data[:len(data)/2]), data[len(data)/2]^0xff), data[len(data)/2+1:]...),
	} {
		os.WriteFile(path, damaged, 0o644)
		var stdout, stderr bytes.Buffer
		code := Main([]string{"--port", "0", "--name", "test", "--dir", dir}, &stdout, &stderr)
		if code != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), path+": offset ") ||
			!strings.Contains(stderr.String(), "refusing to start") {
			t.Errorf("%s snapshot: exit %d, stdout %q, stderr %q", name, code, stdout.String(), stderr.String())
		}
		if name == "truncated" && !strings.Contains(stderr.String(), "truncated") {
			t.Errorf("truncated snapshot not called truncated: %s", stderr.String())
		}
	}
}

// With appendonly on, kill -9 loses no acknowledged write: the reply is sent only once the change is
// in the log (always: fsynced too). A writer records each acknowledged SET; all must come back.
func TestAppendOnlyKill9KeepsAcknowledgedWrites(t *testing.T) {
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			dir := t.TempDir()
			p := startDB(t, "--port", "0", "--dir", dir, "--appendonly", "yes", "--appendfsync", policy)
			var acked sync.Map
			var n atomic.Int64
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					c, err := net.Dial("tcp", p.ready.Addr)
					if err != nil {
						return
					}
					tc := &testConn{t: t, nc: c, br: bufio.NewReader(c)}
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						k, v := fmt.Sprintf("k%d_%d", w, i), fmt.Sprintf("v%d", i*w)
						tc.nc.Write(encodeCommand("SET", k, v))
						r, err := readRawReply(tc.br)
						if err != nil {
							return // the server was killed
						}
						if r == "+OK\r\n" {
							acked.Store(k, v)
							n.Add(1)
						}
					}
				}(w)
			}
			for n.Load() < 300 {
				time.Sleep(5 * time.Millisecond)
			}
			p.cmd.Process.Signal(syscall.SIGKILL)
			p.wait(t)
			close(stop)
			wg.Wait()
			p2 := startDB(t, "--port", "0", "--dir", dir, "--appendonly", "yes")
			c := dial(t, "tcp", p2.ready.Addr)
			lost := 0
			acked.Range(func(k, v any) bool {
				if got := c.Do("GET", k.(string)); got != fmt.Sprintf("$%d\r\n%s\r\n", len(v.(string)), v) {
					lost++
				}
				return true
			})
			if lost != 0 {
				t.Errorf("%d of %d acknowledged writes lost after kill -9 (%s)", lost, n.Load(), policy)
			}
		})
	}
}

// A log whose last record was cut by a crash loads up to it, says so, and is cut there so that later
// appends follow complete records.
func TestAppendOnlyTruncatedLastRecord(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Config{Port: 0, Dir: dir, AppendOnly: true})
	c := dial(t, "tcp", s.Addr())
	fillEveryKind(t, c)
	c.Do("DEL", "s")
	c.Do("SET", "s", "again")
	c.Do("RENAME", "l", "l2")
	c.Do("SET", "last", "x")
	s.Close()
	path := filepath.Join(dir, "appendonly-test.ssaof")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-2], 0o644)
	var logs bytes.Buffer
	var mu sync.Mutex
	s2 := startServer(t, Config{Port: 0, Dir: dir, AppendOnly: true, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&logs, f+"\n", a...)
	}})
	c2 := dial(t, "tcp", s2.Addr())
	if got := c2.Do("GET", "s"); got != "$5\r\nagain\r\n" {
		t.Errorf("GET s = %q", got)
	}
	if got := c2.Do("EXISTS", "last", "l"); got != ":0\r\n" {
		t.Errorf("the cut record or a renamed key came back: %q", got)
	}
	if got := c2.Do("LLEN", "l2"); got != ":3\r\n" {
		t.Errorf("LLEN l2 = %q", got)
	}
	mu.Lock()
	msg := logs.String()
	mu.Unlock()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "incomplete") || !strings.Contains(msg, "redis-check-aof") {
		t.Errorf("load log = %q", msg)
	}
	c2.Do("SET", "after", "cut")
	s2.Close()
	s3 := startServer(t, Config{Port: 0, Dir: dir, AppendOnly: true})
	if got := dial(t, "tcp", s3.Addr()).Do("GET", "after"); got != "$3\r\ncut\r\n" {
		t.Errorf("a write appended after the cut: %q", got)
	}
}

// BGSAVE is a snapshot of one instant while writers go on: transactions that keep a == b are never
// seen half-applied in the file.
func TestBgsaveIsConsistentUnderWrites(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Config{Port: 0, Dir: dir})
	c := dial(t, "tcp", s.Addr())
	for i := 0; i < 2000; i++ {
		c.Do("SET", fmt.Sprintf("fill%d", i), strings.Repeat("x", 100))
	}
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		w := dial(t, "tcp", s.Addr())
		i := 0
		for ; ; i++ {
			select {
			case <-stop:
				done <- i
				return
			default:
			}
			v := fmt.Sprint(i)
			w.Do("MULTI")
			w.Do("SET", "a", v)
			w.Do("SET", "b", v)
			w.Do("EXEC")
		}
	}()
	time.Sleep(20 * time.Millisecond)
	for round := 0; round < 5; round++ {
		if got := c.Do("BGSAVE"); got != "+Background saving started\r\n" {
			t.Fatalf("BGSAVE = %q", got)
		}
		for strings.Contains(c.Do("INFO", "persistence"), "rdb_bgsave_in_progress:1") {
			time.Sleep(time.Millisecond)
		}
		s2 := New2(t, dir)
		a, b := s2.Do("GET", "a"), s2.Do("GET", "b")
		if a != b {
			t.Fatalf("snapshot %d holds a=%q b=%q", round, a, b)
		}
	}
	close(stop)
	if n := <-done; n == 0 {
		t.Error("the writer made no progress during BGSAVE")
	}
	if got := c.Do("INFO", "persistence") + c.Do("INFO", "stats"); !strings.Contains(got, "rdb_last_bgsave_status:ok") || !strings.Contains(got, "latest_fork_usec:") {
		t.Errorf("INFO persistence = %q", got)
	}
}

// New2 loads dir's snapshot into a fresh server and returns a connection to it.
func New2(t *testing.T, dir string) *testConn {
	s := startServer(t, Config{Port: 0, Dir: dir})
	return dial(t, "tcp", s.Addr())
}

// A failed BGSAVE makes writes answer MISCONF (stop-writes-on-bgsave-error yes with save points), as
// Redis does; the next successful snapshot lifts it.
func TestFailedBgsaveRefusesWritesWithMisconf(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	os.Mkdir(dir, 0o755)
	s := startServer(t, Config{Port: 0, Dir: dir, Save: "3600 1"})
	c := dial(t, "tcp", s.Addr())
	c.Do("SET", "k", "v")
	os.RemoveAll(dir) // the snapshot cannot be written
	if got := c.Do("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	waitFor(t, func() bool { // the failure is recorded and the background save has ended
		info := c.Do("INFO", "persistence")
		return strings.Contains(info, "rdb_last_bgsave_status:err") && strings.Contains(info, "rdb_bgsave_in_progress:0")
	})
	if got := c.Do("SET", "k", "w"); got != "-"+misconfRDB+"\r\n" {
		t.Errorf("SET after a failed BGSAVE = %q", got)
	}
	if got := c.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET after a failed BGSAVE = %q", got)
	}
	if got := c.Do("SAVE"); !strings.HasPrefix(got, "-ERR ") {
		t.Errorf("SAVE into a missing directory = %q", got)
	}
	c.Do("CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
	if got := c.Do("SET", "k", "w"); got != "+OK\r\n" {
		t.Errorf("SET with stop-writes-on-bgsave-error no = %q", got)
	}
	c.Do("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
	os.Mkdir(dir, 0o755)
	if got := c.Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	if got := c.Do("SET", "k", "x"); got != "+OK\r\n" {
		t.Errorf("SET after a good SAVE = %q", got)
	}
}

// Save points snapshot on their own: "1 1" saves within about a second of a write.
func TestSavePointsSnapshot(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Config{Port: 0, Dir: dir})
	c := dial(t, "tcp", s.Addr())
	if got := c.Do("CONFIG", "SET", "save", "1 1"); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET save = %q", got)
	}
	if got := c.Do("CONFIG", "GET", "save"); got != "*2\r\n$4\r\nsave\r\n$3\r\n1 1\r\n" {
		t.Errorf("CONFIG GET save = %q", got)
	}
	c.Do("SET", "k", "v")
	waitFor(t, func() bool { return strings.Contains(c.Do("INFO", "persistence"), "rdb_changes_since_last_save:0") })
	if _, err := os.Stat(filepath.Join(dir, "dump-test.ssdb")); err != nil {
		t.Errorf("no snapshot after the save point: %v", err)
	}
}

// CONFIG SET appendonly yes writes the current keyspace as the log's start; later writes follow it,
// and a restart with --appendonly yes loads it.
func TestConfigSetAppendOnly(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, Config{Port: 0, Dir: dir})
	c := dial(t, "tcp", s.Addr())
	fillEveryKind(t, c)
	for _, kv := range [][2]string{{"appendfsync", "always"}, {"appendonly", "yes"}} {
		if got := c.Do("CONFIG", "SET", kv[0], kv[1]); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET %s = %q", kv[0], got)
		}
	}
	c.Do("SET", "later", "1")
	c.Do("FLUSHALL")
	fillEveryKind(t, c)
	c.Do("INCR", "later")
	if got := c.Do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Errorf("BGREWRITEAOF = %q", got)
	}
	c.Do("INCR", "later")
	waitFor(t, func() bool { return strings.Contains(c.Do("INFO", "persistence"), "aof_rewrite_in_progress:0") })
	c.Do("INCR", "later")
	s.Close()
	s2 := startServer(t, Config{Port: 0, Dir: dir, AppendOnly: true})
	c2 := dial(t, "tcp", s2.Addr())
	checkEveryKind(t, c2)
	if got := c2.Do("GET", "later"); got != "$1\r\n3\r\n" {
		t.Errorf("GET later = %q", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Shards of one database run in one directory: each names its files after itself by default.
func TestDefaultFileNamesPerShard(t *testing.T) {
	for name, want := range map[string][2]string{
		"db":   {"dump.ssdb", "appendonly.ssaof"},
		"db_1": {"dump-db_1.ssdb", "appendonly-db_1.ssaof"},
	} {
		s, err := New(Config{Name: name, Port: 0, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if s.persist.dbfilename != want[0] || s.persist.appendfilename != want[1] {
			t.Errorf("shard %s: files %s, %s; want %v", name, s.persist.dbfilename, s.persist.appendfilename, want)
		}
		s.Close()
	}
}
