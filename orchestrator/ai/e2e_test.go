package ai_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/orchestrator"
)

// startServer runs a real `ssrun db` shard on a free loopback port; the server registers this
// package's commands itself (orchestrator's registerModules), so this is what users get.
func startServer(t testing.TB, cluster bool) string {
	t.Helper()
	cfg := orchestrator.Config{Name: "e2e", Port: 0}
	if cluster {
		cfg.Cluster = &orchestrator.ClusterConfig{Slots: orchestrator.SlotRange{Start: 0, End: 16383}}
	}
	s, err := orchestrator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Addr()
}

func newClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func float32Blob(vs ...float32) string {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return string(b)
}

// TestGoRedisDrivesAICommands does what SmartRedis does, through go-redis against the real server.
func TestGoRedisDrivesAICommands(t *testing.T) {
	c := newClient(t, startServer(t, false))
	ctx := context.Background()
	do := func(args ...any) any {
		t.Helper()
		v, err := c.Do(ctx, args...).Result()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return v
	}
	fails := func(want string, args ...any) {
		t.Helper()
		_, err := c.Do(ctx, args...).Result()
		if err == nil || err.Error() != want {
			t.Fatalf("%v: err = %v, want %q", args, err, want)
		}
	}

	blob := float32Blob(1, 2, 3, 4, 5, 6)
	if v := do("AI.TENSORSET", "t1", "FLOAT", 2, 3, "BLOB", blob); v != "OK" {
		t.Fatalf("TENSORSET = %v", v)
	}
	got := do("AI.TENSORGET", "t1", "META", "BLOB").([]any)
	if len(got) != 6 || got[1] != "FLOAT" || got[5] != blob {
		t.Fatalf("TENSORGET META BLOB = %q", got)
	}
	if shape := got[3].([]any); len(shape) != 2 || shape[0] != int64(2) || shape[1] != int64(3) {
		t.Fatalf("shape = %v", shape)
	}
	if v := do("AI.TENSORGET", "t1", "VALUES").([]any); len(v) != 6 || v[0] != "1" || v[5] != "6" {
		t.Fatalf("VALUES = %q", v)
	}
	if v := do("TYPE", "t1"); v != "AI_TENSOR" {
		t.Fatalf("TYPE = %v", v)
	}
	if v := do("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"); v != int64(511*1024*1024) {
		t.Fatalf("MODEL_CHUNK_SIZE = %#v (SmartRedis needs an integer)", v)
	}
	do("AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", 4, "MINBATCHSIZE", 2, "MINBATCHTIMEOUT", 10, "BLOB", "part1-", "part2")
	if v := do("AI.MODELGET", "m", "BLOB"); v != "part1-part2" {
		t.Fatalf("MODELGET BLOB = %q", v)
	}
	if v := do("TYPE", "m"); v != "AI__MODEL" {
		t.Fatalf("TYPE = %v", v)
	}
	fails("ERR Backend not loaded: TORCH. Load ssrun's TORCH backend (make torch-backend, needs libtorch-dev) with AI.CONFIG LOADBACKEND TORCH /path/to/libssrun_torch.so, or start ssrun db with --torch PATH or SSRUN_TORCH_BACKEND set; or export the module with torch.onnx.export and store it with backend ONNX",
		"AI.MODELEXECUTE", "m", "INPUTS", 1, "t1", "OUTPUTS", 1, "o1", "TIMEOUT", 60000000)
	do("AI.SCRIPTSET", "s", "CPU", "SOURCE", "def f(a):\n    return a\n")
	if v := do("AI.SCRIPTGET", "s", "SOURCE"); v != "def f(a):\n    return a\n" {
		t.Fatalf("SCRIPTGET = %q", v)
	}
	if v := do("TYPE", "s"); v != "AI_SCRIPT" {
		t.Fatalf("TYPE = %v", v)
	}
	// The arity message echoes the name as typed, and the server must not pre-empt it.
	fails("ERR wrong number of arguments for 'ai.tensorset' command", "ai.tensorset", "x")
	fails("ERR tensor key is empty or in a different shard", "AI.TENSORGET", "nope", "META", "BLOB")
	// Keys are keys: RENAME and DEL work on AI values, and AI.INFO forgets a deleted model.
	do("RENAME", "t1", "t2")
	if v := do("AI.TENSORGET", "t2", "BLOB"); v != blob {
		t.Fatal("renamed tensor lost its data")
	}
	do("DEL", "m")
	fails("ERR cannot find run info for key", "AI.INFO", "m")
	if v := do("EXISTS", "s"); v != int64(1) {
		t.Fatalf("EXISTS s = %v", v)
	}
	do("AI.SCRIPTDEL", "s")
	if v := do("EXISTS", "s"); v != int64(0) {
		t.Fatalf("EXISTS s after SCRIPTDEL = %v", v)
	}
}

