package resp

import (
	"bytes"
	"errors"
	"testing"
)

// vectorSink records each WriteVectors call's bytes; fail makes the calls fail.
type vectorSink struct {
	calls [][]byte
	fail  error
}

func (v *vectorSink) Write(p []byte) (int, error) {
	v.calls = append(v.calls, bytes.Clone(p))
	return len(p), v.fail
}

func (v *vectorSink) WriteVectors(bufs [][]byte) (int64, error) {
	joined := bytes.Join(bufs, nil)
	v.calls = append(v.calls, joined)
	return int64(len(joined)), v.fail
}

// writeReplies answers a pipeline mixing small replies and large bulks, as a server would.
func writeReplies(w *Writer, large []byte) {
	w.Array(2)
	w.BulkString("meta")
	w.Bulk(large)
	w.SimpleString("OK")
	w.Int(7)
}

// A large bulk goes out with the replies before and after it in one vector write, byte for byte what
// a plain writer sends.
func TestLargeBulkIsOneVectorWriteWithItsNeighbours(t *testing.T) {
	large := bytes.Repeat([]byte("x"), 40000)
	var plain bytes.Buffer
	pw := NewWriter(&plain)
	writeReplies(pw, large)
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	sink := &vectorSink{}
	vw := NewWriter(sink)
	writeReplies(vw, large)
	if err := vw.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(sink.calls) != 1 {
		t.Fatalf("%d writes, want one", len(sink.calls))
	}
	if !bytes.Equal(sink.calls[0], plain.Bytes()) {
		t.Fatal("the vector write's bytes differ from the plain writer's")
	}
	if len(vw.vecs) != 0 || vw.vecBytes != 0 || len(vw.buf) != 0 {
		t.Fatal("the writer kept pending vectors after Flush")
	}
	// Reused after a flush, it still sends exactly the same bytes.
	writeReplies(vw, large)
	vw.Flush()
	if !bytes.Equal(sink.calls[len(sink.calls)-1], plain.Bytes()) {
		t.Fatal("the second pipeline's bytes differ")
	}
}

// Large bulks count towards the flush threshold: past it, what is pending goes out at once.
func TestLargeBulksPastTheThresholdAreWritten(t *testing.T) {
	sink := &vectorSink{}
	w := NewWriter(sink)
	large := bytes.Repeat([]byte("x"), directWriteMin)
	w.Bulk(large)
	if len(sink.calls) != 0 {
		t.Fatal("one 32 KiB bulk was written before the threshold")
	}
	w.Bulk(large)
	if len(sink.calls) != 1 || len(sink.calls[0]) != 2*(directWriteMin+len("$32768\r\n\r\n")) {
		t.Fatalf("after 64 KiB of bulks: %d writes", len(sink.calls))
	}
}

// While held (EXEC), a large bulk is copied into the buffer and nothing is written.
func TestHeldWriterCopiesLargeBulks(t *testing.T) {
	sink := &vectorSink{}
	w := NewWriter(sink)
	w.Hold(true)
	large := bytes.Repeat([]byte("y"), 100000)
	w.Bulk(large)
	if len(sink.calls) != 0 || len(w.vecs) != 0 {
		t.Fatal("a held writer wrote or kept a reference to a large bulk")
	}
	w.Hold(false)
	w.Flush()
	if len(sink.calls) != 1 || len(sink.calls[0]) != len(large)+len("$100000\r\n\r\n") {
		t.Fatalf("writes %d", len(sink.calls))
	}
}

func TestVectorWriteErrorIsReported(t *testing.T) {
	broken := errors.New("peer gone")
	w := NewWriter(&vectorSink{fail: broken})
	w.Bulk(bytes.Repeat([]byte("z"), 70000))
	if err := w.Flush(); !errors.Is(err, broken) {
		t.Fatalf("Flush = %v, want %v", err, broken)
	}
}

// LargestBulk reports the longest bulk since its last call, whichever way the bulk was written.
func TestWriterLargestBulk(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Bulk(make([]byte, 10))
	w.BulkString(string(make([]byte, 70<<10)))
	w.Bulk(make([]byte, 40<<10)) // written straight from the slice
	w.Int(5)
	if got := w.LargestBulk(); got != 70<<10 {
		t.Errorf("LargestBulk = %d, want %d", got, 70<<10)
	}
	if got := w.LargestBulk(); got != 0 {
		t.Errorf("LargestBulk again = %d, want 0 (reset)", got)
	}
	w.SimpleString("OK")
	w.Bulk([]byte("abc"))
	if got := w.LargestBulk(); got != 3 {
		t.Errorf("LargestBulk = %d, want 3", got)
	}
}
