package scripts

import (
	"context"
	"testing"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/tensor"
)

// BenchmarkTimesTwo1M is the seed's `def timestwo(x): return 2*x` on a 1M-element FLOAT tensor as
// AI.SCRIPTEXECUTE runs it (convert in, Starlark call, convert out), against a plain Go loop that
// doubles a []float32 into a new slice.
func BenchmarkTimesTwo1M(b *testing.B) {
	const n = 1 << 20
	vals := make([]float32, n)
	for k := range vals {
		vals[k] = float32(k)
	}
	b.Run("go-loop", func(b *testing.B) {
		b.SetBytes(n * 4)
		for b.Loop() {
			out := make([]float32, n)
			for k, v := range vals {
				out[k] = 2 * v
			}
		}
	})
	x, _ := tensor.FromFloat32([]int64{n}, vals)
	s, err := New().Compile("CPU", []byte("def timestwo(x):\n    return 2*x\n"), []string{"timestwo"})
	if err != nil {
		b.Fatal(err)
	}
	call := ai.ScriptCall{Function: "timestwo", Inputs: []*tensor.Tensor{x}, Variadic: -1}
	b.Run("script", func(b *testing.B) {
		b.SetBytes(n * 4)
		for b.Loop() {
			if _, err := s.Run(context.Background(), call); err != nil {
				b.Fatal(err)
			}
		}
	})
}
