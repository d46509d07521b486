package client

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator"
)

// startStandalone runs an in-process ssrun db shard (core and AI.* commands) on a free loopback port for
// the test.
func startStandalone(t testing.TB) string {
	t.Helper()
	srv, err := orchestrator.New(orchestrator.Config{Name: "test", Port: 0, Threads: 1, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

// clusterRanges are the slot ranges redis-cli --cluster create gives three masters.
var clusterRanges = []orchestrator.SlotRange{{Start: 0, End: 5460}, {Start: 5461, End: 10922}, {Start: 10923, End: 16383}}

// startCluster runs three in-process shards forming a cluster and returns their addresses.
func startCluster(t *testing.T) []string {
	t.Helper()
	n := len(clusterRanges)
	ports := freePorts(t, n)
	addrs := make([]string, n)
	ids := make([]string, n)
	for i := range addrs {
		addrs[i] = "127.0.0.1:" + strconv.Itoa(ports[i])
		ids[i] = fmt.Sprintf("%040x", i+1)
	}
	for i := range addrs {
		var peers []orchestrator.ClusterPeer
		for j := range addrs {
			if j != i {
				peers = append(peers, orchestrator.ClusterPeer{NodeID: ids[j], Addr: addrs[j], Slots: clusterRanges[j]})
			}
		}
		srv, err := orchestrator.New(orchestrator.Config{
			Name: fmt.Sprintf("db_%d", i), Port: ports[i], Threads: 1, Dir: t.TempDir(),
			Cluster: &orchestrator.ClusterConfig{NodeID: ids[i], Slots: clusterRanges[i], Peers: peers},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
	}
	return addrs
}

// freePorts reserves n distinct free loopback ports. The cluster map must name every port before any
// shard starts, so they are found by listening and released just before the shards bind them.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// connect returns a client for the test, closed at its end.
func connect(t *testing.T, opts Options) *Client {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
