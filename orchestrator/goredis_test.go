package orchestrator

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

func newGoRedis(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// go-redis v9 opens with HELLO 3, gets NOPROTO, falls back to RESP2 and then sends CLIENT SETINFO.
func TestGoRedisStandalone(t *testing.T) {
	srv := startServer(t, Config{RequirePass: "pw"})
	ctx := context.Background()
	rdb := newGoRedis(t, &redis.Options{Addr: srv.Addr(), Password: "pw", ClientName: "sim0"})
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if name, err := rdb.ClientGetName(ctx).Result(); err != nil || name != "sim0" {
		t.Errorf("CLIENT GETNAME = %q, %v", name, err)
	}
	key := "bin\x00key"
	val := string([]byte{0, 1, 2, '\r', '\n', 255})
	if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, key).Result(); err != nil || got != val {
		t.Errorf("GET = %q, %v", got, err)
	}
	if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
		t.Errorf("GET missing: %v, want redis.Nil", err)
	}
	pipe := rdb.Pipeline()
	pipe.Del(ctx, "{ds}.meta")
	pipe.HMSet(ctx, "{ds}.meta", "note", "\x07abc", ".tensor_names", "x")
	pipe.HSet(ctx, "{ds}.meta", ".COMPLETE", "1")
	pipe.RPush(ctx, "lst", "{ds}")
	incr := pipe.IncrBy(ctx, "counter", 5)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	if incr.Val() != 5 {
		t.Errorf("INCRBY in pipeline = %d", incr.Val())
	}
	meta, err := rdb.HGetAll(ctx, "{ds}.meta").Result()
	if err != nil || len(meta) != 3 || meta[".COMPLETE"] != "1" || meta["note"] != "\x07abc" {
		t.Errorf("HGETALL = %v, %v", meta, err)
	}
	if ok, _ := rdb.HExists(ctx, "{ds}.meta", ".COMPLETE").Result(); !ok {
		t.Error("HEXISTS .COMPLETE = false")
	}
	if items, _ := rdb.LRange(ctx, "lst", 0, -1).Result(); len(items) != 1 || items[0] != "{ds}" {
		t.Errorf("LRANGE = %v", items)
	}
	if n, _ := rdb.Exists(ctx, "lst", "{ds}.meta", "nope").Result(); n != 2 {
		t.Errorf("EXISTS = %d", n)
	}
	if err := rdb.Rename(ctx, "lst", "lst2").Err(); err != nil {
		t.Errorf("RENAME: %v", err)
	}
	if typ, _ := rdb.Type(ctx, "lst2").Result(); typ != "list" {
		t.Errorf("TYPE = %q", typ)
	}
	if cfg, err := rdb.ConfigGet(ctx, "save").Result(); err != nil || cfg["save"] != "" || len(cfg) != 1 {
		t.Errorf("CONFIG GET save = %v, %v", cfg, err)
	}
	if n, _ := rdb.DBSize(ctx).Result(); n != 4 {
		t.Errorf("DBSIZE = %d", n)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Error(err)
	}
	if n, _ := rdb.DBSize(ctx).Result(); n != 0 {
		t.Errorf("DBSIZE after FLUSHDB = %d", n)
	}
}

// Many clients at once: shared counters and lists must add up, under -race.
func TestConcurrentClients(t *testing.T) {
	srv := startServer(t, Config{})
	ctx := context.Background()
	rdb := newGoRedis(t, &redis.Options{Addr: srv.Addr(), PoolSize: 32})
	const workers, ops = 24, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < ops; i++ {
				key := fmt.Sprintf("w%d:%d", w, i)
				if err := rdb.Set(ctx, key, strconv.Itoa(i), 0).Err(); err != nil {
					errs <- err
					return
				}
				if got, err := rdb.Get(ctx, key).Result(); err != nil || got != strconv.Itoa(i) {
					errs <- fmt.Errorf("GET %s = %q, %v", key, got, err)
					return
				}
				rdb.Incr(ctx, "shared")
				rdb.RPush(ctx, "shared-list", w)
				rdb.HSet(ctx, "shared-hash", key, i)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := rdb.Get(ctx, "shared").Int(); n != workers*ops {
		t.Errorf("shared counter = %d, want %d", n, workers*ops)
	}
	if n, _ := rdb.LLen(ctx, "shared-list").Result(); n != workers*ops {
		t.Errorf("shared list length = %d, want %d", n, workers*ops)
	}
	if n, _ := rdb.HLen(ctx, "shared-hash").Result(); n != workers*ops {
		t.Errorf("shared hash size = %d, want %d", n, workers*ops)
	}
	if n, _ := rdb.DBSize(ctx).Result(); n != workers*ops+3 {
		t.Errorf("DBSIZE = %d", n)
	}
}

func floatBlob(vals []float32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// The AI.* family registered by the server answers through go-redis like RedisAI does.
func TestGoRedisAITensors(t *testing.T) {
	srv := startServer(t, Config{})
	ctx := context.Background()
	rdb := newGoRedis(t, &redis.Options{Addr: srv.Addr()})
	vals := []float32{1, 2.5, -3, 4}
	blob := floatBlob(vals)
	if err := rdb.Do(ctx, "AI.TENSORSET", "t", "FLOAT", 2, 2, "BLOB", blob).Err(); err != nil {
		t.Fatalf("AI.TENSORSET: %v", err)
	}
	reply, err := rdb.Do(ctx, "AI.TENSORGET", "t", "META", "BLOB").Slice()
	if err != nil || len(reply) != 6 {
		t.Fatalf("AI.TENSORGET = %v, %v", reply, err)
	}
	if reply[1] != "FLOAT" || fmt.Sprint(reply[3]) != "[2 2]" || reply[5] != string(blob) {
		t.Errorf("AI.TENSORGET = %q", reply)
	}
	values, _ := rdb.Do(ctx, "AI.TENSORGET", "t", "VALUES").Slice()
	if fmt.Sprint(values) != "[1 2.5 -3 4]" {
		t.Errorf("VALUES = %v", values)
	}
	if typ, _ := rdb.Type(ctx, "t").Result(); typ != "AI_TENSOR" {
		t.Errorf("TYPE = %q", typ)
	}
	if err := rdb.Rename(ctx, "t", "t2").Err(); err != nil {
		t.Error(err)
	}
	if _, err := rdb.Do(ctx, "AI.TENSORGET", "t").Result(); err == nil || err.Error() != "ERR tensor key is empty or in a different shard" {
		t.Errorf("AI.TENSORGET renamed-away key: %v", err)
	}
	if n, _ := rdb.Del(ctx, "t2").Result(); n != 1 {
		t.Errorf("DEL tensor = %d", n)
	}
}
