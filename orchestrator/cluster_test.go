package orchestrator

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/ssrun/ssrun/orchestrator/command"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

var testNodeIDs = []string{strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)}
var testRanges = []SlotRange{{0, 5460}, {5461, 10922}, {10923, 16383}}

// startCluster starts three in-process shards on loopback that split the slots as redis-cli
// --cluster create would.
func startCluster(t testing.TB) []*Server {
	t.Helper()
	ports := make([]int, 3)
	for i := range ports {
		ports[i] = ssruntest.FreePort(t)
	}
	var servers []*Server
	for i := range ports {
		cc := &ClusterConfig{NodeID: testNodeIDs[i], Slots: testRanges[i]}
		for j := range ports {
			if j != i {
				cc.Peers = append(cc.Peers, ClusterPeer{NodeID: testNodeIDs[j], Addr: "127.0.0.1:" + strconv.Itoa(ports[j]), Slots: testRanges[j]})
			}
		}
		servers = append(servers, startServer(t, Config{Name: fmt.Sprintf("db_%d", i), Port: ports[i], Cluster: cc}))
	}
	return servers
}

func TestKeySlot(t *testing.T) {
	cases := map[string]int{"": 0, "foo": 12182, "{user1000}.following": 3443, "{user1000}.followers": 3443,
		"foo{}{bar}": 8363, "foo{{bar}}zap": 4015, "foo{bar}{zap}": 5061, "bar": 5061, "123456789": 12739,
		"\x00\x00": 0, "8M": 5461, "\xed\xeb": 10923, "H\xd7": 16383}
	for key, want := range cases {
		if got := KeySlot([]byte(key)); got != want {
			t.Errorf("KeySlot(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestClusterCommands(t *testing.T) {
	servers := startCluster(t)
	c := dial(t, "tcp", servers[1].Addr())
	addrs := []string{servers[0].Addr(), servers[1].Addr(), servers[2].Addr()}
	var slots strings.Builder
	slots.WriteString("*3\r\n")
	for i, a := range addrs {
		host, port, _ := splitHostPort(a)
		fmt.Fprintf(&slots, "*3\r\n:%d\r\n:%d\r\n*4\r\n$%d\r\n%s\r\n:%d\r\n$40\r\n%s\r\n*0\r\n",
			testRanges[i].Start, testRanges[i].End, len(host), host, port, testNodeIDs[i])
	}
	if got := c.Do("CLUSTER", "SLOTS"); got != slots.String() {
		t.Errorf("CLUSTER SLOTS = %q\nwant %q", got, slots.String())
	}
	nodes := c.Do("CLUSTER", "NODES")
	busPort := portNum(addrs[1]) + 10000
	if busPort > 65535 {
		busPort = 0
	}
	wantLine := fmt.Sprintf("%s %s@%d myself,master - 0 0 2 connected 5461-10922\n", testNodeIDs[1], addrs[1], busPort)
	if !strings.Contains(nodes, wantLine) || strings.Count(nodes, "\n") != 5 {
		t.Errorf("CLUSTER NODES = %q, want a line %q", nodes, wantLine)
	}
	if info := c.Do("CLUSTER", "INFO"); !strings.Contains(info, "cluster_state:ok\r\n") || !strings.Contains(info, "cluster_known_nodes:3\r\n") {
		t.Errorf("CLUSTER INFO = %q", info)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"CLUSTER", "MYID"}, "$40\r\n" + testNodeIDs[1] + "\r\n"},
		{[]string{"CLUSTER", "KEYSLOT", "foo"}, ":12182\r\n"},
		{[]string{"GET", "foo"}, "-MOVED 12182 " + addrs[2] + "\r\n"},
		{[]string{"SET", "{8M}x", "1"}, "+OK\r\n"},
		{[]string{"MSET", "{8M}a", "1", "{8M}b", "2"}, "+OK\r\n"},
		{[]string{"MSET", "{8M}a", "1", "foo", "2"}, "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{[]string{"DEL", "{8M}a", "{8M}b", "{8M}x"}, ":3\r\n"},
		{[]string{"EXISTS", "{8M}a", "bar"}, "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{[]string{"AI.TENSORSET", "foo", "FLOAT", "1"}, "-MOVED 12182 " + addrs[2] + "\r\n"},
		{[]string{"CLUSTER", "COUNTKEYSINSLOT", "5461"}, ":0\r\n"},
		{[]string{"CLUSTER", "NOPE"}, "-ERR unknown subcommand 'NOPE'. Try CLUSTER HELP.\r\n"},
		{[]string{"READONLY"}, "+OK\r\n"},
		{[]string{"ASKING"}, "+OK\r\n"},
		{[]string{"SELECT", "1"}, "-ERR SELECT is not allowed in cluster mode\r\n"},
		{[]string{"INFO", "cluster"}, "$30\r\n# Cluster\r\ncluster_enabled:1\r\n\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	}
	for _, tc := range cases {
		if got := c.Do(tc.args...); got != tc.want {
			t.Errorf("%q = %q, want %q", tc.args, got, tc.want)
		}
	}
	c.Do("SET", "{8M}k2", "v")
	c.Do("SET", "{8M}k1", "v")
	if got := c.Do("CLUSTER", "GETKEYSINSLOT", "5461", "10"); got != "*2\r\n$6\r\n{8M}k1\r\n$6\r\n{8M}k2\r\n" {
		t.Errorf("GETKEYSINSLOT = %q", got)
	}
	if help := c.Do("CLUSTER", "HELP"); !strings.HasPrefix(help, "*19\r\n+CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+INFO\r\n") {
		t.Errorf("CLUSTER HELP = %q", help)
	}
	shards := c.Do("CLUSTER", "SHARDS")
	if !strings.HasPrefix(shards, "*3\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:5460\r\n$5\r\nnodes\r\n*1\r\n*14\r\n$2\r\nid\r\n$40\r\n"+testNodeIDs[0]) {
		t.Errorf("CLUSTER SHARDS = %q", shards)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func portNum(addr string) int {
	_, p, _ := splitHostPort(addr)
	return p
}

func TestClusterConfigValidation(t *testing.T) {
	peer := ClusterPeer{NodeID: testNodeIDs[1], Addr: "127.0.0.1:7002", Slots: SlotRange{5000, 16383}}
	cases := map[string]*ClusterConfig{
		"cluster slot ranges overlap at slot 5000":              {Slots: SlotRange{0, 5460}, Peers: []ClusterPeer{peer}},
		"cluster slots 5461-16383 are not assigned to any node": {Slots: SlotRange{0, 5460}},
		"cluster slots 0-99 are not assigned to any node":       {Slots: SlotRange{100, 16383}},
	}
	for want, cc := range cases {
		if _, err := New(Config{Cluster: cc}); err == nil || err.Error() != want {
			t.Errorf("New(%+v) error = %v, want %q", cc, err, want)
		}
	}
}

// go-redis's ClusterClient reads CLUSTER SLOTS and routes keys to all three shards.
func TestGoRedisClusterClient(t *testing.T) {
	servers := startCluster(t)
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{servers[0].Addr()}})
	defer cc.Close()
	for i := 0; i < 300; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET key:%d: %v", i, err)
		}
	}
	for i := 0; i < 300; i++ {
		if got, err := cc.Get(ctx, fmt.Sprintf("key:%d", i)).Int(); err != nil || got != i {
			t.Fatalf("GET key:%d = %d, %v", i, got, err)
		}
	}
	blob := floatBlob([]float32{1, 2})
	if err := cc.Do(ctx, "AI.TENSORSET", "{P}.t", "FLOAT", 2, "BLOB", blob).Err(); err != nil {
		t.Fatalf("AI.TENSORSET in cluster: %v", err)
	}
	if got, err := cc.Do(ctx, "AI.TENSORGET", "{P}.t", "BLOB").Text(); err != nil || got != string(blob) {
		t.Errorf("AI.TENSORGET in cluster = %q, %v", got, err)
	}
	// AI.MODELEXECUTE's keys follow keywords; go-redis routes it by the first key COMMAND reports.
	info, err := cc.Command(ctx).Result()
	if err != nil {
		t.Fatalf("COMMAND: %v", err)
	}
	if me := info["ai.modelexecute"]; me == nil || me.FirstKeyPos != 1 || !contains(me.Flags, "movablekeys") {
		t.Errorf("COMMAND info for ai.modelexecute = %+v", me)
	}
	total := int64(0)
	for i, s := range servers {
		n := s.Keys().Len()
		if n == 0 {
			t.Errorf("shard %d holds no keys: routing did not reach it", i)
		}
		total += n
	}
	if total != 301 {
		t.Errorf("shards hold %d keys in all, want 301", total)
	}
}

// redis-cli -c follows MOVED: keys set through any node land on their owner and read back anywhere.
func TestRedisCliCluster(t *testing.T) {
	cli := needTool(t, "redis-cli")
	servers := startCluster(t)
	host, port, _ := splitHostPort(servers[0].Addr())
	run := func(args ...string) string {
		out, err := exec.Command(cli, append([]string{"-c", "-h", host, "-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, key := range []string{"foo", "bar", "{8M}x"} { // slots 12182, 5061, 5461: one per shard
		if out := run("SET", key, "val-"+key); out != "OK\n" {
			t.Errorf("redis-cli -c SET %s = %q", key, out)
		}
		if out := run("GET", key); out != "val-"+key+"\n" {
			t.Errorf("redis-cli -c GET %s = %q", key, out)
		}
	}
	for i, s := range servers {
		if s.Keys().Len() != 1 {
			t.Errorf("shard %d holds %d keys, want 1", i, s.Keys().Len())
		}
	}
}

// A node bound to every interface shows itself under the address the client used. (Tests bind only
// loopback, so the connection is a stand-in whose local address is what the kernel would report.)
func TestClusterWildcardBindShowsLocalAddress(t *testing.T) {
	st := newClusterState(&ClusterConfig{NodeID: testNodeIDs[0], Slots: SlotRange{0, 16383}}, "0.0.0.0:7000", "db")
	conn := localAddrConn{local: &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 7000}}
	ctx := &command.Ctx{Context: context.WithValue(context.Background(), clientKey{}, &client{netConn: conn})}
	if got := st.hostFor(ctx)(st.self); got != "10.1.2.3" {
		t.Errorf("self host for a client on 10.1.2.3 = %q", got)
	}
	named := newClusterState(&ClusterConfig{NodeID: testNodeIDs[0], Slots: SlotRange{0, 16383}}, "node7:7000", "db")
	if got := named.hostFor(ctx)(named.self); got != "node7" {
		t.Errorf("announced host replaced: %q", got)
	}
}

type localAddrConn struct {
	net.Conn
	local net.Addr
}

func (c localAddrConn) LocalAddr() net.Addr { return c.local }

// redis-cli --cluster check reads CLUSTER NODES, INFO and DBSIZE from every node and must agree.
func TestRedisCliClusterCheck(t *testing.T) {
	cli := needTool(t, "redis-cli")
	servers := startCluster(t)
	out, err := exec.Command(cli, "--cluster", "check", servers[0].Addr()).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster check: %v\n%s", err, out)
	}
	for _, want := range []string{"[OK] All nodes agree about slots configuration.", "[OK] All 16384 slots covered.", "5462 slots"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("redis-cli --cluster check output lacks %q:\n%s", want, out)
		}
	}
}

// redis-benchmark --cluster discovers the nodes with CLUSTER NODES and runs against all of them.
func TestRedisBenchmarkCluster(t *testing.T) {
	bench := needTool(t, "redis-benchmark")
	servers := startCluster(t)
	host, port, _ := splitHostPort(servers[0].Addr())
	out, err := exec.Command(bench, "--cluster", "-h", host, "-p", strconv.Itoa(port), "-t", "set,get", "-n", "3000", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark --cluster: %v\n%s", err, out)
	}
	text := string(out)
	for _, test := range []string{"SET: ", "GET: "} {
		if !strings.Contains(text, test) || !strings.Contains(text, "requests per second") {
			t.Errorf("redis-benchmark --cluster output lacks %q:\n%s", test, text)
		}
	}
	if strings.Contains(text, "ERR") || strings.Contains(text, "MOVED") || strings.Contains(text, "rror") {
		t.Errorf("redis-benchmark --cluster reported errors:\n%s", text)
	}
	for i, s := range servers {
		if s.Keys().Len() == 0 {
			t.Errorf("shard %d received no keys", i)
		}
	}
}
