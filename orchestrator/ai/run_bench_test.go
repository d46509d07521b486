package ai

import (
	"context"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/tensor"
)

// BenchmarkModelExecuteOverhead measures what the AI.MODELEXECUTE path (parsing, key lookups, the
// device queue hand-off, storing the output) adds to a model run, against calling the same prepared
// model directly in the same run. The model adds two 1x16 FLOAT tensors, so the run itself is
// negligible and the ratio is the command's overhead.
func BenchmarkModelExecuteOverhead(b *testing.B) {
	m := New(Options{Backends: []Backend{&addBackend{name: "ONNX"}}})
	defer m.Close()
	e := &env{m: m, ks: newMemKeyspace(), cmds: map[string]command.Spec{}}
	for _, s := range m.Commands() {
		e.cmds[s.Name] = s
	}
	e.do("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x")
	e.do("AI.TENSORSET", "a", "FLOAT", "1", "16")
	args := []string{"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "c"}
	if got := e.do(args...); got != ok() {
		b.Fatal(got)
	}
	in, _ := tensor.Zeros(tensor.Float, []int64{1, 16})
	prepared, _ := (&addBackend{name: "ONNX"}).Prepare(ModelSpec{})
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		e.do(args...)
	}
	viaCommand := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		prepared.Run(context.Background(), []*tensor.Tensor{in, in})
	}
	direct := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(viaCommand.Nanoseconds())/float64(b.N), "command-ns/run")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/run")
	b.ReportMetric(viaCommand.Seconds()/direct.Seconds(), "ratio")
	b.ReportMetric(0, "ns/op")
}
