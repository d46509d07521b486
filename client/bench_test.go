package client

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/ssrun/ssrun/tensor"
)

// BenchmarkTensor1MiBVersusRedisServer stores and reads back a 1 MiB FLOAT tensor through the client
// (AI.TENSORSET ... BLOB, AI.TENSORGET ... META BLOB) against an in-process ssrun db, and, as the
// baseline in the same run, a 1 MiB string with SET/GET through go-redis against Debian's redis-server.
// A third loop does the same SET/GET against ssrun db, separating the server's share from the tensor
// layer's (client encoding, AI.* parsing, reply decoding). It reports the throughput of each and the
// ratio of the tensor round trip to the redis-server baseline (above 1 is faster).
func BenchmarkTensor1MiBVersusRedisServer(b *testing.B) {
	ssrunAddr := startStandalone(b)
	redisAddr := startRedisServer(b, freePorts(b, 1)[0])
	c, err := New(Options{Addrs: []string{ssrunAddr}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	base := redis.NewClient(&redis.Options{Addr: redisAddr, Protocol: 2, DisableIdentity: true})
	defer base.Close()
	plain := redis.NewClient(&redis.Options{Addr: ssrunAddr, Protocol: 2, DisableIdentity: true})
	defer plain.Close()
	values := make([]float32, 1<<18) // 1 MiB
	for i := range values {
		values[i] = float32(i)
	}
	tn, _ := tensor.FromFloat32([]int64{1 << 18}, values)
	blob := tn.Data
	ctx := context.Background()
	var ssrunTime, redisTime, stringTime time.Duration
	setGet := func(rdb *redis.Client) time.Duration {
		start := time.Now()
		if err := rdb.Set(ctx, "s", blob, 0).Err(); err != nil {
			b.Fatal(err)
		}
		if _, err := rdb.Get(ctx, "s").Bytes(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := c.PutTensor(ctx, "t", tn); err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetTensor(ctx, "t"); err != nil {
			b.Fatal(err)
		}
		ssrunTime += time.Since(start)
		redisTime += setGet(base)
		stringTime += setGet(plain)
	}
	mib := float64(2 * b.N) // each iteration moves 1 MiB each way
	b.ReportMetric(mib/ssrunTime.Seconds(), "ssrun-MiB/s")
	b.ReportMetric(mib/redisTime.Seconds(), "redis-MiB/s")
	b.ReportMetric(mib/stringTime.Seconds(), "ssrun-string-MiB/s")
	b.ReportMetric(redisTime.Seconds()/ssrunTime.Seconds(), "ratio")
}
