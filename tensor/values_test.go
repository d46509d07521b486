package tensor

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func args(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, v := range s {
		out[i] = []byte(v)
	}
	return out
}

func TestParseValuesErrorsMatchRedisAI(t *testing.T) {
	cases := []struct {
		dtype  DType
		values []string
		want   error
	}{
		{Float, []string{"2", "A"}, ErrInvalidValue},
		{Int32, []string{"2", "1.87"}, ErrInvalidValue},
		{Bool, []string{"1", "2"}, ErrInvalidValue},
		{Int8, []string{"-1", "-128"}, ErrInvalidValue}, // RedisAI refuses all negatives
		{Int8, []string{"127", "128"}, ErrInvalidValue},
		{Uint8, []string{"255", "256"}, ErrInvalidValue},
		{Uint16, []string{"65535", "-1"}, ErrInvalidValue},
		{Int64, []string{"9223372036854775807", "9223372036854775808"}, ErrInvalidValue},
		{Int32, []string{"+1", "2"}, ErrInvalidValue},
		{Int32, []string{"01", "2"}, ErrInvalidValue},
		{Double, []string{"nan", "1"}, ErrInvalidValue},
		{Double, []string{" 1", "1"}, ErrInvalidValue},
		{Double, []string{"1e400", "1"}, ErrInvalidValue},
		{Double, []string{"1e-400", "1"}, ErrInvalidValue},
		{String, []string{"valid C-string", "invalid\x00C-string"}, ErrNulInString},
		{Float, []string{"1"}, ErrValueCount},
		{Float, []string{"1", "2", "3"}, ErrValueCount},
	}
	for _, c := range cases {
		_, err := ParseValues(c.dtype, []int64{2}, args(c.values...))
		if err != c.want {
			t.Errorf("%v VALUES %q: err = %v, want %v", c.dtype, c.values, err, c.want)
		}
	}
}

func TestParseValuesStoresEachType(t *testing.T) {
	f, err := ParseValues(Float, []int64{3}, args("2", "0.1", "-inf"))
	if err != nil {
		t.Fatal(err)
	}
	fv, _ := f.AsFloat32()
	if diff := cmp.Diff([]float32{2, 0.1, float32(math.Inf(-1))}, fv); diff != "" {
		t.Fatal(diff)
	}
	d, err := ParseValues(Double, []int64{2}, args("0x10", "1e-3"))
	if err != nil {
		t.Fatal(err)
	}
	if d.FloatAt(0) != 16 || d.FloatAt(1) != 0.001 {
		t.Fatalf("double values %v %v", d.FloatAt(0), d.FloatAt(1))
	}
	i, err := ParseValues(Int16, []int64{2}, args("0", "32767"))
	if err != nil {
		t.Fatal(err)
	}
	if i.IntAt(0) != 0 || i.IntAt(1) != 32767 {
		t.Fatal("int16 values")
	}
	s, err := ParseValues(String, []int64{3}, args("a", "b\x00", ""))
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data) != "a\x00b\x00\x00" || s.Validate() != nil {
		t.Fatalf("string data %q", s.Data)
	}
}

func TestIntAtSignExtends(t *testing.T) {
	tn, _ := FromInt8([]int64{2}, []int8{-5, 7})
	if tn.IntAt(0) != -5 || tn.IntAt(1) != 7 {
		t.Fatal("INT8 IntAt")
	}
	u, _ := FromUint16([]int64{1}, []uint16{65535})
	if u.IntAt(0) != 65535 {
		t.Fatal("UINT16 IntAt")
	}
}

func TestFormatDoubleIsPercent17g(t *testing.T) {
	cases := map[float64]string{
		4:                     "4",
		float64(float32(0.1)): "0.10000000149011612",
		0.1:                   "0.10000000000000001",
		1e20:                  "1e+20",
		1e-5:                  "1.0000000000000001e-05",
		1e16:                  "10000000000000000",
		math.Inf(1):           "inf",
		math.Inf(-1):          "-inf",
		math.NaN():            "nan",
		math.Copysign(0, -1):  "-0",
		123456789012345678:    "1.2345678901234568e+17",
	}
	for in, want := range cases {
		if got := FormatDouble(in); got != want {
			t.Errorf("FormatDouble(%v) = %q, want %q", in, got, want)
		}
	}
}
