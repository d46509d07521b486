package resp

import (
	"bytes"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tidwall/redcon"
)

// pipelineOf returns n SET requests with a valueSize-byte value, as one byte stream.
func pipelineOf(n, valueSize int) []byte {
	var b bytes.Buffer
	val := strings.Repeat("v", valueSize)
	for i := 0; i < n; i++ {
		b.Write(Command("SET", "key:000000000123", val))
	}
	return b.Bytes()
}

// BenchmarkRequestParsing compares this package's Reader with redcon's on the same pipelines
// (the measurement behind choosing a hand-written codec; see doc.go). Both read from an
// io.Reader as they would from a socket, and both hand back arguments the server may keep (redcon's
// alias its buffer, so the copy a server must make before storing them is included).
func BenchmarkRequestParsing(b *testing.B) {
	for _, size := range []struct {
		name     string
		n, value int
	}{{"small-x100", 100, 3}, {"1MiB-x4", 4, 1 << 20}} {
		stream := pipelineOf(size.n, size.value)
		b.Run("ssrun/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			var limit atomic.Int64
			limit.Store(DefaultMaxBulkLen)
			rd := NewReader(nil, &limit)
			rd.SetAuthenticated(true)
			for i := 0; i < b.N; i++ {
				// A connection's reader lives as long as it does; src is where large arguments
				// are read from directly.
				rd.src = bytes.NewReader(stream)
				rd.br.Reset(rd.src)
				for j := 0; j < size.n; j++ {
					if _, err := rd.Read(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run("redcon/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			for i := 0; i < b.N; i++ {
				rd := redcon.NewReader(bytes.NewReader(stream))
				for j := 0; j < size.n; j++ {
					cmd, err := rd.ReadCommand()
					if err != nil {
						b.Fatal(err)
					}
					for _, a := range cmd.Args[1:] {
						_ = append([]byte(nil), a...)
					}
				}
			}
		})
	}
}

// BenchmarkReplyWriting compares the reply encoders on a GET-like reply.
func BenchmarkReplyWriting(b *testing.B) {
	val := bytes.Repeat([]byte("v"), 64)
	b.Run("ssrun", func(b *testing.B) {
		w := NewWriter(io.Discard)
		for i := 0; i < b.N; i++ {
			w.Bulk(val)
			w.Int(int64(i))
		}
		w.Flush()
	})
	b.Run("redcon", func(b *testing.B) {
		w := redcon.NewWriter(io.Discard)
		for i := 0; i < b.N; i++ {
			w.WriteBulk(val)
			w.WriteInt64(int64(i))
			if i%100 == 0 {
				w.Flush()
			}
		}
		w.Flush()
	})
}
