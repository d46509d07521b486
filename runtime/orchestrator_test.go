package runtime

import (
	"context"
	"github.com/ssrun/ssrun/internal/ssruntest"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/launchers"
)

var (
	ssrunOnce sync.Once
	ssrunPath string
	ssrunErr  error
)

// useSsrun builds ssrun once per test binary and makes it the shards' executable (the test binary
// itself cannot run `ssrun db`).
func useSsrun(t *testing.T) {
	t.Helper()
	ssrunOnce.Do(func() {
		ssrunPath, _, ssrunErr = ssruntest.Build("ssrun-runtime-")
	})
	if ssrunErr != nil {
		t.Fatal(ssrunErr)
	}
	DBExecutable = ssrunPath
}

// freePorts returns n consecutive free loopback ports starting at a free one.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	return freePortRun(t, n, 0)
}

// redisClusterBusOffset is how far above its port a redis-server cluster node listens for its bus;
// redis-server refuses a port whose bus port would pass 65535.
const redisClusterBusOffset = 10000

// freeRedisClusterPorts is freePorts for n redis-server cluster nodes: their ports and their bus ports
// (port + 10000) are free, and the bus ports exist. Ephemeral ports reach 60999, so a base picked
// without this check made redis-server exit at start about one run in five.
func freeRedisClusterPorts(t *testing.T, n int) int {
	t.Helper()
	return freePortRun(t, n, redisClusterBusOffset)
}

// freePortRun finds n consecutive free ports, and, when busOffset is not 0, n free ports busOffset
// above them too.
func freePortRun(t *testing.T, n, busOffset int) int {
	t.Helper()
	free := func(port int) bool {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		l.Close()
		return true
	}
	for attempt := 0; attempt < 200; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if busOffset != 0 && base+busOffset+n > 65536 {
			base -= busOffset + n // ephemeral ports run high: look below them
		}
		ok := base > 1024 && base+busOffset+n <= 65536
		for i := 0; i < n && ok; i++ {
			ok = free(base+i) && (busOffset == 0 || free(base+busOffset+i))
		}
		if ok {
			return base
		}
	}
	t.Fatal("no run of free ports")
	return 0
}

func startDB(t *testing.T, exp *Experiment, a DatabaseArgs) *Orchestrator {
	t.Helper()
	db, err := exp.CreateDatabase(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []Entity{db}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exp.StopDatabase(db) })
	return db
}

func TestCreateDatabaseValidation(t *testing.T) {
	exp, _ := newExp(t, "")
	cases := []struct {
		a     DatabaseArgs
		class Class
		text  string
	}{
		{DatabaseArgs{DBNodes: 1, RunCommand: "srun"}, SmartSimError, "Run command srun is not supported on launcher local"},
		{DatabaseArgs{DBNodes: 1, Batch: true}, SmartSimError, "Local orchestrator can not be launched with batch=True"},
		{DatabaseArgs{DBNodes: 2, Port: 6379}, SSUnsupportedError, "Orchestrator does not support clusters of size 2"},
		{DatabaseArgs{DBNodes: 0, Port: 6379}, ValueError, "db_nodes must be a positive"},
		{DatabaseArgs{DBNodes: 3, Port: 0}, ValueError, "needs a fixed port"},
		{DatabaseArgs{DBNodes: 1, Port: 6379, Engine: "keydb"}, ValueError, "Database engine \"keydb\" is not supported"},
		{DatabaseArgs{DBNodes: 1, Port: 6379, DBIdentifier: "../x"}, ValueError, "must be a plain name"},
	}
	for _, c := range cases {
		_, err := exp.CreateDatabase(c.a)
		wantErr(t, err, c.class, c.text)
	}
	db, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 1, Port: 6379})
	if err != nil {
		t.Fatal(err)
	}
	if db.Name != "orchestrator" || db.Path != filepath.Join(exp.Path, "orchestrator") || db.EntityType() != "Orchestrator" {
		t.Fatalf("got %+v", db)
	}
	if _, err := db.GetAddress(); err == nil {
		t.Fatal("get_address before start succeeded")
	}
	wantErr(t, db.SetMaxMemory("1gb"), SmartSimError, "must be active")
}

