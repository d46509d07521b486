package orchestrator

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

func TestMaxMemoryOOM(t *testing.T) {
	srv := startServer(t, Config{MaxMemory: 1 << 20})
	c := dial(t, "tcp", srv.Addr())
	val := strings.Repeat("x", 100<<10)
	stored := 0
	var last string
	for i := 0; i < 20; i++ {
		last = c.Do("SET", fmt.Sprintf("k%d", i), val)
		if last != "+OK\r\n" {
			break
		}
		stored++
	}
	if stored < 8 || stored > 10 {
		t.Errorf("stored %d values of 100 KiB under a 1 MiB limit, want 8-10", stored)
	}
	if last != "-OOM command not allowed when used memory > 'maxmemory'.\r\n" {
		t.Errorf("write past maxmemory = %q", last)
	}
	info := c.Do("INFO", "memory")
	if !strings.Contains(info, "maxmemory:1048576\r\n") || !strings.Contains(info, "maxmemory_human:1.00M\r\n") {
		t.Errorf("INFO memory lacks maxmemory: %q", info)
	}
	used := infoField(t, info, "used_memory")
	if used < int64(stored)*(100<<10) || used > 1<<20 {
		t.Errorf("used_memory = %d for %d values of 100 KiB", used, stored)
	}
	// Reads and deletes still work; freeing memory makes room again.
	if got := c.Do("GET", "nokey"); got != "$-1\r\n" {
		t.Errorf("GET under OOM = %q", got)
	}
	if got := c.Do("DEL", "k0", "k1"); got != ":2\r\n" {
		t.Errorf("DEL = %q", got)
	}
	if got := c.Do("SET", "again", val); got != "+OK\r\n" {
		t.Errorf("SET after freeing memory = %q", got)
	}
	// The peak stays at the high-water mark after the DEL; total_system_memory is the machine's.
	info = c.Do("INFO", "memory")
	if peak, now := infoField(t, info, "used_memory_peak"), infoField(t, info, "used_memory"); peak < used || peak <= now {
		t.Errorf("used_memory_peak = %d, want >= %d (the high-water mark) and > %d (now)", peak, used, now)
	}
	if total := infoField(t, info, "total_system_memory"); total < 1<<20 {
		t.Errorf("total_system_memory = %d", total)
	}
	if got := c.Do("CONFIG", "SET", "maxmemory", "0"); got != "+OK\r\n" {
		t.Errorf("CONFIG SET maxmemory 0 = %q", got)
	}
	if got := c.Do("SET", "k19", val); got != "+OK\r\n" {
		t.Errorf("SET with no limit = %q", got)
	}
}

func infoField(t *testing.T, info, field string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + field + `:(\d+)\r$`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("INFO has no %s field: %q", field, info)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestInfoSections(t *testing.T) {
	srv := startServer(t, Config{Name: "db_7"})
	c := dial(t, "tcp", srv.Addr())
	c.Do("SET", "a", "1")
	c.Do("RPUSH", "b", "x")
	info := c.Do("INFO")
	for _, want := range []string{"# Server\r\n", "redis_version:7.0.15\r\n", "ssrun_name:db_7\r\n", "# Clients\r\n",
		"connected_clients:1\r\n", "# Memory\r\n", "used_memory_human:", "# Persistence\r\n", "rdb_last_save_time:",
		"# Stats\r\n", "# Cluster\r\ncluster_enabled:0\r\n", "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n",
		"tcp_port:" + portOf(srv.Addr()) + "\r\n", "# Ai\r\nai_threads_per_queue:", "ai_script_engine:starlark\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q", want)
		}
	}
	if n := infoField(t, c.Do("INFO", "stats"), "total_commands_processed"); n != 4 {
		t.Errorf("total_commands_processed = %d, want 4", n)
	}
	c.Do("CONFIG", "RESETSTAT")
	if n := infoField(t, c.Do("INFO", "stats"), "total_commands_processed"); n != 1 {
		t.Errorf("total_commands_processed after RESETSTAT = %d, want 1", n)
	}
	if rss := infoField(t, info, "used_memory_rss"); rss < 1<<20 {
		t.Errorf("used_memory_rss = %d, implausibly small", rss)
	}
	if !regexp.MustCompile(`\r\nused_cpu_user:\d+\.\d{6}\r\n`).MatchString(info) {
		t.Errorf("INFO lacks used_cpu_user")
	}
	only := c.Do("INFO", "keyspace")
	if want := "$44\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n\r\n"; only != want {
		t.Errorf("INFO keyspace = %q, want %q", only, want)
	}
	if every := c.Do("INFO", "EVERYTHING"); !strings.Contains(every, "# Persistence\r\n") {
		t.Errorf("INFO EVERYTHING lacks Persistence")
	}
}