// TestRedisCLIOutput drives the AI commands with redis-cli and compares its text, as a user sees it.
func TestRedisCLIOutput(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-cli not installed: .ci/run must install redis-tools")
		}
		t.Skip("redis-cli not installed (apt-get install redis-tools)")
	}
	addr := startServer(t, false)
	host, port, _ := strings.Cut(addr, ":")
	script := strings.Join([]string{
		`AI.TENSORSET t FLOAT 2 2 VALUES 1 2 3 0.1`,
		`AI.TENSORGET t META VALUES`,
		`AI.TENSORSET i INT8 3 BLOB "\x01\xff\x7f"`,
		`AI.TENSORGET i VALUES`,
		`AI.TENSORGET i BLOB`,
		`AI.TENSORSET z INT8 2 VALUES -1 -128`,
		`AI.MODELSTORE m ONNX CPU TAG v1 BLOB abc`,
		`AI.MODELGET m META`,
		`AI._MODELSCAN`,
		`AI.INFO m`,
		`AI.CONFIG GET BACKENDSPATH_NOPE`,
		`AI.DAGEXECUTE PERSIST 1 p |> AI.TENSORSET p INT32 2 VALUES 7 8 |> AI.TENSORGET p META`,
		`AI.TENSORGET p VALUES`,
	}, "\n") + "\n"
	cmd := exec.Command("redis-cli", "-h", host, "-p", port, "--no-raw")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli: %v\n%s", err, out)
	}
	want := strings.Join([]string{
		`OK`,
		`1) "dtype"`,
		`2) "FLOAT"`,
		`3) "shape"`,
		`4) 1) (integer) 2`,
		`   2) (integer) 2`,
		`5) "values"`,
		`6) 1) "1"`,
		`   2) "2"`,
		`   3) "3"`,
		`   4) "0.10000000149011612"`,
		`OK`,
		`1) (integer) 1`,
		`2) (integer) -1`,
		`3) (integer) 127`,
		`"\x01\xff\x7f"`,
		`(error) ERR invalid value`,
		`OK`,
		` 1) "backend"`,
		` 2) "ONNX"`,
		` 3) "device"`,
		` 4) "CPU"`,
		` 5) "tag"`,
		` 6) "v1"`,
		` 7) "batchsize"`,
		` 8) (integer) 0`,
		` 9) "minbatchsize"`,
		`10) (integer) 0`,
		`11) "inputs"`,
		`12) (empty array)`,
		`13) "outputs"`,
		`14) (empty array)`,
		`15) "minbatchtimeout"`,
		`16) (integer) 0`,
		`1) 1) "m"`,
		`   2) "v1"`,
		` 1) "key"`,
		` 2) "m"`,
		` 3) "type"`,
		` 4) "MODEL"`,
		` 5) "backend"`,
		` 6) "ONNX"`,
		` 7) "device"`,
		` 8) "CPU"`,
		` 9) "tag"`,
		`10) "v1"`,
		`11) "duration"`,
		`12) (integer) 0`,
		`13) "samples"`,
		`14) (integer) 0`,
		`15) "calls"`,
		`16) (integer) 0`,
		`17) "errors"`,
		`18) (integer) 0`,
		`(nil)`,
		`1) OK`,
		`2) 1) "dtype"`,
		`   2) "INT32"`,
		`   3) "shape"`,
		`   4) 1) (integer) 2`,
		`1) (integer) 7`,
		`2) (integer) 8`,
	}, "\n") + "\n"
	if string(out) != want {
		t.Fatalf("redis-cli output differs.\n got:\n%s\nwant:\n%s", out, want)
	}
}

