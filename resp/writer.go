package resp

import (
	"io"
	"strconv"
)

// FlushThreshold is how many reply bytes a Writer buffers before it writes them without waiting for
// Flush (unless held): replies accumulate in one byte slice that is written when the pipeline being
// answered has been read, or when it passes this size.
const FlushThreshold = 64 * 1024

// directWriteMin is the smallest bulk written straight to the connection after what precedes it,
// never copied into the buffer.
const directWriteMin = 32 * 1024

// VectorWriter writes several buffers in one call, in order (writev(2)), returning once all are
// written or an error occurs.
type VectorWriter interface {
	WriteVectors(bufs [][]byte) (int64, error)
}

// Writer encodes RESP2 replies into one buffer, written to the connection by Flush (or once the buffer
// passes FlushThreshold, unless held). It implements the orchestrator's command.Reply.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
	// holding keeps every reply in the buffer (see Hold).
	holding bool
	// When w is a VectorWriter, a large bulk is not copied and not written apart: vecs holds, in order,
	// the buffer's bytes before it (buf[:mark]) cut into pieces and the large bulks themselves, and
	// Flush writes them with the rest of the buffer in one call. A 64 KiB reply is then one writev
	// instead of three writes (the header, the value, the CRLF and what follows), each of which costs
	// a pass through the loopback's TCP stack and a wake-up of the client.
	vw       VectorWriter
	vecs     [][]byte
	mark     int
	vecBytes int // bytes of the large bulks in vecs
	// largest is the longest bulk written since LargestBulk last looked.
	largest int
}

// NewWriter writes replies to w.
func NewWriter(w io.Writer) *Writer {
	vw, _ := w.(VectorWriter)
	return &Writer{w: w, vw: vw, buf: make([]byte, 0, 4096)}
}

// Hold keeps every reply in the buffer until Hold(false) (no intermediate writes, large bulks
// included): a server answering while it holds locks (EXEC) must not be stalled by a client slow to
// read.
func (w *Writer) Hold(on bool) { w.holding = on }

func (w *Writer) line(prefix byte, s string) {
	w.buf = append(w.buf, prefix)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
	w.maybeFlush()
}

func (w *Writer) header(prefix byte, n int64) {
	w.buf = append(w.buf, prefix)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

func (w *Writer) maybeFlush() {
	if len(w.buf)+w.vecBytes >= FlushThreshold && !w.holding {
		w.Flush()
	}
}

// SimpleString writes +s. Line breaks would corrupt the stream, so they become spaces, as Redis does for
// status and error replies.
func (w *Writer) SimpleString(s string) { w.line('+', singleLine(s)) }

// Error writes -msg; msg carries its own prefix ("ERR ", "WRONGTYPE ", ...).
func (w *Writer) Error(msg string) { w.line('-', singleLine(msg)) }

// Int writes :n.
func (w *Writer) Int(n int64) {
	w.header(':', n)
	w.maybeFlush()
}

// Bulk writes $len then b. A large b is never copied: it is written from where it is, with what
// precedes and follows it in one call when the connection writes vectors, else right after what
// precedes it.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.largest = max(w.largest, len(b))
	switch {
	case len(b) < directWriteMin || w.holding:
		w.buf = append(w.buf, b...)
	case w.vw != nil:
		w.vecs = append(w.vecs, w.buf[w.mark:], b)
		w.mark = len(w.buf)
		w.vecBytes += len(b)
	default:
		w.Flush()
		w.write(b)
	}
	w.buf = append(w.buf, '\r', '\n')
	w.maybeFlush()
}

// LargestBulk returns the length of the longest bulk written since its last call (an event loop
// hands a connection whose replies carry large values to a goroutine of its own).
func (w *Writer) LargestBulk() int {
	n := w.largest
	w.largest = 0
	return n
}

// BulkString writes s as a bulk.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.largest = max(w.largest, len(s))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
	w.maybeFlush()
}

// Null writes the null bulk, $-1.
func (w *Writer) Null() {
	w.buf = append(w.buf, "$-1\r\n"...)
	w.maybeFlush()
}

// Array writes the header of an array of n replies, which the caller writes next.
func (w *Writer) Array(n int) {
	w.header('*', int64(n))
	w.maybeFlush()
}

// NullArray writes the null array, *-1.
func (w *Writer) NullArray() {
	w.buf = append(w.buf, "*-1\r\n"...)
	w.maybeFlush()
}

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// Flush sends everything buffered and reports the first write error of the connection.
func (w *Writer) Flush() error {
	switch {
	case len(w.vecs) > 0:
		w.vecs = append(w.vecs, w.buf[w.mark:])
		if w.err == nil {
			_, w.err = w.vw.WriteVectors(w.vecs)
		}
		clear(w.vecs) // the large values may go once written
		w.vecs, w.mark, w.vecBytes = w.vecs[:0], 0, 0
	case len(w.buf) > 0:
		w.write(w.buf)
	default:
		return w.err
	}
	w.buf = w.buf[:0]
	if cap(w.buf) > 4*FlushThreshold {
		w.buf = make([]byte, 0, 4096) // don't keep a huge buffer for an idle connection
	}
	return w.err
}

func singleLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] == '\r' || b[j] == '\n' {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return s
}
