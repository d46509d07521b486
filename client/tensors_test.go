package client

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ssrun/ssrun/tensor"
)

func roundTrip[T tensor.Element](t *testing.T, c *Client, name string, shape []int64, values []T) {
	t.Helper()
	ctx := testContext(t)
	if err := PutValues(ctx, c, name, shape, values); err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	got, gotShape, err := GetValues[T](ctx, c, name)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	if diff := cmp.Diff(values, got); diff != "" {
		t.Errorf("%s values (-put +got):\n%s", name, diff)
	}
	if diff := cmp.Diff(shape, gotShape); diff != "" {
		t.Errorf("%s shape (-put +got):\n%s", name, diff)
	}
}

func TestTensorsRoundTripEveryType(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	roundTrip(t, c, "f32", []int64{2, 3}, []float32{1.5, -2, 3, 4, 5, 6.25})
	roundTrip(t, c, "f64", []int64{3}, []float64{0.1, -1e300, 7})
	roundTrip(t, c, "i8", []int64{2}, []int8{-128, 127})
	roundTrip(t, c, "i16", []int64{2}, []int16{-32768, 5})
	roundTrip(t, c, "i32", []int64{1, 2}, []int32{-1, 1 << 30})
	roundTrip(t, c, "i64", []int64{2}, []int64{-1 << 62, 9})
	roundTrip(t, c, "u8", []int64{3}, []uint8{0, 1, 255})
	roundTrip(t, c, "u16", []int64{2}, []uint16{65535, 0})
	roundTrip(t, c, "b", []int64{2, 2}, []bool{true, false, false, true})
}

func TestTensorWrongTypeAndMissingKeyGiveClearErrors(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	if err := PutValues(ctx, c, "x", []int64{2}, []float32{1, 2}); err != nil {
		t.Fatal(err)
	}
	_, _, err := GetValues[int64](ctx, c, "x")
	if err == nil || !strings.Contains(err.Error(), `get tensor "x": stored type is FLOAT, not INT64`) {
		t.Errorf("reading a FLOAT tensor as int64: %v", err)
	}
	_, err = c.GetTensor(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `get tensor "nope": ERR tensor key is empty`) {
		t.Errorf("missing tensor: %v (ErrNotFound: %v)", err, errors.Is(err, ErrNotFound))
	}
	if err := c.do(ctx, "SET", "plain", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err = c.GetTensor(ctx, "plain"); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("tensor read of a string key: %v", err)
	}
	if err := PutValues(ctx, c, "bad", []int64{3}, []float32{1, 2}); err == nil || !strings.Contains(err.Error(), `put tensor "bad"`) {
		t.Errorf("shape/values mismatch: %v", err)
	}
}

func TestTensorExistsDeleteRenameCopy(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	must(t, PutValues(ctx, c, "a", []int64{2}, []int32{7, 8}))
	checkExists(t, c, "a", true)
	must(t, c.CopyTensor(ctx, "a", "b"))
	checkValues(t, c, "b", []int32{7, 8})
	must(t, c.RenameTensor(ctx, "b", "c"))
	checkExists(t, c, "b", false)
	checkValues(t, c, "c", []int32{7, 8})
	must(t, c.DeleteTensor(ctx, "c"))
	checkExists(t, c, "c", false)
	if err := c.DeleteTensor(ctx, "c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a missing tensor: %v", err)
	}
	if err := c.CopyTensor(ctx, "nope", "d"); !errors.Is(err, ErrNotFound) {
		t.Errorf("copying a missing tensor: %v", err)
	}
	if ok, err := c.KeyExists(ctx, "a"); err != nil || !ok {
		t.Errorf("KeyExists(a) = %v, %v", ok, err)
	}
}

func TestPollTensorSeesALatePut(t *testing.T) {
	addr := startStandalone(t)
	c := connect(t, Options{Addrs: []string{addr}})
	ctx := testContext(t)
	if ok, err := c.PollTensor(ctx, "late", 5*time.Millisecond, 3); err != nil || ok {
		t.Fatalf("poll before put = %v, %v", ok, err)
	}
	done := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		done <- PutValues(ctx, connect(t, Options{Addrs: []string{addr}}), "late", []int64{1}, []float64{1})
	}()
	ok, err := c.PollTensor(ctx, "late", 10*time.Millisecond, 500)
	if err != nil || !ok {
		t.Fatalf("poll = %v, %v", ok, err)
	}
	must(t, <-done)
	if ok, err := c.PollKey(ctx, "late", time.Millisecond, 1); err != nil || !ok {
		t.Errorf("PollKey = %v, %v", ok, err)
	}
	if _, err := c.PollTensor(ctx, "late", time.Millisecond, 0); err == nil {
		t.Error("zero tries accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func checkExists(t *testing.T, c *Client, name string, want bool) {
	t.Helper()
	got, err := c.TensorExists(testContext(t), name)
	if err != nil || got != want {
		t.Errorf("TensorExists(%q) = %v, %v; want %v", name, got, err, want)
	}
}

func checkValues[T tensor.Element](t *testing.T, c *Client, name string, want []T) {
	t.Helper()
	got, _, err := GetValues[T](testContext(t), c, name)
	if err != nil {
		t.Fatalf("get %q: %v", name, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%q (-want +got):\n%s", name, diff)
	}
}
