package orchestrator

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// BenchmarkAITensor1MiB stores and reads back a 1 MiB FLOAT tensor through go-redis, as SmartRedis
// clients do (AI.TENSORSET ... BLOB, AI.TENSORGET ... META BLOB).
func BenchmarkAITensor1MiB(b *testing.B) {
	srv := startServer(b, Config{})
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	blob := make([]byte, 1<<20)
	for i := range blob {
		blob[i] = byte(i)
	}
	b.Run("TENSORSET", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for i := 0; i < b.N; i++ {
			if err := rdb.Do(ctx, "AI.TENSORSET", "t", "FLOAT", 512, 512, "BLOB", blob).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TENSORGET", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for i := 0; i < b.N; i++ {
			if _, err := rdb.Do(ctx, "AI.TENSORGET", "t", "META", "BLOB").Slice(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Plain SET/GET of the same bytes separates the server's transport from the AI commands' work.
	b.Run("SET", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for i := 0; i < b.N; i++ {
			if err := rdb.Set(ctx, "s", blob, 0).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GET", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for i := 0; i < b.N; i++ {
			if _, err := rdb.Get(ctx, "s").Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRedisTensor1MiB is the baseline for BenchmarkAITensor1MiB: the same bytes through SET/GET
// on Debian's redis-server (which has no RedisAI module here), in the same run.
func BenchmarkRedisTensor1MiB(b *testing.B) {
	port := ssruntest.FreePort(b)
	startRedis(b, "--bind", "127.0.0.1", "--port", strconv.Itoa(port)) // TCP, like the ssrun side
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	defer rdb.Close()
	blob := make([]byte, 1<<20)
	b.Run("SET", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for i := 0; i < b.N; i++ {
			if err := rdb.Set(ctx, "t", blob, 0).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GET", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for i := 0; i < b.N; i++ {
			if _, err := rdb.Get(ctx, "t").Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPipelinedSmallCommands is redis-benchmark's -P 16 case in-process: 16 SETs then 16 GETs of
// 3-byte values per round trip on one connection, for profiling the per-command path.
func BenchmarkPipelinedSmallCommands(b *testing.B) {
	srv := startServer(b, Config{})
	c := dial(b, "tcp", srv.Addr())
	var batch bytes.Buffer
	for i := 0; i < 16; i++ {
		batch.Write(encodeCommand("SET", "key:"+strconv.Itoa(i), "xxx"))
	}
	for i := 0; i < 16; i++ {
		batch.Write(encodeCommand("GET", "key:"+strconv.Itoa(i)))
	}
	raw := batch.Bytes()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Send(raw)
		for j := 0; j < 32; j++ {
			c.Reply()
		}
	}
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "cmds/s")
}
