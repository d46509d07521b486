package orchestrator

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// TestClusterSetNodes forms a cluster the way the driver does on a workload manager: three pending
// nodes that know only their own slots, then the whole map sent to each with CLUSTER SETNODES, after
// which go-redis's cluster client routes across all three.
func TestClusterSetNodes(t *testing.T) {
	var servers []*Server
	for i := range testRanges {
		cc := &ClusterConfig{NodeID: testNodeIDs[i], Slots: testRanges[i], Pending: true}
		servers = append(servers, startServer(t, Config{Name: fmt.Sprintf("db_%d", i), Port: ssruntest.FreePort(t), Cluster: cc}))
	}
	c := dial(t, "tcp", servers[0].Addr())
	if got := c.Do("CLUSTER", "INFO"); !strings.Contains(got, "cluster_state:fail") || !strings.Contains(got, "cluster_slots_assigned:5461") {
		t.Fatalf("pending node's CLUSTER INFO = %q", got)
	}
	if got := strings.TrimSpace(c.Do("SET", "foo", "1")); got != "-CLUSTERDOWN Hash slot not served" { // foo is slot 12182
		t.Fatalf("SET of another node's slot before SETNODES = %q", got)
	}
	var triples []string
	for i, s := range servers {
		triples = append(triples, testNodeIDs[i], s.Addr(), testRanges[i].String())
	}
	for _, s := range servers {
		if got := strings.TrimSpace(dial(t, "tcp", s.Addr()).Do(append([]string{"CLUSTER", "SETNODES"}, triples...)...)); got != "+OK" {
			t.Fatalf("CLUSTER SETNODES on %s = %q", s.Addr(), got)
		}
	}
	if got := strings.TrimSpace(c.Do("SET", "foo", "1")); got != "-MOVED 12182 "+servers[2].Addr() {
		t.Fatalf("SET foo after SETNODES = %q", got)
	}
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{servers[1].Addr()}})
	defer cl.Close()
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		k := "key" + strconv.Itoa(i)
		if err := cl.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("cluster SET %s: %v", k, err)
		}
	}
	total := 0
	for _, s := range servers {
		total += int(s.Keys().Len())
	}
	if total != 100 {
		t.Fatalf("the three nodes hold %d keys, want 100", total)
	}
}

func TestClusterSetNodesRefusesBadMaps(t *testing.T) {
	s := startServer(t, Config{Name: "db_0", Port: ssruntest.FreePort(t),
		Cluster: &ClusterConfig{NodeID: testNodeIDs[0], Slots: testRanges[0], Pending: true}})
	c := dial(t, "tcp", s.Addr())
	cases := map[string][]string{
		"ERR wrong number of arguments":        {testNodeIDs[0], s.Addr()},
		"ERR the map does not contain":         {testNodeIDs[1], "127.0.0.1:1", "0-16383"},
		"ERR this node owns slots 0-5460":      {testNodeIDs[0], s.Addr(), "0-16383"},
		"ERR cluster slots 5461-16383 are not": {testNodeIDs[0], s.Addr(), "0-5460"},
	}
	for want, args := range cases {
		if got := c.Do(append([]string{"CLUSTER", "SETNODES"}, args...)...); !strings.HasPrefix(got, "-"+want) {
			t.Errorf("SETNODES %v = %q, want %q...", args, got, want)
		}
	}
	if got := c.Do("CLUSTER", "INFO"); !strings.Contains(got, "cluster_state:fail") {
		t.Errorf("a refused map changed the node: %q", got)
	}
}

func TestResolveBinds(t *testing.T) {
	env := nodeEnv{
		getenv: func(k string) string {
			if k == "SLURMD_NODENAME" {
				return "n2"
			}
			return ""
		},
		hostname: func() (string, error) { return "login1", nil },
		interfaceAddr: func(name string) (string, error) {
			if name == "lo" {
				return "127.0.0.1", nil
			}
			return "", fmt.Errorf("no such network interface")
		},
		lookupHost:    func(h string) ([]string, error) { return []string{"::1", "10.0.0.7"}, nil },
		scontrolNode:  func(_ context.Context, n string) (string, error) { return "127.0.0.2", nil },
		interfaceList: func() []string { return []string{"lo", "eth0"} },
	}
	bc, err := resolveBinds(env, []string{"lo"}, false, false)
	if err != nil || strings.Join(bc.Addrs, ",") != "127.0.0.1" || bc.Note != "" || bc.Node != "n2" {
		t.Fatalf("lo: %+v, %v", bc, err)
	}
	bc, err = resolveBinds(env, []string{"ipogif0"}, true, false)
	if err != nil || strings.Join(bc.Addrs, ",") != "127.0.0.2" || !strings.Contains(bc.Note, "interface ipogif0 not found on node n2; binding 127.0.0.2, the NodeAddr Slurm knows node n2 by") {
		t.Fatalf("fallback: %+v, %v", bc, err)
	}
	if _, err = resolveBinds(env, []string{"ib9"}, false, false); err == nil || !strings.Contains(err.Error(), "interface ib9 not found on node n2 (it has lo, eth0)") {
		t.Fatalf("missing interface without fallback: %v", err)
	}
	bc, err = resolveBinds(env, nil, false, true)
	if err != nil || strings.Join(bc.Addrs, ",") != "127.0.0.2" {
		t.Fatalf("node address: %+v, %v", bc, err)
	}
	env.getenv = func(string) string { return "" } // not in a Slurm step: the host name's IPv4 address
	bc, err = resolveBinds(env, nil, false, true)
	if err != nil || strings.Join(bc.Addrs, ",") != "10.0.0.7" || bc.Node != "login1" {
		t.Fatalf("host name address: %+v, %v", bc, err)
	}
}
