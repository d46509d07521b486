// Command torch is the TORCH backend benchmark (make bench-torch, through bench/torch/run.sh): the
// small CNN of orchestrator/backends/torch/testdata (x[N,1,8,8] → logits[N,10]) at batch 1 and 32,
// one client, run four ways in the same process and the same minutes:
//
//   - AI.MODELEXECUTE of the TorchScript model through a running `ssrun db` (TORCH backend),
//   - the same TorchScript module called in-process through libtorch (ssrun's shim, no server): the limit,
//   - AI.MODELEXECUTE of the model's ONNX export (torch.onnx.export) through `ssrun db` (ONNX Runtime),
//   - the ONNX export called in-process through ONNX Runtime.
//
// Each cell times sequential calls for a fixed duration after a warm-up, in rounds that interleave the
// four ways so machine noise hits them alike, and reports the median round's mean call time. The
// input tensor is set once; MODELEXECUTE's time is the round trip of one command.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
	"github.com/ssrun/ssrun/orchestrator/backends/torch"
	"github.com/ssrun/ssrun/tensor"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6780", "ssrun db address (started with --torch and --onnxruntime)")
	dir := flag.String("models", "orchestrator/backends/torch/testdata", "directory holding cnn.pt and cnn.onnx")
	torchLib := flag.String("torch", ".torch-backend/libssrun_torch.so", "the TORCH shim, for the in-process runs")
	ortLib := flag.String("onnxruntime", ".onnxruntime/lib/libonnxruntime.so", "ONNX Runtime, for the in-process runs")
	duration := flag.Duration("duration", time.Second, "measuring time per cell and round")
	rounds := flag.Int("rounds", 3, "rounds (the median is reported)")
	flag.Parse()
	if err := run(*addr, *dir, *torchLib, *ortLib, *duration, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench/torch:", err)
		os.Exit(1)
	}
}

// way is one way of running the CNN on a prepared input: it runs once per call.
type way struct {
	name string
	call func() error
}

func run(addr, dir, torchLib, ortLib string, duration time.Duration, rounds int) error {
	ctx := context.Background()
	ptBlob, err := os.ReadFile(dir + "/cnn.pt")
	if err != nil {
		return err
	}
	onnxBlob, err := os.ReadFile(dir + "/cnn.onnx")
	if err != nil {
		return err
	}
	tb, err := torch.Load(torchLib, torch.Options{IntraOpThreads: 1})
	if err != nil {
		return err
	}
	tm, err := tb.Prepare(ai.ModelSpec{Device: "CPU", Blob: ptBlob})
	if err != nil {
		return err
	}
	ob, err := onnx.Load(ortLib, onnx.Options{IntraOpThreads: 1})
	if err != nil {
		return err
	}
	om, err := ob.Prepare(ai.ModelSpec{Device: "CPU", Blob: onnxBlob})
	if err != nil {
		return err
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	if err := c.Do(ctx, "AI.MODELSTORE", "cnn_pt", "TORCH", "CPU", "BLOB", ptBlob).Err(); err != nil {
		return fmt.Errorf("MODELSTORE TORCH: %w", err)
	}
	if err := c.Do(ctx, "AI.MODELSTORE", "cnn_onnx", "ONNX", "CPU", "BLOB", onnxBlob).Err(); err != nil {
		return fmt.Errorf("MODELSTORE ONNX: %w", err)
	}

	fmt.Println("| batch | ssrun db, TORCH | in the server's backend (AI.INFO) | in-process libtorch | ssrun db, ONNX export | in-process ONNX Runtime | db TORCH ÷ in-process libtorch | db TORCH ÷ db ONNX |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, batch := range []int{1, 32} {
		x := input(batch)
		key := fmt.Sprintf("x%d", batch)
		args := []any{"AI.TENSORSET", key, "FLOAT", batch, 1, 8, 8, "BLOB", x.Data}
		if err := c.Do(ctx, args...).Err(); err != nil {
			return err
		}
		execute := func(model string) func() error {
			return func() error {
				return c.Do(ctx, "AI.MODELEXECUTE", model, "INPUTS", 1, key, "OUTPUTS", 1, "y_"+model).Err()
			}
		}
		in := []*tensor.Tensor{x}
		ways := []way{
			{"db torch", execute("cnn_pt")},
			{"libtorch", func() error { _, err := tm.Run(ctx, in); return err }},
			{"db onnx", execute("cnn_onnx")},
			{"onnxruntime", func() error { _, err := om.Run(ctx, in); return err }},
		}
		if err := c.Do(ctx, "AI.INFO", "cnn_pt", "RESETSTAT").Err(); err != nil {
			return err
		}
		means := make([][]time.Duration, len(ways))
		for range rounds {
			for i, w := range ways {
				d, err := measure(w.call, duration)
				if err != nil {
					return fmt.Errorf("%s batch %d: %w", w.name, batch, err)
				}
				means[i] = append(means[i], d)
			}
		}
		m := make([]time.Duration, len(ways))
		for i := range ways {
			m[i] = median(means[i])
		}
		inServer, err := serverRunTime(ctx, c, "cnn_pt")
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %s | %s | %s | %s | %s | %.2f | %.2f |\n", batch, us(m[0]), us(inServer), us(m[1]), us(m[2]), us(m[3]),
			float64(m[0])/float64(m[1]), float64(m[0])/float64(m[2]))
	}
	return nil
}

// serverRunTime is the mean time the server's backend spent per run of model (AI.INFO duration ÷
// calls, warm-up included), which separates the backend from the protocol and queue around it.
func serverRunTime(ctx context.Context, c *redis.Client, model string) (time.Duration, error) {
	v, err := c.Do(ctx, "AI.INFO", model).Slice()
	if err != nil {
		return 0, err
	}
	fields := map[string]int64{}
	for i := 0; i+1 < len(v); i += 2 {
		if n, ok := v[i+1].(int64); ok {
			fields[v[i].(string)] = n
		}
	}
	if fields["calls"] == 0 {
		return 0, fmt.Errorf("AI.INFO %s: no calls", model)
	}
	return time.Duration(fields["duration"]/fields["calls"]) * time.Microsecond, nil
}

// input is a deterministic random image batch.
func input(batch int) *tensor.Tensor {
	r := rand.New(rand.NewPCG(1, uint64(batch)))
	v := make([]float32, batch*64)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	x, err := tensor.From([]int64{int64(batch), 1, 8, 8}, v)
	if err != nil {
		panic(err)
	}
	return x
}

// measure warms up, then calls f for about d and returns the mean time per call.
func measure(f func() error, d time.Duration) (time.Duration, error) {
	for range 20 {
		if err := f(); err != nil {
			return 0, err
		}
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		if err := f(); err != nil {
			return 0, err
		}
		n++
	}
	return time.Since(start) / time.Duration(n), nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3) }
