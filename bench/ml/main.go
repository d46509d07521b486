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
	cpu      time.Duration // the server's CPU time per request (pattern table; 0 if unknown)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6780", "ssrun db address")
	model := flag.String("model", "orchestrator/backends/onnx/testdata/mlp/model.onnx", "the MLP (256 inputs)")
	ceilingModel := flag.String("ceiling-model", "orchestrator/backends/onnx/testdata/head/model.onnx",
		"a model of the MLP's shapes that costs next to nothing (x[:, :10]); the pattern table runs it with batching off as the ceiling of what batching can gain (empty: no such row)")
	lib := flag.String("onnxruntime", "", "libonnxruntime.so for the in-process limit")
	duration := flag.Duration("duration", 3*time.Second, "measuring time per cell")
	intra := flag.Int("intra-op-threads", 1, "in-process ONNX Runtime intra-op threads (match the server's)")
	clientList := flag.String("clients", "1,8,32", "concurrent clients per cell")
	roundCount := flag.Int("rounds", 3, "rounds over all cells; each cell reports its median")
	redisAddr := flag.String("redis", "", "redis-server address for the request-pattern baseline (empty: no pattern table)")
	patternClients := flag.Int("pattern-clients", 32, "concurrent clients of the request-pattern table")
	ssrunPID := flag.Int("ssrun-pid", 0, "ssrun db's process id, to report its CPU time per request")
	redisPID := flag.Int("redis-pid", 0, "redis-server's process id, to report its CPU time per request")
	tables := flag.String("tables", "cost,pattern,modelexecute", "tables to measure: cost (one in-process run at batch 1, 8, 32), pattern (TENSORSET, MODELEXECUTE, TENSORGET), modelexecute (MODELEXECUTE alone)")
	only := flag.String("modes", "", "measure only the batching modes whose names contain one of these comma-separated words (e.g. off,adaptive)")
	flag.Parse()
	if *only != "" {
		modes = filterModes(modes, strings.Split(*only, ","))
	}
	blob, err := os.ReadFile(*model)
	if err != nil {
		fail(err)
	}
	for i, m := range modes {
		store(*addr, fmt.Sprintf("{ml}mlp%d", i), blob, m.options)
	}
	if strings.Contains(*tables, "cost") && *lib != "" {
		modelCostTable(*lib, blob, *intra, *duration)
	}
	if strings.Contains(*tables, "pattern") && *redisAddr != "" {
		var ceiling []string
		if *ceilingModel != "" {
			free, err := os.ReadFile(*ceilingModel)
			if err != nil {
				fail(err)
			}
			for i, m := range modes {
				ceiling = append(ceiling, fmt.Sprintf("{ml}free%d", i))
				store(*addr, ceiling[i], free, m.options)
			}
		}
		patternTable(*addr, *redisAddr, ceiling, *ssrunPID, *redisPID, *patternClients, *duration, *roundCount)
	}
	if !strings.Contains(*tables, "modelexecute") {
		return
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
	for _, m := range modes {
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

// openSession loads ONNX Runtime once and opens the MLP (input x, output y) with intra intra-op
// threads (0: its default), as the server opens one session per model.
func openSession(lib string, blob []byte, intra int) *ort.DynamicAdvancedSession {
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
	return session
}

// measureInProcess runs the model through onnxruntime_go directly from n goroutines, each with its
// own input and output tensors, on one shared session (as the server shares one per model).
func measureInProcess(lib string, blob []byte, intra, n int, d time.Duration) result {
	session := openSession(lib, blob, intra)
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
		cpu: time.Duration(pick(func(r result) float64 { return float64(r.cpu) })),
	}
}

// patternTable measures the SmartRedis request pattern (pattern.go) from n clients on every batching
// mode of ssrun db and its baseline on redis-server, in interleaved rounds, and prints each cell's
// median with its ratio to redis-server and to batching off.
//
// ceiling, when set, holds for each mode the key of a model with the MLP's shapes that costs next to
// nothing: its rows are what the pattern reaches when the model run is free, the most any batching
// could make of the MLP's run (and, batched, of the per-run overhead around it too).
func patternTable(addr, redisAddr string, ceiling []string, ssrunPID, redisPID, n int, d time.Duration, rounds int) {
	baseline := "redis-server: SET, SET, GET of the same sizes"
	names := []string{baseline}
	cells := map[string][]pattern{}
	servers := map[string]string{baseline: redisAddr}
	pids := map[string]int{baseline: redisPID}
	type row struct{ name, model string }
	var rows []row
	for i, m := range modes {
		rows = append(rows, row{"ssrun db, " + m.name, fmt.Sprintf("{ml}mlp%d", i)})
	}
	for i, key := range ceiling {
		rows = append(rows, row{"ssrun db, a free model of the same shapes (x[:, :10]), " + modes[i].name, key})
	}
	for _, r := range rows {
		name := r.name
		names = append(names, name)
		servers[name] = addr
		pids[name] = ssrunPID
		for c := 0; c < n; c++ {
			p := aiPattern(r.model, c, input(uint64(c)))
			if err := learnReplies(addr, &p); err != nil {
				fail(fmt.Errorf("%s: %w", name, err))
			}
			cells[name] = append(cells[name], p)
		}
	}
	// The same SET/GET pattern on ssrun db separates its network path (issue 14 item 1) from the
	// work behind the AI commands.
	plain := "ssrun db: SET, SET, GET of the same sizes"
	names = append(names[:1], append([]string{plain}, names[1:]...)...)
	servers[plain], pids[plain] = addr, ssrunPID
	for c := 0; c < n; c++ {
		p := redisPattern(c, cells[names[2]][c])
		if err := learnReplies(redisAddr, &p); err != nil {
			fail(fmt.Errorf("redis-server: %w", err))
		}
		cells[baseline] = append(cells[baseline], p)
		cells[plain] = append(cells[plain], p)
	}
	got := map[string][]result{}
	for r := 0; r < rounds; r++ {
		// The order rotates each round, so that no cell always follows the same one.
		for k := range names {
			name := names[(k+r)%len(names)]
			got[name] = append(got[name], measurePattern(servers[name], pids[name], cells[name], d))
		}
	}
	fmt.Printf("Request pattern (put_tensor, run_model, unpack_tensor: AI.TENSORSET of [1,256] FLOAT, "+
		"AI.MODELEXECUTE, AI.TENSORGET META BLOB), %d clients, median of %d rounds of %s:\n\n", n, rounds, d)
	fmt.Printf("| server and mode | req/s | p50 µs | p99 µs | server CPU µs/req | vs redis-server | vs batching off |\n|---|---:|---:|---:|---:|---:|---:|\n")
	base, off := median(got[baseline]).rps, 0.0
	if modes[0].options == nil {
		off = median(got[names[2]]).rps
	}
	for _, name := range names {
		m := median(got[name])
		vsOff := "–"
		if off > 0 && name != baseline && name != plain {
			vsOff = fmt.Sprintf("%.2fx", m.rps/off)
		}
		fmt.Printf("| %s | %.0f | %d | %d | %.1f | %.2fx | %s |\n", name, m.rps, m.p50.Microseconds(), m.p99.Microseconds(),
			float64(m.cpu.Nanoseconds())/1e3, m.rps/base, vsOff)
	}
	fmt.Println()
}

func filterModes(all []mode, words []string) []mode {
	var out []mode
	for _, m := range all {
		for _, w := range words {
			if w != "" && strings.Contains(m.name, w) {
				out = append(out, m)
				break
			}
		}
	}
	if len(out) == 0 {
		fail(fmt.Errorf("--modes %s matches no batching mode", strings.Join(words, ",")))
	}
	return out
}

// modelCostTable prints what one run of the model costs in-process at batch 1, 8 and 32 (one
// goroutine, one intra-op thread, the inputs and outputs allocated once): what batching can save per
// request is the difference between a run at batch 1 and one sample of a larger batch; everything
// else a request costs (the network, RESP, the keyspace) it cannot.
func modelCostTable(lib string, blob []byte, intra int, d time.Duration) {
	session := openSession(lib, blob, intra)
	defer session.Destroy()
	fmt.Printf("In-process cost of one run (onnxruntime_go, one goroutine, %d intra-op thread):\n\n", intra)
	fmt.Printf("| batch | runs/s | µs per run | µs per sample |\n|---:|---:|---:|---:|\n")
	for _, batch := range []int64{1, 8, 32} {
		data := make([]float32, batch*256)
		for k := range data {
			data[k] = float32(k%7) / 7
		}
		x, _ := ort.NewTensor(ort.NewShape(batch, 256), data)
		y, _ := ort.NewEmptyTensor[float32](ort.NewShape(batch, 10))
		runs := 0
		start := time.Now()
		for time.Since(start) < d {
			if err := session.Run([]ort.Value{x}, []ort.Value{y}); err != nil {
				fail(err)
			}
			runs++
		}
		per := time.Since(start).Seconds() * 1e6 / float64(runs)
		fmt.Printf("| %d | %.0f | %.1f | %.2f |\n", batch, float64(runs)/time.Since(start).Seconds(), per, per/float64(batch))
		x.Destroy()
		y.Destroy()
	}
	fmt.Println()
}
