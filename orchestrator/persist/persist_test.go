package persist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/tensor"
)

// sampleEntries holds one value of every kind, with a large tensor so records have referenced segments.
func sampleEntries(t testing.TB) map[string]Value {
	big := make([]byte, 4*1000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	tf, err := tensor.New(tensor.Float, []int64{10, 100}, big)
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := tensor.New(tensor.Int8, []int64{3}, []byte{1, 2, 255})
	return map[string]Value{
		"s":        {Kind: KindString, Bytes: []byte("hello\x00world")},
		"empty":    {Kind: KindString, Bytes: []byte{}},
		"list":     {Kind: KindList, Items: [][]byte{[]byte("a"), []byte(""), big[:600]}},
		"hash":     {Kind: KindHash, Items: [][]byte{[]byte("f1"), []byte("v1"), []byte("f2"), []byte("v2")}},
		"tensor":   {Kind: KindTensor, Tensor: tf},
		"tensor8":  {Kind: KindTensor, Tensor: ti},
		"model":    {Kind: KindModel, Model: &Model{Backend: "ONNX", Device: "CPU", Tag: []byte("v1"), BatchSize: 8, MinBatchSize: 2, MinBatchTimeout: 10, Inputs: []string{"x"}, Outputs: []string{"y"}, IOKnown: true, Blob: big}},
		"script":   {Kind: KindScript, Script: &Script{Device: "CPU", EntryPoints: []string{"f", "g"}, Source: []byte("def f(x):\n  return x\n")}},
		"bin\xffk": {Kind: KindString, Bytes: []byte("v")},
	}
}

func writeSample(t *testing.T, path string, entries map[string]Value) {
	t.Helper()
	_, err := WriteSnapshot(path, 1700000000, func(emit Emit) error {
		for k, v := range entries {
			if err := emit([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.ssdb")
	want := sampleEntries(t)
	writeSample(t, path, want)
	got := map[string]Value{}
	st, err := LoadSnapshot(path, func(k []byte, v Value) error { got[string(k)] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != uint64(len(want)) || st.Saved != 1700000000 {
		t.Errorf("stats = %+v", st)
	}
	if !reflect.DeepEqual(normal(got), normal(want)) {
		t.Errorf("loaded\n%+v\nwant\n%+v", got, want)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "temp-*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// normal makes empty and nil slices compare equal.
func normal(m map[string]Value) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		var b bytes.Buffer
		EntryRecord([]byte(k), v).WriteTo(&b)
		out[k] = b.String()
	}
	return out
}

// Every truncation of a snapshot is refused as truncated, at an offset inside the file, and never
// half-loaded silently.
func TestSnapshotTruncatedEverywhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.ssdb")
	writeSample(t, path, sampleEntries(t))
	data, _ := os.ReadFile(path)
	for n := 0; n < len(data); n++ {
		_, err := ReadSnapshot(bytes.NewReader(data[:n]), "dump.ssdb", int64(n), func([]byte, Value) error { return nil })
		var fe *FormatError
		if !errors.As(err, &fe) || !fe.Truncated || fe.Offset > int64(n) || fe.File != "dump.ssdb" {
			t.Fatalf("cut at %d: err = %v", n, err)
		}
	}
}

// A flipped byte anywhere is refused with the offset of the record that holds it.
func TestSnapshotCorruptByte(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.ssdb")
	writeSample(t, path, sampleEntries(t))
	data, _ := os.ReadFile(path)
	for _, at := range []int{0, 9, headerSize + 3, len(data) / 2, len(data) - 2} {
		bad := bytes.Clone(data)
		bad[at] ^= 0x40
		_, err := ReadSnapshot(bytes.NewReader(bad), path, int64(len(bad)), func([]byte, Value) error { return nil })
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Offset > int64(at) || !strings.Contains(err.Error(), path+": offset ") {
			t.Errorf("byte %d flipped: err = %v", at, err)
		}
	}
}

func TestLogTruncatedLastRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "appendonly.ssaof")
	l := NewLog(path, FsyncAlways)
	if err := l.BeginRewrite(); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRewrite(func(emit Emit) error { return emit([]byte("base"), Value{Kind: KindString, Bytes: []byte("0")}) }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		l.Wait(l.Append(EntryRecord([]byte{'k', byte('0' + i)}, Value{Kind: KindString, Bytes: bytes.Repeat([]byte{'v'}, 100)})))
	}
	l.Wait(l.Append(RenameRecord([]byte("k0"), []byte("r0"))))
	l.Wait(l.Append(DeleteRecord([]byte("k1"))))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var all []Change
	st, err := ReadLog(bytes.NewReader(data), path, int64(len(data)), func(c Change) error { all = append(all, c); return nil })
	if err != nil || st.Truncated != nil || st.Records != 8 || st.Bytes != int64(len(data)) {
		t.Fatalf("full log: %+v, %v", st, err)
	}
	if all[6].Op != OpRename || string(all[6].Dst) != "r0" || all[7].Op != OpDelete {
		t.Errorf("changes = %+v", all[6:])
	}
	// Cut inside the last record: the seven before it load, and the cut is reported.
	cut := len(data) - 3
	n := 0
	st, err = ReadLog(bytes.NewReader(data[:cut]), path, int64(cut), func(Change) error { n++; return nil })
	if err != nil || st.Truncated == nil || n != 7 || st.Records != 7 || st.Dropped == 0 || st.Bytes+st.Dropped != int64(cut) {
		t.Fatalf("cut log: %+v, %v, %d applied", st, err, n)
	}
	// A corrupt record followed by more is not a crash artefact: refused.
	bad := bytes.Clone(data)
	bad[headerSize+5] ^= 1
	if _, err := ReadLog(bytes.NewReader(bad), path, int64(len(bad)), func(Change) error { return nil }); err == nil || !strings.Contains(err.Error(), "offset 12") {
		t.Errorf("corrupt first record: %v", err)
	}
}

func TestSavePoints(t *testing.T) {
	ps, err := ParseSavePoints("3600 1 300 100")
	if err != nil || FormatSavePoints(ps) != "3600 1 300 100" {
		t.Fatalf("%v %v", ps, err)
	}
	if ps, err := ParseSavePoints(""); err != nil || ps != nil {
		t.Errorf("empty: %v %v", ps, err)
	}
	for _, bad := range []string{"1", "a 1", "1 -1", "0 1"} {
		if _, err := ParseSavePoints(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if !Due(ps, 100, 301) || Due(ps, 99, 301) || Due(ps, 100, 300) || !Due(ps, 1, 3601) {
		t.Error("Due disagrees with Redis's rule")
	}
}
