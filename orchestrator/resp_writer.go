package orchestrator

import (
	"io"
	"strconv"
)

// Reply buffering limits: replies accumulate in one byte slice that is written when the pipeline being
// answered has been read (or the slice passes flushThreshold); a bulk of directWriteMin bytes or more is
// written straight to the connection after what precedes it, never copied into the buffer.
const (
	flushThreshold = 64 * 1024
	directWriteMin = 32 * 1024
)

// replyWriter is the RESP2 encoder behind command.Reply.
type replyWriter struct {
	w   io.Writer
	buf []byte
	err error
	// holding keeps every reply in the buffer (no intermediate writes): EXEC answers while it holds
	// every keyspace lock, and a client slow to read must not stall the server.
	holding bool
}

func newReplyWriter(w io.Writer) *replyWriter {
	return &replyWriter{w: w, buf: make([]byte, 0, 4096)}
}

func (w *replyWriter) line(prefix byte, s string) {
	w.buf = append(w.buf, prefix)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
	w.maybeFlush()
}

func (w *replyWriter) header(prefix byte, n int64) {
	w.buf = append(w.buf, prefix)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

func (w *replyWriter) maybeFlush() {
	if len(w.buf) >= flushThreshold && !w.holding {
		w.Flush()
	}
}

// SimpleString writes +s. Line breaks would corrupt the stream, so they become spaces, as Redis does for
// status and error replies.
func (w *replyWriter) SimpleString(s string) { w.line('+', singleLine(s)) }

// Error writes -msg; msg carries its own prefix ("ERR ", "WRONGTYPE ", ...).
func (w *replyWriter) Error(msg string) { w.line('-', singleLine(msg)) }

func (w *replyWriter) Int(n int64) {
	w.header(':', n)
	w.maybeFlush()
}

func (w *replyWriter) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	if len(b) >= directWriteMin && !w.holding {
		w.Flush()
		w.write(b)
	} else {
		w.buf = append(w.buf, b...)
	}
	w.buf = append(w.buf, '\r', '\n')
	w.maybeFlush()
}

func (w *replyWriter) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
	w.maybeFlush()
}

func (w *replyWriter) Null() {
	w.buf = append(w.buf, "$-1\r\n"...)
	w.maybeFlush()
}

func (w *replyWriter) Array(n int) {
	w.header('*', int64(n))
	w.maybeFlush()
}

func (w *replyWriter) NullArray() {
	w.buf = append(w.buf, "*-1\r\n"...)
	w.maybeFlush()
}

func (w *replyWriter) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// Flush sends everything buffered and reports the first write error of the connection.
func (w *replyWriter) Flush() error {
	if len(w.buf) > 0 {
		w.write(w.buf)
		w.buf = w.buf[:0]
		if cap(w.buf) > 4*flushThreshold {
			w.buf = make([]byte, 0, 4096) // don't keep a huge buffer for an idle connection
		}
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
