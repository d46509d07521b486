package orchestrator

import (
	"bufio"
	"io"
	"strconv"
)

// replyWriter is the RESP2 encoder behind command.Reply. Replies accumulate in a buffer that the
// connection flushes once the pipeline it is answering has been read; a bulk larger than the buffer is
// written straight through without being copied into it.
type replyWriter struct {
	bw      *bufio.Writer
	scratch [32]byte
}

func newReplyWriter(w io.Writer) *replyWriter {
	return &replyWriter{bw: bufio.NewWriterSize(w, readBufferSize)}
}

func (w *replyWriter) line(prefix byte, s string) {
	w.bw.WriteByte(prefix)
	w.bw.WriteString(s)
	w.bw.WriteString("\r\n")
}

func (w *replyWriter) header(prefix byte, n int64) {
	b := append(w.scratch[:0], prefix)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, '\r', '\n')
	w.bw.Write(b)
}

// SimpleString writes +s. Line breaks would corrupt the stream, so they are replaced by spaces as
// Redis does for status replies.
func (w *replyWriter) SimpleString(s string) { w.line('+', singleLine(s)) }

// Error writes -msg; msg carries its own prefix ("ERR ", "WRONGTYPE ", ...).
func (w *replyWriter) Error(msg string) { w.line('-', singleLine(msg)) }

func (w *replyWriter) Int(n int64) { w.header(':', n) }

func (w *replyWriter) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.bw.Write(b)
	w.bw.WriteString("\r\n")
}

func (w *replyWriter) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.bw.WriteString(s)
	w.bw.WriteString("\r\n")
}

func (w *replyWriter) Null()       { w.bw.WriteString("$-1\r\n") }
func (w *replyWriter) Array(n int) { w.header('*', int64(n)) }
func (w *replyWriter) NullArray()  { w.bw.WriteString("*-1\r\n") }

// Flush sends everything buffered.
func (w *replyWriter) Flush() error { return w.bw.Flush() }

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
