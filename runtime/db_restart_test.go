package runtime

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestDatabaseRestartAfterShardDeathKeepsData: with the append-only log turned on at run time
// (set_db_conf), a shard killed with SIGKILL is seen at once (is_active false, Failed in the summary,
// the log names its output); start(db) again restarts the database with the log on, and the shard
// loads what was acknowledged before the kill.
func TestDatabaseRestartAfterShardDeathKeepsData(t *testing.T) {
	useSsrun(t)
	exp, logs := newExp(t, "local")
	port := freePorts(t, 1)
	db := startDB(t, exp, DatabaseArgs{Port: port, DBNodes: 1, Interface: "lo"})
	if err := db.SetDBConf("appendonly", "yes"); err != nil {
		t.Fatal(err)
	}
	if err := db.EnableCheckpoints(3600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	addr, _ := db.GetAddress()
	if reply, err := respCommand(ctx, addr[0], 5*time.Second, "SET", "k", "kept"); err != nil || reply != "OK" {
		t.Fatalf("SET: %q %v", reply, err)
	}
	pid := shardPID(t, db, 0)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.IsActive() {
		if time.Now().After(deadline) {
			t.Fatal("is_active still true 10 s after the shard was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !strings.Contains(logs.String(), "shard "+db.Name+"_0") {
		if time.Now().After(deadline) {
			t.Fatalf("the shard's death was not logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := db.ShardStatuses(); st[0] != "Failed" {
		t.Errorf("killed shard's status %s, want Failed", st[0])
	}
	if err := exp.Start(ctx, []Entity{db}, StartOptions{}); err != nil {
		t.Fatalf("start(db) after the shard died: %v", err)
	}
	addr, _ = db.GetAddress()
	if reply, err := respCommand(ctx, addr[0], 5*time.Second, "GET", "k"); err != nil || reply != "kept" {
		t.Fatalf("GET after the restart: %q %v (log:\n%s)", reply, err, logs.String())
	}
	c := redis.NewClient(&redis.Options{Addr: addr[0]})
	defer c.Close()
	if conf, err := c.ConfigGet(ctx, "save").Result(); err != nil || conf["save"] != "3600 1" {
		t.Errorf("restarted shard's save points: %v %v", conf, err)
	}
}
