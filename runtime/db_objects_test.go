package runtime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/client"
	"github.com/ssrun/ssrun/launchers"
)

// TestMLObjectsStoredOnEveryShardBeforeMembersStart: an ensemble's model, script and function are in
// the three-shard database (SmartRedis's per-shard copies) when its members run; each member checks
// with `ssrun client exists` and prints its client variables.
func TestMLObjectsStoredOnEveryShardBeforeMembersStart(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local")
	port := freePorts(t, 3)
	db := startDB(t, exp, DatabaseArgs{DBNodes: 3, Port: port})

	script := "env | grep -E '^(SSDB|SR_DB_TYPE|SSKEY)' | sort; " +
		DBExecutable + " client exists --kind model cnn && " + DBExecutable + " client exists --kind script prep && " +
		DBExecutable + " client exists --kind script fn"
	rs := mustRS(t, exp, "/bin/sh", "-c", script)
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	blobPath := filepath.Join(exp.Cwd(), "cnn.pt")
	os.WriteFile(blobPath, []byte("torch model bytes"), 0o644)
	ml, err := NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "torch", ModelPath: "cnn.pt"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ens.AddMLModel(ml); err != nil {
		t.Fatal(err)
	}
	sc, _ := NewScript(exp.Cwd(), ScriptArgs{Name: "prep", Script: "def prep(x):\n    return x\n"})
	fn, _ := NewScript(exp.Cwd(), ScriptArgs{Name: "fn", Function: "def fn(x):\n    return x\n"})
	if err := ens.AddScript(sc); err != nil {
		t.Fatal(err)
	}
	if err := ens.AddScript(fn); err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []Entity{ens}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	addrs, _ := db.GetAddress()
	for _, m := range ens.Models() {
		if st, _ := exp.GetStatus(m); st[0] != launchers.StatusCompleted {
			out, _ := os.ReadFile(filepath.Join(m.Path, m.Name+".err"))
			t.Fatalf("%s: %s\n%s", m.Name, st[0], out)
		}
		out, _ := os.ReadFile(filepath.Join(m.Path, m.Name+".out"))
		want := "SR_DB_TYPE=Clustered\nSSDB=" + strings.Join(addrs, ",") + "\nSSKEYOUT=" + m.Name + "\n"
		if !strings.HasPrefix(string(out), want) {
			t.Fatalf("%s env:\n%s\nwant:\n%s", m.Name, out, want)
		}
	}
	// Every shard holds its own copy of each object (SmartRedis's "{prefix}.name" per slot range).
	for _, a := range addrs {
		if n, err := respCommand(context.Background(), a, 1e9, "DBSIZE"); err != nil || n != "3" {
			t.Fatalf("shard %s holds %s keys (%v), want 3", a, n, err)
		}
	}
	c, err := client.New(client.Options{Addrs: addrs, Cluster: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	blob, err := c.GetModel(context.Background(), "cnn")
	if err != nil || string(blob) != "torch model bytes" {
		t.Fatalf("model in database: %q %v", blob, err)
	}
	if src, err := c.GetScript(context.Background(), "fn"); err != nil || src != "def fn(x):\n    return x\n" {
		t.Fatalf("function in database: %q %v", src, err)
	}
	var objs []string
	for _, o := range exp.Plan().DBObjects {
		objs = append(objs, o.Kind+":"+o.Name+":"+o.Database+":"+strings.Join(o.Devices, ","))
	}
	if strings.Join(objs, " ") != "model:cnn:orchestrator:CPU script:prep:orchestrator:CPU function:fn:orchestrator:CPU" {
		t.Fatalf("plan objects %v", objs)
	}
}

// TestMLObjectsWithoutDatabase: a model carrying ML objects with no database running is refused
// before anything launches.
func TestMLObjectsWithoutDatabase(t *testing.T) {
	exp, _ := newExp(t, "dryrun")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "/bin/true")})
	sc, _ := NewScript(exp.Cwd(), ScriptArgs{Name: "prep", Script: "def f(x):\n    return x\n"})
	m.AddScript(sc)
	err := exp.Start(context.Background(), []Entity{m}, StartOptions{})
	wantErr(t, err, SmartSimError, "m carries ML models or scripts (prep) but no database is running")
	if len(exp.Plan().Launches) != 0 {
		t.Fatalf("launched %v", exp.Plan().Launches)
	}
}

