package persist

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Emit hands one key and its value to a writer.
type Emit func(key []byte, v Value) error

// SnapshotStats describes a written or loaded snapshot.
type SnapshotStats struct {
	Entries uint64
	Bytes   int64
	Saved   int64 // unix time recorded in the snapshot
}

// WriteSnapshot writes a snapshot to path the safe way: into a temporary file in the same directory,
// fsynced, then renamed over path (and the directory fsynced), so path always holds either the previous
// snapshot or the new one, complete. entries calls emit once per key. saved is the time recorded in
// the trailer. On error the temporary file is removed and path is untouched.
func WriteSnapshot(path string, saved int64, entries func(emit Emit) error) (SnapshotStats, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "temp-"+filepath.Base(path)+"-*")
	if err != nil {
		return SnapshotStats{}, err
	}
	tmp.Chmod(0o644) // as redis-server's files; CreateTemp makes them private
	st, err := writeSnapshotTo(tmp, saved, entries)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return SnapshotStats{}, err
	}
	syncDir(dir)
	return st, nil
}

func writeSnapshotTo(w io.Writer, saved int64, entries func(emit Emit) error) (SnapshotStats, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	st := SnapshotStats{Saved: saved}
	if _, err := bw.Write(header(SnapshotMagic)); err != nil {
		return st, err
	}
	st.Bytes = headerSize
	err := entries(func(key []byte, v Value) error {
		r := EntryRecord(key, v)
		st.Entries++
		st.Bytes += int64(r.Size())
		_, err := r.WriteTo(bw)
		return err
	})
	if err != nil {
		return st, err
	}
	end := endRecord(st.Entries, saved)
	st.Bytes += int64(end.Size())
	if _, err := end.WriteTo(bw); err != nil {
		return st, err
	}
	return st, bw.Flush()
}

// syncDir makes a rename durable. Errors are ignored: some filesystems cannot fsync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// LoadSnapshot reads the snapshot at path and calls apply for each entry, in file order. A missing
// file returns an error satisfying errors.Is(err, os.ErrNotExist). A snapshot that is truncated,
// corrupt or of another version returns a *FormatError naming the file and the offset; apply's errors
// are returned as a *FormatError at the entry's offset. Either way the caller must not serve what was
// applied so far.
func LoadSnapshot(path string, apply Emit) (SnapshotStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return SnapshotStats{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return SnapshotStats{}, err
	}
	return ReadSnapshot(f, path, fi.Size(), apply)
}

// ReadSnapshot is LoadSnapshot on a reader of size bytes; name is used in errors.
func ReadSnapshot(r io.Reader, name string, size int64, apply Emit) (SnapshotStats, error) {
	rd := newReader(r, name, size)
	st := SnapshotStats{}
	if err := rd.readHeader(SnapshotMagic, "snapshot"); err != nil {
		return st, err
	}
	for {
		op, payload, at, err := rd.next()
		if errors.Is(err, io.EOF) {
			return st, rd.errorf(at, true, "file ends without its end record after %d entries: the snapshot is truncated", st.Entries)
		}
		if err != nil {
			return st, err
		}
		switch op {
		case OpEntry:
			c, err := decodeChange(op, payload)
			if err != nil {
				return st, rd.errorf(at, false, "entry %d: %v", st.Entries+1, err)
			}
			if err := apply(c.Key, c.Value); err != nil {
				return st, rd.errorf(at, false, "entry %d (key %q): %v", st.Entries+1, c.Key, err)
			}
			st.Entries++
		case OpEnd:
			d := &decoder{b: payload}
			n, saved := d.uvarint(), d.uvarint()
			if err := d.end(); err != nil {
				return st, rd.errorf(at, false, "end record: %v", err)
			}
			if n != st.Entries {
				return st, rd.errorf(at, false, "end record counts %d entries, the file holds %d", n, st.Entries)
			}
			if rd.off != size {
				return st, rd.errorf(rd.off, false, "%d unexpected bytes after the end record", size-rd.off)
			}
			st.Saved, st.Bytes = int64(saved), size
			return st, nil
		default:
			return st, rd.errorf(at, false, "unexpected record type %q in a snapshot", byte(op))
		}
	}
}
