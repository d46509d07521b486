// Command ml is the ML serving benchmark (make bench-ml, through bench/ml/run.sh): an MLP 256→512→10
// at batch 1 from 1, 8 and 32 concurrent clients through a running `ssrun db`, with batching off,
// RedisAI's static batching, RedisAI's opportunistic batching (BATCHSIZE alone), and ssrun's ADAPTIVE
// mode; and the same model run in-process through onnxruntime_go as the limit. It prints requests/s,
// p50 and p99 latency, and each mode's throughput relative to batching off.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	ort "github.com/yalue/onnxruntime_go"
)

// mode is one way of storing the model.
type mode struct {
	name    string
	options []any // MODELSTORE batching options
}

var modes = []mode{
	{"batching off", nil},
	{"static (BATCHSIZE 32 MINBATCHSIZE 8 MINBATCHTIMEOUT 2)", []any{"BATCHSIZE", 32, "MINBATCHSIZE", 8, "MINBATCHTIMEOUT", 2}},
	{"opportunistic (BATCHSIZE 32)", []any{"BATCHSIZE", 32}},
	{"adaptive (BATCHSIZE 32 ADAPTIVE 500)", []any{"BATCHSIZE", 32, "ADAPTIVE", 500}},
	{"adaptive (BATCHSIZE 32 ADAPTIVE 2000)", []any{"BATCHSIZE", 32, "ADAPTIVE", 2000}},
}

// result is one measurement.
type result struct {
	rps      float64
	p50, p99 time.Duration
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6780", "ssrun db address")
	model := flag.String("model", "orchestrator/backends/onnx/testdata/mlp/model.onnx", "the MLP (256 inputs)")
	lib := flag.String("onnxruntime", "", "libonnxruntime.so for the in-process limit")
	duration := flag.Duration("duration", 3*time.Second, "measuring time per cell")
	intra := flag.Int("intra-op-threads", 1, "in-process ONNX Runtime intra-op threads (match the server's)")
	clientList := flag.String("clients", "1,8,32", "concurrent clients per cell")
	roundCount := flag.Int("rounds", 3, "rounds over all cells; each cell reports its median")
	flag.Parse()
	blob, err := os.ReadFile(*model)
	if err != nil {
		fail(err)
	}
	var counts []int
	for _, f := range strings.Split(*clientList, ",") {
		var n int
		fmt.Sscan(f, &n)
		counts = append(counts, n)
	}
	// Rounds interleave the modes so that a shared machine's load drifts over all of them alike; each
	// cell reports the median of its rounds.
	rounds := map[string]map[int][]result{}
	for i, m := range modes {
		store(*addr, fmt.Sprintf("{ml}mlp%d", i), blob, m.options)
		rounds[m.name] = map[int][]result{}
	}
	limit := "in-process onnxruntime_go (the limit)"
	rounds[limit] = map[int][]result{}
	for r := 0; r < *roundCount; r++ {
		for _, n := range counts {
			for i, m := range modes {
				rounds[m.name][n] = append(rounds[m.name][n], measure(*addr, fmt.Sprintf("{ml}mlp%d", i), n, *duration))
			}
			if *lib != "" {
				rounds[limit][n] = append(rounds[limit][n], measureInProcess(*lib, blob, *intra, n, *duration))
			}
		}
	}
	results := map[string]map[int]result{}
	for name, byCount := range rounds {
		results[name] = map[int]result{}
		for n, rs := range byCount {
			results[name][n] = median(rs)
		}
	}
	fmt.Printf("| mode | clients | req/s | p50 µs | p99 µs | vs off |\n|---|---:|---:|---:|---:|---:|\n")
	names := []string{}
	for _, m := range modes {
		names = append(names, m.name)
	}
	if *lib != "" {
		names = append(names, limit)
	}
	for _, n := range counts {
		base := results[modes[0].name][n].rps
		for _, name := range names {
			r := results[name][n]
			fmt.Printf("| %s | %d | %.0f | %d | %d | %.2fx |\n", name, n, r.rps, r.p50.Microseconds(), r.p99.Microseconds(), r.rps/base)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/ml:", err)
	os.Exit(1)
}

func store(addr, key string, blob []byte, options []any) {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	args := append([]any{"AI.MODELSTORE", key, "ONNX", "CPU"}, options...)
	args = append(args, "BLOB", blob)
	if err := c.Do(context.Background(), args...).Err(); err != nil {
		fail(fmt.Errorf("MODELSTORE: %w", err))
	}
}

// input is one random row of 256 floats as a RedisAI blob.
func input(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, 4*256)
	for i := 0; i < len(b); i += 4 {
		binary.LittleEndian.PutUint32(b[i:], math.Float32bits(float32(r.NormFloat64())))
	}
	return b
}

// measure runs n clients, each on its own connection with its own input key, calling MODELEXECUTE
// in a loop; the first fifth of the time is warm-up.
func measure(addr, key string, n int, d time.Duration) result {
	ctx := context.Background()
	var wg sync.WaitGroup
	lat := make([][]time.Duration, n)
	start := time.Now()
	warm, end := start.Add(d/5), start.Add(d/5+d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, PoolSize: 1})
			defer c.Close()
			in, out := fmt.Sprintf("{ml}x%d", i), fmt.Sprintf("{ml}y%d", i)
			if err := c.Do(ctx, "AI.TENSORSET", in, "FLOAT", 1, 256, "BLOB", input(uint64(i))).Err(); err != nil {
				fail(err)
			}
			for {
				t0 := time.Now()
				if t0.After(end) {
					return
				}
				if err := c.Do(ctx, "AI.MODELEXECUTE", key, "INPUTS", 1, in, "OUTPUTS", 1, out).Err(); err != nil {
					fail(err)
				}
				if t0.After(warm) {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	return summarize(lat, d)
}

func summarize(lat [][]time.Duration, d time.Duration) result {
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return result{}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return result{rps: float64(len(all)) / d.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100]}
}

// measureInProcess runs the model through onnxruntime_go directly from n goroutines, each with its
// own input and output tensors, on one shared session (as the server shares one per model).
func measureInProcess(lib string, blob []byte, intra, n int, d time.Duration) result {
	if !ort.IsInitialized() {
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(); err != nil {
			fail(err)
		}
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		fail(err)
	}
	if intra > 0 {
		opts.SetIntraOpNumThreads(intra)
	}
	session, err := ort.NewDynamicAdvancedSessionWithONNXData(blob, []string{"x"}, []string{"y"}, opts)
	if err != nil {
		fail(err)
	}
	defer session.Destroy()
	var wg sync.WaitGroup
	lat := make([][]time.Duration, n)
	start := time.Now()
	warm, end := start.Add(d/5), start.Add(d/5+d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := make([]float32, 256)
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for k := range data {
				data[k] = float32(r.NormFloat64())
			}
			x, _ := ort.NewTensor(ort.NewShape(1, 256), data)
			y, _ := ort.NewEmptyTensor[float32](ort.NewShape(1, 10))
			defer x.Destroy()
			defer y.Destroy()
			for {
				t0 := time.Now()
				if t0.After(end) {
					return
				}
				if err := session.Run([]ort.Value{x}, []ort.Value{y}); err != nil {
					fail(err)
				}
				if t0.After(warm) {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	return summarize(lat, d)
}

// median takes the median of each figure over the rounds.
func median(rs []result) result {
	pick := func(get func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return result{
		rps: pick(func(r result) float64 { return r.rps }),
		p50: time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99: time.Duration(pick(func(r result) float64 { return float64(r.p99) })),
	}
}