// TestColocatedTCPAndUDS: a colocated database runs beside the model, the model sees SSDB and its ML
// objects, and the database is gone once the model has exited.
func TestColocatedTCPAndUDS(t *testing.T) {
	useSsrun(t)
	exp, _ := newExp(t, "local")
	port := freePorts(t, 1)
	socket := filepath.Join(t.TempDir(), "colo.sock")
	check := func(dbID string) string {
		return "env | grep -E '^(SSDB|SR_DB_TYPE)' | sort; " + DBExecutable + " client exists --db-id '" + dbID + "' --kind script prep"
	}
	for _, c := range []struct {
		name, ssdb, id string
		colocate       func(m *Model) error
	}{
		{"tcp", "127.0.0.1:" + strconv.Itoa(port), "", func(m *Model) error {
			return m.ColocateDBTCP(port, "lo", ColocateArgs{DBCPUs: 1})
		}},
		{"uds", "unix://" + socket, "colo", func(m *Model) error {
			return m.ColocateDBUDS(socket, 755, ColocateArgs{DBCPUs: 1, DBIdentifier: "colo"})
		}},
	} {
		m, _ := exp.CreateModel(ModelArgs{Name: c.name, RunSettings: mustRS(t, exp, "/bin/sh", "-c", check(c.id))})
		sc, _ := NewScript(exp.Cwd(), ScriptArgs{Name: "prep", Script: "def f(x):\n    return x\n"})
		m.AddScript(sc)
		if err := c.colocate(m); err != nil {
			t.Fatal(err)
		}
		if err := exp.Start(context.Background(), []Entity{m}, StartOptions{Block: true}); err != nil {
			t.Fatal(err)
		}
		out, _ := os.ReadFile(filepath.Join(m.Path, m.Name+".out"))
		sfx := ""
		if c.name == "uds" {
			sfx = "_colo"
		}
		want := "SR_DB_TYPE" + sfx + "=Standalone\nSSDB" + sfx + "=" + c.ssdb + "\ntrue\n"
		if string(out) != want {
			t.Fatalf("%s env:\n%s\nwant:\n%s", c.name, out, want)
		}
		if st, _ := exp.GetStatus(m); st[0] != launchers.StatusCompleted {
			t.Fatalf("%s: %s (script not found in the colocated database?)", c.name, st[0])
		}
		exp.journal.bg.Wait() // the colocated database is stopped once the model has ended
		if _, err := respCommand(context.Background(), c.ssdb, 1e9, "PING"); err == nil {
			t.Fatalf("%s: colocated database still answers", c.name)
		}
	}
}

func TestColocateValidation(t *testing.T) {
	exp, _ := newExp(t, "")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "/bin/true")})
	wantErr(t, m.ColocateDBUDS("/tmp/bad socket", 755, ColocateArgs{}), ValueError, "Invalid name for unix socket")
	ml, _ := NewMLModel(exp.Cwd(), MLModelArgs{Name: "cnn", Backend: "TORCH", Model: []byte("x")})
	m.AddMLModel(ml)
	wantErr(t, m.ColocateDBTCP(6379, "lo", ColocateArgs{}), SSUnsupportedError, "in-memory")
	for _, c := range []struct {
		pins []int
		cpus int
		want string
	}{{nil, 2, "0,1"}, {[]int{0, 1, 3}, 3, "0,1,3"}, {[]int{10, 2, 2}, 1, "10,2"}, {[]int{}, 4, ""}} {
		if got, err := PinningString(c.pins, c.cpus); err != nil || got != c.want {
			t.Errorf("PinningString(%v, %d) = %q, %v; want %q", c.pins, c.cpus, got, err, c.want)
		}
	}
	_, err := PinningString([]int{-1}, 1)
	wantErr(t, err, ValueError, "Invalid CPU id")
}

// TestRedisEngineCluster launches Debian's redis-server as a three-shard cluster formed with
// redis-cli --cluster create, and stops it with SHUTDOWN.
func TestRedisEngineCluster(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed (ci/setup-redis.sh installs it)")
		}
		t.Skip("redis-server is not installed")
	}
	exp, _ := newExp(t, "local")
	_, err := exp.CreateDatabase(DatabaseArgs{DBNodes: 3, Port: 55534, Engine: "redis"})
	wantErr(t, err, ValueError, "engine=\"redis\" with 3 shards needs port 55533 or lower, not 55534: each redis-server cluster node also listens on its port + 10000 (its cluster bus), so the last shard's port may be 55535 at most")
	port := freeRedisClusterPorts(t, 3)
	db := startDB(t, exp, DatabaseArgs{DBNodes: 3, Port: port, Engine: "redis"})
	addrs, _ := db.GetAddress()
	for _, a := range addrs {
		info, err := respCommand(context.Background(), a, 1e9, "CLUSTER", "INFO")
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			t.Fatalf("%s: %v %q", a, err, info)
		}
	}
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "/bin/true")})
	sc, _ := NewScript(exp.Cwd(), ScriptArgs{Name: "prep", Script: "def f(x):\n    return x\n"})
	m.AddScript(sc)
	wantErr(t, exp.Start(context.Background(), []Entity{m}, StartOptions{}), SSUnsupportedError,
		"Database orchestrator runs redis-server, which has no AI.* commands to store the ML models and scripts of m")
	if err := db.SetMaxClients(100); err != nil {
		t.Fatal(err)
	}
	if err := exp.StopDatabase(db); err != nil {
		t.Fatal(err)
	}
	for _, st := range db.ShardStatuses() {
		if st != launchers.StatusCancelled {
			t.Fatalf("statuses %v", db.ShardStatuses())
		}
	}
}
