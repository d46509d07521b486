package ai_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startRedisServer runs Debian's redis-server on a free loopback port as the baseline.
func startRedisServer(b *testing.B) string {
	b.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		b.Skip("redis-server not installed (apt-get install redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := b.TempDir()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return addr
		}
		if time.Now().After(deadline) {
			b.Fatal("redis-server did not answer PING")
		}
	}
}

// BenchmarkTensor1MiB measures AI.TENSORSET + AI.TENSORGET BLOB of a 1 MiB FLOAT tensor through go-redis
// against ssrun db, and SET + GET of the same bytes against redis-server in the same run (redis-server
// has no tensors; plain strings of the same size are the transport limit). It reports the round-trip
// rates, ssrun's SET + GET of the same bytes (the server's own transport cost), and ssrun's tensor
// ratio to the baseline.
func BenchmarkTensor1MiB(b *testing.B) {
	blob := strings.Repeat("\x00\x00\x80\x3f", 1<<18) // 262144 floats of 1.0 = 1 MiB
	ctx := context.Background()
	measure := func(addr string, set, get func(c *redis.Client) error) time.Duration {
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
		defer c.Close()
		if err := set(c); err != nil { // warm up the connection and the key
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if err := set(c); err != nil {
				b.Fatal(err)
			}
			if err := get(c); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	ssrunAddr := startServer(b, false)
	redisAddr := startRedisServer(b)
	b.ResetTimer()
	ssrunStrings := measure(ssrunAddr,
		func(c *redis.Client) error { return c.Set(ctx, "s", blob, 0).Err() },
		func(c *redis.Client) error { return c.Get(ctx, "s").Err() })
	ssrun := measure(ssrunAddr,
		func(c *redis.Client) error { return c.Do(ctx, "AI.TENSORSET", "t", "FLOAT", 1<<18, "BLOB", blob).Err() },
		func(c *redis.Client) error {
			v, err := c.Do(ctx, "AI.TENSORGET", "t", "BLOB").Text()
			if err == nil && len(v) != len(blob) {
				err = fmt.Errorf("got %d bytes", len(v))
			}
			return err
		})
	baseline := measure(redisAddr,
		func(c *redis.Client) error { return c.Set(ctx, "t", blob, 0).Err() },
		func(c *redis.Client) error {
			v, err := c.Get(ctx, "t").Result()
			if err == nil && len(v) != len(blob) {
				err = fmt.Errorf("got %d bytes", len(v))
			}
			return err
		})
	b.StopTimer()
	perSec := func(d time.Duration) float64 { return float64(b.N) / d.Seconds() }
	b.ReportMetric(perSec(ssrun), "ssrun-setget/s")
	b.ReportMetric(perSec(baseline), "redis-setget/s")
	b.ReportMetric(perSec(ssrunStrings), "ssrun-strings-setget/s")
	b.ReportMetric(baseline.Seconds()/ssrun.Seconds(), "ratio")
	b.ReportMetric(0, "ns/op")
}
