package client

import (
	"strconv"
	"strings"
	"testing"
)

func TestAddressedCommandsOnEveryNode(t *testing.T) {
	addrs := startCluster(t)
	c := connect(t, Options{Addrs: addrs, Cluster: true})
	ctx := testContext(t)
	if got := c.Addrs(); len(got) != 3 {
		t.Fatalf("Addrs = %v", got)
	}
	for _, addr := range c.Addrs() {
		info, err := c.DBNodeInfo(ctx, addr)
		must(t, err)
		before, err := strconv.ParseInt(info["Persistence"]["rdb_last_save_time"], 10, 64)
		if err != nil {
			t.Fatalf("%s: rdb_last_save_time in %v", addr, info["Persistence"])
		}
		must(t, c.Save(ctx, addr))
		info, err = c.DBNodeInfo(ctx, addr)
		must(t, err)
		after, _ := strconv.ParseInt(info["Persistence"]["rdb_last_save_time"], 10, 64)
		if after < before {
			t.Errorf("%s: rdb_last_save_time went from %d to %d", addr, before, after)
		}
		ci, err := c.ClusterInfo(ctx, addr)
		if err != nil || ci["cluster_state"] != "ok" {
			t.Errorf("%s: CLUSTER INFO %v, %v", addr, ci, err)
		}
		if m, err := c.ConfigGet(ctx, addr, "no-such-setting"); err != nil || len(m) != 0 {
			t.Errorf("%s: CONFIG GET of an unknown name = %v, %v", addr, m, err)
		}
		if err := c.ConfigSet(ctx, addr, "no-such-setting", "1"); err == nil {
			t.Errorf("%s: CONFIG SET of an unknown name succeeded", addr)
		}
	}
	for i := range addrs {
		must(t, PutValues(ctx, c, nameOnRange(t, "k", "", i), []int64{1}, []int8{1}))
	}
	for _, addr := range c.Addrs() {
		must(t, c.FlushDB(ctx, addr))
		if n, err := c.DBSize(ctx, addr); err != nil || n != 0 {
			t.Errorf("%s: DBSIZE after FLUSHDB = %d, %v", addr, n, err)
		}
	}
	if _, err := c.DBNodeInfo(ctx, "10.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "is not a node of the cluster") {
		t.Errorf("unknown address: %v", err)
	}
}

func TestParseInfo(t *testing.T) {
	got := parseInfo("# Server\r\nredis_version:7.0.15\r\n\r\n# Persistence\r\nrdb_last_save_time:1700000000\r\n")
	if got["Server"]["redis_version"] != "7.0.15" || got["Persistence"]["rdb_last_save_time"] != "1700000000" {
		t.Errorf("parseInfo = %v", got)
	}
}
