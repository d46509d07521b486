package torch

import (
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/tensor"
)

const benchElements = 1 << 20

func benchInputs(b *testing.B) (x, y []float32) {
	b.Helper()
	x, y = make([]float32, benchElements), make([]float32, benchElements)
	for k := range x {
		x[k], y[k] = float32(k), float32(benchElements-k)
	}
	return x, y
}

// BenchmarkAdd1M compares x + y on 1M float32 elements: a plain Go loop over []float32 (the
// baseline), the torch operator on script tensors, and the same including conversion from and to the
// database's tensors (what a script call adds around the op).
func BenchmarkAdd1M(b *testing.B) {
	xs, ys := benchInputs(b)
	b.Run("go-loop", func(b *testing.B) {
		b.SetBytes(benchElements * 4)
		for b.Loop() {
			out := make([]float32, len(xs))
			for k := range out {
				out[k] = xs[k] + ys[k]
			}
		}
	})
	xt, _ := tensor.FromFloat32([]int64{benchElements}, xs)
	yt, _ := tensor.FromFloat32([]int64{benchElements}, ys)
	x, err := FromTensor(xt)
	if err != nil {
		b.Fatal(err)
	}
	y, _ := FromTensor(yt)
	b.Run("torch-op", func(b *testing.B) {
		b.SetBytes(benchElements * 4)
		for b.Loop() {
			if _, err := x.Binary(syntax.PLUS, y, starlark.Left); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("torch-op-with-conversion", func(b *testing.B) {
		b.SetBytes(benchElements * 4)
		for b.Loop() {
			x, _ := FromTensor(xt)
			y, _ := FromTensor(yt)
			sum, err := x.Binary(syntax.PLUS, y, starlark.Left)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := sum.(*Tensor).ToTensor(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
