package tensor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func roundTrip[T Element](t *testing.T, shape []int64, in []T, want DType) {
	t.Helper()
	tn, err := From(shape, in)
	if err != nil {
		t.Fatal(err)
	}
	if tn.DType != want || tn.Validate() != nil {
		t.Fatalf("From(%v) dtype %v, validate %v", in, tn.DType, tn.Validate())
	}
	out, err := Values[T](tn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Fatalf("round trip %v (-in +out):\n%s", want, diff)
	}
}

func TestTypedRoundTripsEveryNumericType(t *testing.T) {
	shape := []int64{2, 2}
	roundTrip(t, shape, []float32{1.5, -2, 0.1, 3e38}, Float)
	roundTrip(t, shape, []float64{1.5, -2, 0.1, 1e300}, Double)
	roundTrip(t, shape, []int8{-128, 127, 0, -1}, Int8)
	roundTrip(t, shape, []int16{-32768, 32767, 0, -1}, Int16)
	roundTrip(t, shape, []int32{-1 << 31, 1<<31 - 1, 0, -1}, Int32)
	roundTrip(t, shape, []int64{-1 << 63, 1<<63 - 1, 0, -1}, Int64)
	roundTrip(t, shape, []uint8{0, 255, 1, 2}, Uint8)
	roundTrip(t, shape, []uint16{0, 65535, 1, 2}, Uint16)
	roundTrip(t, shape, []bool{true, false, false, true}, Bool)
}

func TestFromFloat32IsLittleEndianRowMajor(t *testing.T) {
	tn, err := FromFloat32([]int64{2}, []float32{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if string(tn.Data) != "\x00\x00\x80\x3f\x00\x00\x00\x40" {
		t.Fatalf("bytes % x", tn.Data)
	}
	if _, err := tn.AsInt32(); err == nil {
		t.Fatal("reading a FLOAT tensor as INT32 must fail")
	}
	if _, err := FromFloat32([]int64{3}, []float32{1, 2}); err == nil {
		t.Fatal("value count must match the shape")
	}
}

func TestStringsRoundTripAndRefuseNUL(t *testing.T) {
	tn, err := FromStrings([]int64{3}, []string{"a", "", "ccc"})
	if err != nil {
		t.Fatal(err)
	}
	if string(tn.Data) != "a\x00\x00ccc\x00" || tn.Validate() != nil {
		t.Fatalf("data %q", tn.Data)
	}
	got, _ := tn.AsStrings()
	if diff := cmp.Diff([]string{"a", "", "ccc"}, got); diff != "" {
		t.Fatal(diff)
	}
	if _, err := FromStrings([]int64{1}, []string{"a\x00b"}); err != ErrNulInString {
		t.Fatalf("err = %v", err)
	}
}
