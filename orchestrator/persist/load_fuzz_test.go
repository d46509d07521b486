package persist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func seedFiles(f *testing.F) {
	dir := f.TempDir()
	snap := filepath.Join(dir, "dump.ssdb")
	entries := sampleEntries(f)
	_, err := WriteSnapshot(snap, 1, func(emit Emit) error {
		for _, k := range []string{"s", "list", "hash", "tensor8", "model", "script"} {
			if err := emit([]byte(k), entries[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	data, _ := os.ReadFile(snap)
	f.Add(data)
	var log bytes.Buffer
	log.Write(header(LogMagic))
	for _, r := range []Record{EntryRecord([]byte("k"), entries["hash"]), DeleteRecord([]byte("k")),
		RenameRecord([]byte("a"), []byte("b")), FlushRecord(), EntryRecord([]byte("t"), entries["tensor8"])} {
		r.WriteTo(&log)
	}
	f.Add(log.Bytes())
	f.Add(log.Bytes()[:log.Len()-3])
	f.Add([]byte(SnapshotMagic))
}

// FuzzReadSnapshot loads arbitrary bytes as a snapshot: never a panic, every refusal a *FormatError at
// an offset inside the file, and an accepted snapshot written again loads to the same entries.
func FuzzReadSnapshot(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var keys [][]byte
		var vals []Value
		st, err := ReadSnapshot(bytes.NewReader(data), "fuzz.ssdb", int64(len(data)), func(k []byte, v Value) error {
			keys, vals = append(keys, k), append(vals, v)
			return nil
		})
		if err != nil {
			checkFormatError(t, err, len(data))
			return
		}
		var buf bytes.Buffer
		if _, err := writeSnapshotTo(&buf, st.Saved, func(emit Emit) error {
			for i := range keys {
				if err := emit(keys[i], vals[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		i := 0
		_, err = ReadSnapshot(bytes.NewReader(buf.Bytes()), "again.ssdb", int64(buf.Len()), func(k []byte, v Value) error {
			if i >= len(keys) || !bytes.Equal(encoded(k, v), encoded(keys[i], vals[i])) {
				t.Fatalf("entry %d changed when written again", i)
			}
			i++
			return nil
		})
		if err != nil || i != len(keys) {
			t.Fatalf("an accepted snapshot written again: %v (%d of %d entries)", err, i, len(keys))
		}
	})
}

// FuzzReadLog loads arbitrary bytes as an append-only log: never a panic; a refusal is a *FormatError
// inside the file; a truncated tail is reported with the complete records' length.
func FuzzReadLog(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ReadLog(bytes.NewReader(data), "fuzz.ssaof", int64(len(data)), func(Change) error { n++; return nil })
		if err != nil {
			checkFormatError(t, err, len(data))
			return
		}
		if st.Records != n || st.Bytes+st.Dropped > int64(len(data)) || (st.Truncated == nil && st.Bytes != int64(len(data))) {
			t.Fatalf("stats %+v for %d bytes, %d applied", st, len(data), n)
		}
	})
}

func checkFormatError(t *testing.T, err error, size int) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(size) {
		t.Fatalf("error %v is not a FormatError inside the file", err)
	}
}

func encoded(k []byte, v Value) []byte {
	var b bytes.Buffer
	EntryRecord(k, v).WriteTo(&b)
	return b.Bytes()
}
