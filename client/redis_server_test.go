package client

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const redisServerPath = "/usr/bin/redis-server"

// startRedisServer runs Debian's redis-server on a free loopback port (extra arguments appended) and
// stops it at the end of the test. Tests against it check that the client works with a real Redis, as
// it must for create_database(engine="redis").
func startRedisServer(t testing.TB, port int, extra ...string) string {
	t.Helper()
	if _, err := os.Stat(redisServerPath); err != nil {
		skipOrFail(t, redisServerPath+" is not installed (apt-get install redis-server); .ci/run installs it")
	}
	dir := t.TempDir()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir}, extra...)
	cmd := exec.Command(redisServerPath, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not start listening: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr
}

func TestAgainstRedisServerStandalone(t *testing.T) {
	addr := startRedisServer(t, freePorts(t, 1)[0])
	ctx := testContext(t)
	c := connect(t, Options{Addrs: []string{"tcp://" + addr}, KeyOut: "p0", KeyIn: []string{"p0"}})
	must(t, c.do(ctx, "SET", "plain", "v").Err())
	if ok, err := c.PollKey(ctx, "plain", time.Millisecond, 2); err != nil || !ok {
		t.Errorf("PollKey = %v, %v", ok, err)
	}
	must(t, c.AppendToList(ctx, "L", NewDataset("d")))
	if v, _ := c.do(ctx, "LRANGE", "p0.L", 0, -1).StringSlice(); len(v) != 1 || v[0] != "p0.{d}" {
		t.Errorf("list = %q", v)
	}
	if n, err := c.GetListLength(ctx, "L"); err != nil || n != 1 {
		t.Errorf("GetListLength = %d, %v", n, err)
	}
	must(t, c.DeleteList(ctx, "L"))
	if ok, err := c.DatasetExists(ctx, "d"); err != nil || ok {
		t.Errorf("DatasetExists = %v, %v", ok, err)
	}
	must(t, c.DeleteKey(ctx, "plain"))
	if err := c.DeleteKey(ctx, "plain"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteKey: %v", err)
	}
	// Without RedisAI loaded the server's refusal comes through, naming the command.
	err := PutValues(ctx, c, "t", []int64{1}, []float32{1})
	if err == nil || !strings.Contains(err.Error(), `put tensor "p0.t": ERR unknown command 'AI.TENSORSET'`) {
		t.Errorf("tensor on plain Redis: %v", err)
	}
	if _, err := c.GetDatasetsFromList(ctx, "missing"); err != nil {
		t.Errorf("an empty list gave %v", err)
	}
}

// TestAgainstRedisServerCluster builds a real three-master Redis Cluster the way SmartRedis's CI does
// (redis-cli --cluster create) and checks the client's slot map and per-shard prefixes against it.
func TestAgainstRedisServerCluster(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		skipOrFail(t, "redis-cli is not installed (apt-get install redis-tools); .ci/run installs it")
	}
	ports := freePorts(t, 3)
	var addrs []string
	for _, p := range ports {
		conf := filepath.Join(t.TempDir(), "nodes.conf")
		addrs = append(addrs, startRedisServer(t, p, "--cluster-enabled", "yes", "--cluster-config-file", conf))
	}
	create := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	waitClusterOK(t, addrs)
	ctx := testContext(t)
	c := connect(t, Options{Addrs: addrs, Cluster: true})
	nodes := c.Nodes()
	if len(nodes) != 3 {
		t.Fatalf("nodes %v", nodes)
	}
	for _, r := range c.ranges {
		// SmartRedis's prefix of each range must land on that range's master in real Redis.
		key := "{" + r.prefix + "}.probe"
		must(t, c.do(ctx, "SET", key, "x").Err())
		if !onNode(t, r.addr, key) {
			t.Errorf("%q is not on %s, the master of slots %d-%d", key, r.addr, r.start, r.end)
		}
		if n, err := c.DBSize(ctx, r.addr); err != nil || n != 1 {
			t.Errorf("DBSize(%s) = %d, %v", r.addr, n, err)
		}
	}
	for _, name := range []string{"a", "b", "c"} {
		must(t, c.AppendToList(ctx, name, NewDataset("d")))
		if n, err := c.GetListLength(ctx, name); err != nil || n != 1 {
			t.Errorf("GetListLength(%s) = %d, %v", name, n, err)
		}
	}
}

func waitClusterOK(t *testing.T, addrs []string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, a := range addrs {
		node := redis.NewClient(&redis.Options{Addr: a, Protocol: 2, DisableIdentity: true})
		for {
			info, _ := node.ClusterInfo(context.Background()).Result()
			if strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				node.Close()
				t.Fatalf("cluster node %s never reached cluster_state:ok:\n%s", a, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		node.Close()
	}
}

// skipOrFail skips a test whose tool is missing when run by hand, but fails it under CI, where .ci/run
// must have installed the tool.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}
