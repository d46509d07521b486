package ai

import (
	"strings"
	"testing"
)

func TestTensorGetValuesEveryDType(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []struct {
		dtype  string
		values []string
		want   string
	}{
		{"FLOAT", []string{"1.5", "-2", "0.1"}, arr(bulk("1.5"), bulk("-2"), bulk("0.10000000149011612"))},
		{"DOUBLE", []string{"1.5", "1e20", "0.1"}, arr(bulk("1.5"), bulk("1e+20"), bulk("0.10000000000000001"))},
		{"INT8", []string{"0", "127", "5"}, arr(integer(0), integer(127), integer(5))},
		{"INT16", []string{"0", "32767", "5"}, arr(integer(0), integer(32767), integer(5))},
		{"INT32", []string{"0", "2147483647", "5"}, arr(integer(0), integer(2147483647), integer(5))},
		{"INT64", []string{"0", "9223372036854775807", "5"}, arr(integer(0), integer(9223372036854775807), integer(5))},
		{"UINT8", []string{"0", "255", "5"}, arr(integer(0), integer(255), integer(5))},
		{"UINT16", []string{"0", "65535", "5"}, arr(integer(0), integer(65535), integer(5))},
		{"BOOL", []string{"0", "1", "1"}, arr(integer(0), integer(1), integer(1))},
		{"STRING", []string{"a", "", "ccc"}, arr(bulk("a"), bulk(""), bulk("ccc"))},
	}
	for _, c := range cases {
		e.must(ok(), append([]string{"AI.TENSORSET", "t", strings.ToLower(c.dtype), "3", "VALUES"}, c.values...)...)
		e.must(c.want, "AI.TENSORGET", "t", "VALUES")
		e.must(arr(bulk("dtype"), bulk(c.dtype), bulk("shape"), arr(integer(3)), bulk("values"), c.want), "AI.TENSORGET", "t", "meta", "values")
	}
}

func TestTensorBlobsRoundTripAndNegativeIntsViaBlob(t *testing.T) {
	e := newEnv(t, Options{})
	// VALUES refuses negatives for INT types (RedisAI's quirk) but a BLOB carries them fine.
	e.must(ok(), "AI.TENSORSET", "t", "INT16", "2", "BLOB", "\xff\xff\x00\x80")
	e.must(arr(integer(-1), integer(-32768)), "AI.TENSORGET", "t", "VALUES")
	e.must(bulk("\xff\xff\x00\x80"), "AI.TENSORGET", "t", "BLOB")
	e.must(ok(), "AI.TENSORSET", "s", "STRING", "2", "BLOB", "ab\x00\x00")
	e.must(arr(bulk("ab"), bulk("")), "AI.TENSORGET", "s", "VALUES")
	e.must(bulk("ab\x00\x00"), "AI.TENSORGET", "s", "BLOB")
	e.must(ok(), "AI.TENSORSET", "d", "DOUBLE", "1", "BLOB", "\x00\x00\x00\x00\x00\x00\xf0\x7f")
	e.must(arr(bulk("inf")), "AI.TENSORGET", "d", "VALUES")
}

func TestTensorSetWithoutDataAndScalars(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.TENSORSET", "z", "INT32", "2", "2")
	e.must(arr(integer(0), integer(0), integer(0), integer(0)), "AI.TENSORGET", "z", "VALUES")
	e.must(ok(), "AI.TENSORSET", "s", "STRING", "2")
	e.must(arr(bulk(""), bulk("")), "AI.TENSORGET", "s", "VALUES")
	// Zero dimensions is a 0-d scalar with one element.
	e.must(ok(), "AI.TENSORSET", "x", "FLOAT", "VALUES", "7")
	e.must(arr(bulk("dtype"), bulk("FLOAT"), bulk("shape"), arr(), bulk("values"), arr(bulk("7"))), "AI.TENSORGET", "x", "META", "VALUES")
	e.must(ok(), "AI.TENSORSET", "x", "FLOAT", "BLOB", "\x00\x00\x80\x3f")
	e.must(arr(bulk("1")), "AI.TENSORGET", "x", "VALUES")
	// Overwriting a tensor is allowed; a shape too large to allocate is refused.
	e.must(ok(), "AI.TENSORSET", "x", "UINT8", "1", "VALUES", "9")
	e.must(errr("ERR tensor shape is too large"), "AI.TENSORSET", "x", "UINT8", "65536", "65536", "65536")
	e.must(errr("ERR tensor shape is too large"), "AI.TENSORSET", "x", "DOUBLE", "65536", "1025")
	e.must(errr("ERR invalid or negative value found in tensor shape"), "AI.TENSORSET", "x", "UINT8", "0")
	e.must(errr("ERR invalid or negative value found in tensor shape"), "AI.TENSORSET", "x", "UINT8", "+3")
	e.must(arr(integer(9)), "AI.TENSORGET", "x", "VALUES")
}

func TestTensorValueMemSizeCountsItsData(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.TENSORSET", "t", "DOUBLE", "1000")
	v, _ := e.ks.Get([]byte("t"))
	if v.TypeName() != "AI_TENSOR" || v.MemSize() < 8000 {
		t.Fatalf("%s MemSize %d", v.TypeName(), v.MemSize())
	}
}