// TestDatabaseLifecycleOneShard starts one shard, reads its address, changes its configuration,
// launches a model that sees SSDB, and stops the database (Cancelled, no process left).
func TestDatabaseLifecycleOneShard(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local")
	port := freePorts(t, 1)
	db := startDB(t, exp, DatabaseArgs{DBNodes: 1, Port: port, DBIdentifier: "mydb"})
	addrs, err := db.GetAddress()
	if err != nil || len(addrs) != 1 || addrs[0] != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("addresses %v %v", addrs, err)
	}
	if !db.IsActive() {
		t.Fatal("database not active after start")
	}
	if err := db.SetMaxMemory("100mb"); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: addrs[0], Protocol: 2})
	defer c.Close()
	if got, _ := c.ConfigGet(context.Background(), "maxmemory").Result(); got["maxmemory"] != "104857600" {
		t.Fatalf("maxmemory %v", got)
	}
	if _, err := os.Lstat(filepath.Join(db.Path, "mydb_0.out")); err != nil {
		t.Fatalf("no output link: %v", err)
	}
	// A second database with the same identifier is refused before anything launches.
	dup, _ := exp.CreateDatabase(DatabaseArgs{DBNodes: 1, Port: port + 1, DBIdentifier: "mydb"})
	wantErr(t, exp.Start(context.Background(), []Entity{dup}, StartOptions{}), SSDBIDConflictError,
		"Database identifier mydb has already been used. Pass in a unique name for db_identifier")

	rs := mustRS(t, exp, "/bin/sh", "-c", "env | grep -E '^(SSDB|SR_DB_TYPE|SSKEY)' | sort")
	m, _ := exp.CreateModel(ModelArgs{Name: "printer", RunSettings: rs})
	if err := exp.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(filepath.Join(m.Path, "printer.out"))
	want := "SR_DB_TYPE_mydb=Standalone\nSSDB_mydb=127.0.0.1:" + strconv.Itoa(port) + "\n"
	if string(out) != want {
		t.Fatalf("model env:\n%s\nwant:\n%s", out, want)
	}

	if err := exp.StopDatabase(db); err != nil {
		t.Fatal(err)
	}
	for _, st := range db.ShardStatuses() {
		if st != launchers.StatusCancelled {
			t.Fatalf("status after stop %s", st)
		}
	}
	if db.IsActive() {
		t.Fatal("active after stop")
	}
	if c.Ping(context.Background()).Err() == nil {
		t.Fatal("shard still answers after stop")
	}
}

// TestDatabaseClusterThreeShards forms a three-shard cluster that a cluster client writes to on every
// shard, gives models the clustered SSDB, and reports a shard killed with SIGKILL as Failed with its
// output file named.
func TestDatabaseClusterThreeShards(t *testing.T) {
	useSsrun(t)
	exp, logs := newExp(t, "local")
	port := freePorts(t, 3)
	db := startDB(t, exp, DatabaseArgs{DBNodes: 3, Port: port})
	addrs, _ := db.GetAddress()
	if len(addrs) != 3 {
		t.Fatalf("addresses %v", addrs)
	}
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Protocol: 2})
	defer cc.Close()
	for i := 0; i < 60; i++ {
		if err := cc.Set(ctx, "key"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range addrs { // every shard holds a share of the keys
		c := redis.NewClient(&redis.Options{Addr: a, Protocol: 2})
		n, err := c.DBSize(ctx).Result()
		c.Close()
		if err != nil || n == 0 {
			t.Fatalf("shard %s holds %d keys (%v)", a, n, err)
		}
	}
	env := exp.dbClientEnv(&Model{Name: "x"})
	if got := env[0].Key + "=" + env[0].Value; got != "SSDB="+strings.Join(addrs, ",") || env[1].Value != "Clustered" {
		t.Fatalf("client env %v", env)
	}

	pid := shardPID(t, db, 1)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.ShardStatuses()[1] != launchers.StatusFailed {
		if time.Now().After(deadline) {
			t.Fatalf("statuses %v", db.ShardStatuses())
		}
		time.Sleep(20 * time.Millisecond)
	}
	outFile := db.ShardOutputs()[1]
	for !strings.Contains(logs.String(), outFile) {
		if time.Now().After(deadline) {
			t.Fatalf("log does not name %s:\n%s", outFile, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if db.IsActive() {
		t.Fatal("active with a dead shard")
	}
	if err := exp.StopDatabase(db); err != nil {
		t.Fatal(err)
	}
	if st := db.ShardStatuses(); st[0] != launchers.StatusCancelled || st[1] != launchers.StatusFailed {
		t.Fatalf("statuses after stop %v", st)
	}
}

func shardPID(t *testing.T, db *Orchestrator, i int) int {
	t.Helper()
	ri, ok := readyLine(db.ShardOutputs()[i])
	if !ok || ri.PID == 0 {
		t.Fatalf("no ready line in %s", db.ShardOutputs()[i])
	}
	return ri.PID
}

// TestDatabaseShardDiesDuringStart: a shard that cannot listen ends the start with its output file
// named, and the other shards are stopped.
func TestDatabaseShardDiesDuringStart(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local")
	port := freePorts(t, 3)
	busy, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+2))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 3, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	err = exp.Start(context.Background(), []Entity{db}, StartOptions{})
	wantErr(t, err, SmartSimError, "orchestrator_2 exited during start")
	if !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("error does not give the shard's reason: %v", err)
	}
	if !strings.Contains(err.Error(), filepath.Join("database", "orchestrator", "orchestrator_2", "orchestrator_2.out")) {
		t.Fatalf("error does not name the output file: %v", err)
	}
	for i := 0; i < 2; i++ {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port+i), time.Second)
		if err == nil {
			c.Close()
			t.Fatalf("shard %d still listening", i)
		}
	}
	if len(exp.dbs().list()) != 0 {
		t.Fatal("failed database registered as running")
	}
}
