package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync/atomic"
	"testing"
)

// FuzzRequestReader feeds arbitrary bytes to the request reader (RESP multibulk and inline commands):
// it must never panic or loop, every error must be a protocol error or the end of input, and every
// request it returns must read back identically once re-encoded as a multibulk (by an authenticated
// reader: before AUTH an inline command may carry more arguments than a multibulk).
func FuzzRequestReader(f *testing.F) {
	for _, seed := range []string{
		"PING\r\n", "*1\r\n$4\r\nPING\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
		"SET \"a b\" 'c d'\r\n", "SET \"\\x41\\n\" v\n", "  \r\n*0\r\n", "*2\r\n$3\r\nGET\r\n$-1\r\n",
		"*1\r\n$999999999999\r\n", "\"unbalanced\r\n", "*-1\r\n", "*2\r\n$1\r\na\r\n:1\r\n",
		"ECHO \"\\xzz\"\r\n", "*1\r\n$3\r\nabcd\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var limit atomic.Int64
		limit.Store(1 << 20)
		rd := NewReader(bytes.NewReader(data), &limit)
		for i := 0; i < len(data)+1; i++ {
			args, err := rd.Read()
			if err != nil {
				var pe *ProtocolError
				if !errors.As(err, &pe) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if len(args) == 0 {
				t.Fatal("empty request returned")
			}
			kept := make([][]byte, len(args))
			var enc []string
			for j, a := range args {
				kept[j] = bytes.Clone(a)
				enc = append(enc, string(a))
			}
			// Re-read as an authenticated client: an inline command is not bound by the pre-AUTH
			// argument count that a multibulk is (as in Redis), and the round trip checks framing.
			rr := NewReader(bytes.NewReader(Command(enc...)), &limit)
			rr.SetAuthenticated(true)
			again, err := rr.Read()
			if err != nil || !reflect.DeepEqual(normalArgs(again), normalArgs(kept)) {
				t.Fatalf("request %q re-read as %q (%v)", kept, again, err)
			}
		}
		t.Fatal("the reader returned more requests than there are bytes")
	})
}

func normalArgs(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

// FuzzBufferedRequestsReadAsTheGeneralPath compares the two ways a request is read: whole from the
// buffer (readBuffered, what a pipeline's requests take) and line by line (a source delivering one
// byte per read never lets a whole request sit in the buffer). Both must return the same requests and
// the same errors, before and after AUTH.
func FuzzBufferedRequestsReadAsTheGeneralPath(f *testing.F) {
	for _, seed := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"*1\r\n$4\r\nPING\n", "*2\r\n$3\r\nGET\r\n$-1\r\n", "*1\r\n$3\r\nabcd\r\n", "*0\r\n*1\r\n$1\r\nx\r\n",
		"*11\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n",
		"*1\r\n$40\r\nabcdefghijabcdefghijabcdefghijabcdefghij\r\n", "*1\r\n$+3\r\nabc\r\n", "*01\r\n$03\r\nabc\r\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, authenticated bool) {
		var limit atomic.Int64
		limit.Store(1 << 10)
		whole := NewReader(bytes.NewReader(data), &limit)
		byteWise := NewReader(&chunkedReader{data: data, chunk: 1}, &limit)
		whole.SetAuthenticated(authenticated)
		byteWise.SetAuthenticated(authenticated)
		for range len(data) + 1 {
			a, errA := whole.Read()
			b, errB := byteWise.Read()
			if !reflect.DeepEqual(normalArgs(a), normalArgs(b)) || fmt.Sprint(errA) != fmt.Sprint(errB) {
				t.Fatalf("from the buffer: %q, %v; line by line: %q, %v", a, errA, b, errB)
			}
			if errA != nil {
				return
			}
		}
	})
}
