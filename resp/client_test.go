package resp

import (
	"bufio"
	"bytes"
	"reflect"
	"sync/atomic"
	"testing"
)

// TestCommandReadsBack checks that Command's requests read back through Reader as the same arguments.
func TestCommandReadsBack(t *testing.T) {
	cmds := [][]string{{"PING"}, {"SET", "k\r\n", ""}, {"CONFIG", "SET", "save", "900 1"}}
	var stream []byte
	for _, c := range cmds {
		stream = AppendCommand(stream, c...)
	}
	var limit atomic.Int64
	limit.Store(DefaultMaxBulkLen)
	rd := NewReader(bytes.NewReader(stream), &limit)
	for _, want := range cmds {
		args, err := rd.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got := normalArgs(args); !reflect.DeepEqual(got, want) {
			t.Fatalf("read %q, want %q", got, want)
		}
	}
}

// TestReadReply checks every reply ReadReply takes, written by Writer.
func TestReadReply(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SimpleString("OK")
	w.Int(-42)
	w.BulkString("two\r\nlines")
	w.Null()
	w.Error("ERR unknown command 'NOPE'")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("*1\r\n")
	r := bufio.NewReader(&buf)
	for _, want := range []string{"OK", "-42", "two\r\nlines", ""} {
		if got, err := ReadReply(r); err != nil || got != want {
			t.Fatalf("ReadReply = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := ReadReply(r); err == nil || err.Error() != "ERR unknown command 'NOPE'" {
		t.Fatalf("error reply read as %v", err)
	}
	if _, err := ReadReply(r); err == nil || err.Error() != `unexpected reply "*1"` {
		t.Fatalf("array reply read as %v", err)
	}
}
