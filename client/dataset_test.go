package client

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ssrun/ssrun/tensor"
)

func TestMetadataEncodingMatchesSmartRedis(t *testing.T) {
	ds := NewDataset("ds1")
	must(t, ds.AddMetaScalar("step", int64(7)))
	must(t, ds.AddMetaString("note", "hi"))
	must(t, ds.AddMetaString("note", "there"))
	// Observed from SmartRedis: an int64 field holding 7 is the type byte 4 and 7 little-endian.
	if got, want := string(encodeMeta(ds.meta["step"])), "\x04\x07\x00\x00\x00\x00\x00\x00\x00"; got != want {
		t.Errorf("step = %q, want %q", got, want)
	}
	wantNote := "\x07" + "\x02\x00\x00\x00\x00\x00\x00\x00hi" + "\x05\x00\x00\x00\x00\x00\x00\x00there"
	if got := string(encodeMeta(ds.meta["note"])); got != wantNote {
		t.Errorf("note = %q, want %q", got, wantNote)
	}
	x, _ := tensor.FromFloat32([]int64{1}, []float32{1})
	must(t, ds.AddTensor("x", x))
	must(t, ds.AddTensor("y", x))
	wantNames := "\x07\x01\x00\x00\x00\x00\x00\x00\x00x\x01\x00\x00\x00\x00\x00\x00\x00y"
	if got := string(ds.tensorNamesValue()); got != wantNames {
		t.Errorf(".tensor_names = %q, want %q", got, wantNames)
	}
}

func TestMetadataScalarsOfEveryTypeDecodeBack(t *testing.T) {
	ds := NewDataset("d")
	values := map[string][]any{
		"f64": {1.5, -2.0}, "f32": {float32(0.25)}, "i32": {int32(-3), int32(4)},
		"i64": {int64(-1 << 40)}, "u32": {uint32(1 << 31)}, "u64": {uint64(1 << 63)},
	}
	for name, vs := range values {
		for _, v := range vs {
			must(t, ds.AddMetaScalar(name, v))
		}
	}
	// Re-decode from the wire form, as GetDataset does.
	var fields []any
	for _, n := range ds.MetaNames() {
		fields = append(fields, n, string(encodeMeta(ds.meta[n])))
	}
	back, err := decodeDatasetMeta("d", fields)
	must(t, err)
	want := map[string]any{
		"f64": []float64{1.5, -2}, "f32": []float32{0.25}, "i32": []int32{-3, 4},
		"i64": []int64{-1 << 40}, "u32": []uint32{1 << 31}, "u64": []uint64{1 << 63},
	}
	for name, w := range want {
		got, err := back.MetaScalars(name)
		must(t, err)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestDatasetRefusesMisuse(t *testing.T) {
	ds := NewDataset("d")
	must(t, ds.AddMetaScalar("n", int32(1)))
	cases := []struct {
		err  error
		want string
	}{
		{ds.AddMetaScalar("n", int64(2)), `metadata "n" holds int32 values, not int64`},
		{ds.AddMetaString("n", "x"), `metadata "n" holds int32 values, not string`},
		{ds.AddMetaScalar("m", 3), "int is not a metadata scalar type"},
		{ds.AddMetaString(".COMPLETE", "x"), `".COMPLETE" cannot name a metadata field`},
		{ds.AddTensor("t", nil), "is nil"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", c.err, c.want)
		}
	}
	x, _ := tensor.FromInt8([]int64{1}, []int8{1})
	must(t, ds.AddTensor("t", x))
	if err := ds.AddTensor("t", x); err == nil {
		t.Error("duplicate tensor name accepted")
	}
	if _, err := ds.Tensor("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tensor: %v", err)
	}
	if _, err := ds.MetaStrings("n"); err == nil {
		t.Error("MetaStrings of a numeric field accepted")
	}
	if _, err := decodeMeta("bad", "\x04\x01\x02"); err == nil {
		t.Error("truncated int64 metadata accepted")
	}
	if _, err := decodeMeta("bad", "\x07\x09\x00\x00\x00\x00\x00\x00\x00ab"); err == nil {
		t.Error("truncated string metadata accepted")
	}
}

func TestModelStoreArgsChunkTheBlobAndLeaveOutZeroOptions(t *testing.T) {
	blob := []byte("0123456789")
	args := modelStoreArgs("m", blob, "TORCH", "CPU", ModelOptions{}, 4)
	want := []any{"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", []byte("0123"), []byte("4567"), []byte("89")}
	if diff := cmp.Diff(want, args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	args = modelStoreArgs("m", blob, "TF", "GPU:1", ModelOptions{Tag: "v1", BatchSize: 4, MinBatchSize: 2,
		MinBatchTimeout: 10, Inputs: []string{"a", "b"}, Outputs: []string{"c"}}, 100)
	want = []any{"AI.MODELSTORE", "m", "TF", "GPU:1", "TAG", "v1", "BATCHSIZE", "4", "MINBATCHSIZE", "2",
		"MINBATCHTIMEOUT", "10", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "BLOB", blob}
	if diff := cmp.Diff(want, args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if n := len(chunks(make([]byte, 8), 4)); n != 2 {
		t.Errorf("an exact multiple gave %d chunks, want 2 (no empty trailing chunk)", n)
	}
}

func TestCheckModelArgs(t *testing.T) {
	for _, ok := range [][2]string{{"TORCH", "CPU"}, {"ONNX", "GPU"}, {"TF", "GPU:3"}, {"TFLITE", "CPU:0"}} {
		if err := checkModelArgs(ok[0], ok[1]); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][2]string{{"PORCH", "CPU"}, {"TORCH", "cpu::"}, {"TORCH", "CPU:1.8"}, {"TORCH", "CPU:123456789"}} {
		if err := checkModelArgs(bad[0], bad[1]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
