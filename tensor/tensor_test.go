package tensor

import (
	"errors"
	"testing"
)

func TestNewValidatesBlobsWithRedisAIErrors(t *testing.T) {
	cases := []struct {
		name  string
		dtype DType
		shape []int64
		data  string
		want  error
	}{
		{"float ok", Float, []int64{2}, "\x00\x00\x80\x3f\x00\x00\x00\x40", nil},
		{"short float", Float, []int64{2}, "\x00", ErrDataLength},
		{"3136 bytes for 1x1x28x280", Float, []int64{1, 1, 28, 280}, string(make([]byte, 3136)), ErrDataLength},
		{"bool ok", Bool, []int64{2}, "\x00\x01", nil},
		{"bool bad first byte", Bool, []int64{2}, "\x02\x01", ErrBoolElements},
		{"bool last byte unchecked (RedisAI quirk)", Bool, []int64{2}, "\x01\x07", nil},
		{"string ok", String, []int64{2}, "a\x00bc\x00", nil},
		{"string too few", String, []int64{2}, "single c-string\x00", ErrStringCount},
		{"string too many", String, []int64{2}, "one\x00two\x00three\x00", ErrStringCount},
		{"string no trailing NUL", String, []int64{2}, "C-string\x00followed by a non C-string", ErrStringCount},
		{"scalar", Int32, nil, "\x05\x00\x00\x00", nil},
		{"negative dim", Int32, []int64{-1}, "", ErrInvalidShape},
		{"invalid dtype", Invalid, []int64{1}, "\x00", ErrInvalidDType},
	}
	for _, c := range cases {
		_, err := New(c.dtype, c.shape, []byte(c.data))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestZerosIsZeroFilledOrEmptyStrings(t *testing.T) {
	z, err := Zeros(Int16, []int64{2, 3})
	if err != nil || len(z.Data) != 12 || z.Len() != 6 {
		t.Fatalf("Zeros(INT16, 2x3) = %v, %v", z, err)
	}
	for _, b := range z.Data {
		if b != 0 {
			t.Fatal("Zeros must be zero-filled")
		}
	}
	s, err := Zeros(String, []int64{3})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.AsStrings()
	if len(got) != 3 || got[0] != "" || got[2] != "" || s.Validate() != nil {
		t.Fatalf("Zeros(STRING, 3) strings = %q", got)
	}
}

func TestShapeOverflowIsRefused(t *testing.T) {
	if _, err := NumElements([]int64{1 << 20, 1 << 20, 1 << 20}); err == nil {
		t.Fatal("a 2^60-element shape must be refused")
	}
}

func TestEqualAndMemSize(t *testing.T) {
	a, _ := FromInt32([]int64{2}, []int32{1, 2})
	b, _ := FromInt32([]int64{2}, []int32{1, 2})
	c, _ := FromInt32([]int64{1, 2}, []int32{1, 2})
	if !a.Equal(b) || a.Equal(c) {
		t.Fatal("Equal compares dtype, shape and bytes")
	}
	if a.MemSize() < int64(len(a.Data)) {
		t.Fatalf("MemSize %d below payload", a.MemSize())
	}
}
