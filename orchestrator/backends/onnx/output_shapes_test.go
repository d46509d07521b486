package onnx_test

import (
	"context"
	"testing"

	"github.com/ssrun/ssrun/tensor"
)

// Outputs are written in place once their shapes are known from an earlier run with the same input
// shapes. A model whose output shape depends on the data (NonZero) gets a wrong guess once: the run is
// repeated with outputs ONNX Runtime allocates, every answer is right, and the model is no longer
// guessed for.
func TestOutputShapesFollowTheData(t *testing.T) {
	addr := startServer(t, library(t), 1)
	c := newClient(t, addr)
	ctx := context.Background()
	storeModel(t, c, "{n}nonzero", testdataModel("nonzero"))
	for _, tc := range []struct {
		x    []float32
		want []int64
	}{
		{[]float32{1, 0, 2}, []int64{0, 2}},
		{[]float32{3, 4, 0}, []int64{0, 1}},    // same shapes as before: written in place
		{[]float32{1, 1, 1}, []int64{0, 1, 2}}, // the remembered [1,2] is wrong: run again
		{[]float32{0, 0, 0}, []int64{}},
		{[]float32{0, 5, 0}, []int64{1}},
	} {
		x, err := tensor.From([]int64{3}, tc.x)
		if err != nil {
			t.Fatal(err)
		}
		if err := setTensor(ctx, c, "{n}x", x); err != nil {
			t.Fatal(err)
		}
		if reply, err := modelExecute(ctx, c, "{n}nonzero", []string{"{n}x"}, []string{"{n}y"}); err != nil || reply != "OK" {
			t.Fatalf("x=%v: MODELEXECUTE %s %v", tc.x, reply, err)
		}
		got, err := getTensor(ctx, c, "{n}y")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tensor.From([]int64{1, int64(len(tc.want))}, tc.want)
		if !got.Equal(want) {
			t.Fatalf("x=%v: NonZero gave %v, want %v", tc.x, got, want)
		}
	}
}

// The MLP run twice at each batch size (the second time into outputs allocated in place) gives the
// reference rows both times.
func TestInPlaceOutputsMatchTheReference(t *testing.T) {
	addr := startServer(t, library(t), 1)
	c := newClient(t, addr)
	ctx := context.Background()
	storeModel(t, c, "{p}mlp", testdataModel("mlp"))
	in, want := mlpReference(t)
	for _, rows := range []int64{1, 3, 1, 3, 2} {
		x, _ := in.Slice(0, rows)
		if err := setTensor(ctx, c, "{p}x", x); err != nil {
			t.Fatal(err)
		}
		if reply, err := modelExecute(ctx, c, "{p}mlp", []string{"{p}x"}, []string{"{p}y"}); err != nil || reply != "OK" {
			t.Fatalf("MODELEXECUTE %s %v", reply, err)
		}
		got, err := getTensor(ctx, c, "{p}y")
		if err != nil {
			t.Fatal(err)
		}
		w, _ := want.Slice(0, rows)
		if err := closeEnough(got, w); err != nil {
			t.Fatalf("%d rows: %v", rows, err)
		}
	}
}