// SmartRedis checks that rdb_last_save_time strictly increases across SAVE.
func TestSaveAdvancesLastSaveTime(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	before := infoField(t, c.Do("INFO", "persistence"), "rdb_last_save_time")
	if got := c.Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	after := infoField(t, c.Do("INFO", "EVERYTHING"), "rdb_last_save_time")
	if after <= before {
		t.Errorf("rdb_last_save_time %d -> %d, want strictly increasing", before, after)
	}
	c.Do("SAVE")
	if again := infoField(t, c.Do("INFO", "persistence"), "rdb_last_save_time"); again <= after {
		t.Errorf("second SAVE: %d -> %d", after, again)
	}
	if got := c.Do("LASTSAVE"); got != fmt.Sprintf(":%d\r\n", after+1) && got != fmt.Sprintf(":%d\r\n", time.Now().Unix()) {
		t.Errorf("LASTSAVE = %q", got)
	}
}

func TestConfig(t *testing.T) {
	srv := startServer(t, Config{MaxBulkLen: 4 << 20})
	c := dial(t, "tcp", srv.Addr())
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "GET", "appendonly"}, "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "databases"}, "*2\r\n$9\r\ndatabases\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "GET", "proto-max-bulk-len"}, "*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n4194304\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory*"}, "*4\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"},
		{[]string{"CONFIG", "GET", "port"}, fmt.Sprintf("*2\r\n$4\r\nport\r\n$%d\r\n%s\r\n", len(portOf(srv.Addr())), portOf(srv.Addr()))},
		{[]string{"CONFIG", "SET", "maxmemory", "1gb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n"},
		{[]string{"CONFIG", "SET", "maxclients", "50000"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "maxclients"}, "*2\r\n$10\r\nmaxclients\r\n$5\r\n50000\r\n"},
		{[]string{"CONFIG", "SET", "maxclients", "0"}, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "save", "900 1", "lua-time-limit", "100"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "lua-time-limit"}, "*2\r\n$14\r\nlua-time-limit\r\n$3\r\n100\r\n"},
		{[]string{"CONFIG", "SET", "appendonly", "maybe"}, "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\r\n"},
		{[]string{"CONFIG", "SET", "port", "1"}, "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "SET", "nope", "1"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory"}, "-ERR wrong number of arguments for 'config|set' command\r\n"},
		{[]string{"CONFIG", "RESETSTAT"}, "+OK\r\n"},
	}
	for _, tc := range cases {
		if got := c.Do(tc.args...); got != tc.want {
			t.Errorf("%q = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestScanVisitsEveryKeyOnce(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	for i := 0; i < 300; i++ {
		c.Do("SET", fmt.Sprintf("key:%03d", i), "v")
	}
	c.Do("RPUSH", "alist", "x")
	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		reply := c.Do("SCAN", cursor, "MATCH", "key:*", "COUNT", "20")
		lines := strings.Split(reply, "\r\n")
		cursor = lines[2]
		for i := 5; i < len(lines); i += 2 {
			seen[lines[i]]++
		}
		calls++
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 300 || calls < 5 {
		t.Errorf("SCAN returned %d distinct keys in %d calls, want 300 in several", len(seen), calls)
	}
	for k, n := range seen {
		if n != 1 || !strings.HasPrefix(k, "key:") {
			t.Errorf("key %q returned %d times", k, n)
		}
	}
	listOnly := c.Do("SCAN", "0", "TYPE", "list", "COUNT", "1000")
	if listOnly != "*2\r\n$1\r\n0\r\n*1\r\n$5\r\nalist\r\n" {
		t.Errorf("SCAN TYPE list = %q", listOnly)
	}
	for _, bad := range [][]string{{"SCAN", "x"}, {"SCAN", "0", "COUNT", "0"}, {"SCAN", "0", "MATCH"}} {
		if got := c.Do(bad...); !strings.HasPrefix(got, "-ERR ") {
			t.Errorf("%q = %q, want an error", bad, got)
		}
	}
}

// fakeTensor stands for the AI module's values: core key commands must treat any command.Value alike.
type fakeTensor struct{ n int64 }

func (fakeTensor) TypeName() string { return "AI_TENSOR" }
func (f fakeTensor) MemSize() int64 { return f.n }

func TestKeyCommandsOnModuleValues(t *testing.T) {
	srv := startServer(t, Config{})
	if err := srv.Keys().Put([]byte("t1"), fakeTensor{1000}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, "tcp", srv.Addr())
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"TYPE", "t1"}, "+AI_TENSOR\r\n"},
		{[]string{"EXISTS", "t1"}, ":1\r\n"},
		{[]string{"KEYS", "t*"}, "*1\r\n$2\r\nt1\r\n"},
		{[]string{"SCAN", "0", "TYPE", "ai_tensor", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*1\r\n$2\r\nt1\r\n"},
		{[]string{"GET", "t1"}, "-" + command.WrongType + "\r\n"},
		{[]string{"RENAME", "t1", "t2"}, "+OK\r\n"},
		{[]string{"TYPE", "t2"}, "+AI_TENSOR\r\n"},
		{[]string{"DBSIZE"}, ":1\r\n"},
		{[]string{"UNLINK", "t2"}, ":1\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
	}
	for _, tc := range cases {
		if got := c.Do(tc.args...); got != tc.want {
			t.Errorf("%q = %q, want %q", tc.args, got, tc.want)
		}
	}
	if used := srv.Keys().UsedMemory(); used != 0 {
		t.Errorf("used memory after deleting everything = %d", used)
	}
}

func TestCommandIntrospection(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	count := c.Do("COMMAND", "COUNT")
	if count != fmt.Sprintf(":%d\r\n", len(srv.commands)) {
		t.Errorf("COMMAND COUNT = %q", count)
	}
	want := "*1\r\n*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*0\r\n*0\r\n*0\r\n*0\r\n"
	if got := c.Do("COMMAND", "INFO", "mset"); got != want {
		t.Errorf("COMMAND INFO mset = %q, want %q", got, want)
	}
	if got := c.Do("COMMAND", "INFO", "nosuch"); got != "*1\r\n*-1\r\n" {
		t.Errorf("COMMAND INFO nosuch = %q", got)
	}
	all := c.Do("COMMAND")
	if !strings.HasPrefix(all, fmt.Sprintf("*%d\r\n", len(srv.commands))) || !strings.Contains(all, "$6\r\nlrange\r\n:4\r\n") {
		t.Errorf("COMMAND lists no lrange entry")
	}
	docs := c.Do("COMMAND", "DOCS", "get")
	if !strings.HasPrefix(docs, "*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary\r\n") {
		t.Errorf("COMMAND DOCS get = %q", docs)
	}
}

func TestClientCommands(t *testing.T) {
	srv := startServer(t, Config{})
	a := dial(t, "tcp", srv.Addr())
	b := dial(t, "tcp", srv.Addr())
	a.Do("CLIENT", "SETNAME", "alpha")
	if got := a.Do("CLIENT", "SETINFO", "LIB-NAME", "go-redis(,go1.26)"); got != "+OK\r\n" {
		t.Errorf("CLIENT SETINFO = %q", got)
	}
	a.Do("CLIENT", "SETINFO", "lib-ver", "9.23.0")
	if got := a.Do("CLIENT", "SETINFO", "color", "x"); got != "-ERR Unrecognized option 'color'\r\n" {
		t.Errorf("CLIENT SETINFO color = %q", got)
	}
	if got := a.Do("CLIENT", "SETINFO", "lib-ver", "1 2"); got != "-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n" {
		t.Errorf("CLIENT SETINFO lib-ver with a space = %q", got)
	}
	for _, cmd := range []string{"CLIENT", "CONFIG", "COMMAND"} {
		help := a.Do(cmd, "help")
		if !strings.Contains(help, "+"+cmd+" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") || !strings.Contains(help, "+HELP\r\n") {
			t.Errorf("%s HELP = %q", cmd, help)
		}
	}
	b.Do("PING")
	list := b.Do("CLIENT", "LIST")
	lines := strings.Split(strings.TrimSuffix(list[strings.Index(list, "\r\n")+2:], "\n\r\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST has %d lines: %q", len(lines), list)
	}
	if !strings.Contains(lines[0], " name=alpha ") || !strings.Contains(lines[0], "lib-name=go-redis(,go1.26) lib-ver=9.23.0") {
		t.Errorf("first client line = %q", lines[0])
	}
	if !strings.Contains(lines[1], " cmd=CLIENT ") {
		t.Errorf("second client line = %q", lines[1])
	}
	ids := []string{a.Do("CLIENT", "ID"), b.Do("CLIENT", "ID")}
	if !sort.StringsAreSorted(ids) || ids[0] == ids[1] {
		t.Errorf("client ids %q not increasing", ids)
	}
}

func TestQuitClosesConnection(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	if got := c.Do("QUIT"); got != "+OK\r\n" {
		t.Errorf("QUIT = %q", got)
	}
	if !c.Closed() {
		t.Error("connection open after QUIT")
	}
}