// TestClusterRoutingUsesExecuteKeys is case 33: the execute commands report their input and output
// keys, so a cluster shard refuses keys of different slots.
func TestClusterRoutingUsesExecuteKeys(t *testing.T) {
	c := newClient(t, startServer(t, true))
	ctx := context.Background()
	_, err := c.Do(ctx, "AI.MODELEXECUTE", "m{1}", "INPUTS", 2, "a{1}", "b", "OUTPUTS", 1, "c{1}").Result()
	if err == nil || err.Error() != "CROSSSLOT Keys in request don't hash to the same slot" {
		t.Fatalf("err = %v", err)
	}
	_, err = c.Do(ctx, "AI.SCRIPTRUN", "s{1}", "f", "INPUTS", "a{1}", "OUTPUTS", "zz").Result()
	if err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT") {
		t.Fatalf("SCRIPTRUN err = %v", err)
	}
	_, err = c.Do(ctx, "AI.MODELEXECUTE", "m{1}", "INPUTS", 2, "a{1}", "b{1}", "OUTPUTS", 1, "c{1}").Result()
	if err == nil || err.Error() != "ERR model key is empty" {
		t.Fatalf("same-slot keys must reach the handler, err = %v", err)
	}
	if v, err := c.Do(ctx, "CLUSTER", "KEYSLOT", "m{1}").Result(); err != nil || v != int64(9842) {
		t.Fatalf("KEYSLOT = %v, %v", v, err)
	}
}

// TestManyClientsAtOnce has concurrent clients store, read and delete tensors and models on the real
// server (run with -race): every client must read back exactly what it wrote.
func TestManyClientsAtOnce(t *testing.T) {
	addr := startServer(t, false)
	ctx := context.Background()
	const clients, rounds = 8, 25
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		go func() {
			c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
			defer c.Close()
			errs <- func() error {
				for r := 0; r < rounds; r++ {
					key := fmt.Sprintf("t:%d:%d", i, r)
					blob := float32Blob(float32(i), float32(r))
					if err := c.Do(ctx, "AI.TENSORSET", key, "FLOAT", 2, "BLOB", blob).Err(); err != nil {
						return err
					}
					v, err := c.Do(ctx, "AI.TENSORGET", key, "VALUES").Slice()
					if err != nil {
						return err
					}
					if want := []any{fmt.Sprint(i), fmt.Sprint(r)}; fmt.Sprint(v) != fmt.Sprint(want) {
						return fmt.Errorf("%s: VALUES %v, want %v", key, v, want)
					}
					model := fmt.Sprintf("m:%d", i)
					if err := c.Do(ctx, "AI.MODELSTORE", model, "ONNX", "CPU", "TAG", key, "BLOB", blob).Err(); err != nil {
						return err
					}
					info, err := c.Do(ctx, "AI.INFO", model).Slice()
					if err != nil || info[9] != key {
						return fmt.Errorf("AI.INFO %s = %v, %v", model, info, err)
					}
					if err := c.Del(ctx, key).Err(); err != nil {
						return err
					}
				}
				return nil
			}()
		}()
	}
	for i := 0; i < clients; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, addr)
	scan, err := c.Do(ctx, "AI._MODELSCAN").Slice()
	if err != nil || len(scan) != clients {
		t.Fatalf("_MODELSCAN = %v, %v", scan, err)
	}
}
