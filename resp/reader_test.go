package resp

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// chunkedReader hands out its bytes a few at a time, the way a socket delivers a large request over
// several reads; reads counts the calls.
type chunkedReader struct {
	data  []byte
	chunk int
	reads int
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	c.reads++
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.chunk, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func authenticatedReader(src io.Reader) *Reader {
	var limit atomic.Int64
	limit.Store(DefaultMaxBulkLen)
	rd := NewReader(src, &limit)
	rd.SetAuthenticated(true)
	return rd
}

// TestLargeArgumentsKeepTheirBytesAndExactSize reads values of every size class around the reader's
// buffer and the direct-read threshold, delivered in chunks of several sizes, each followed by a
// pipelined request: every value must come back intact at exactly its length and capacity (a stored
// value costs what it holds), and the next request must be read whole.
func TestLargeArgumentsKeepTheirBytesAndExactSize(t *testing.T) {
	for _, size := range []int{0, 1, 4096, directReadMin - 1, directReadMin, readBufferSize - 40, readBufferSize, 65536 + 7, 1 << 20} {
		for _, chunk := range []int{1 << 20, 65536, 4000, 1500} {
			if size >= 1<<20 && chunk < 4000 {
				continue // slow and adds nothing the 4000-byte chunks do not cover
			}
			value := make([]byte, size)
			for i := range value {
				value[i] = byte(i*7 + size)
			}
			stream := append(Command("SET", "k", string(value)), Command("GET", "k")...)
			rd := authenticatedReader(&chunkedReader{data: stream, chunk: chunk})
			args, err := rd.Read()
			if err != nil {
				t.Fatalf("size %d chunk %d: %v", size, chunk, err)
			}
			if len(args) != 3 || !bytes.Equal(args[2], value) {
				t.Fatalf("size %d chunk %d: value read back wrong (%d arguments)", size, chunk, len(args))
			}
			if cap(args[2]) != size {
				t.Errorf("size %d chunk %d: value capacity %d, want exactly %d", size, chunk, cap(args[2]), size)
			}
			next, err := rd.Read()
			if err != nil || len(next) != 2 || string(next[0]) != "GET" || string(next[1]) != "k" {
				t.Fatalf("size %d chunk %d: pipelined request after the value read as %q (%v)", size, chunk, next, err)
			}
		}
	}
}

// TestLargeArgumentIsReadStraightIntoTheValue checks that the rest of a large value is read from the
// connection into the value, not through the request buffer: with the whole request available at
// once, a 1 MiB value takes a handful of reads, the first filling the buffer and then one for the
// rest.
func TestLargeArgumentIsReadStraightIntoTheValue(t *testing.T) {
	value := bytes.Repeat([]byte("v"), 1<<20)
	src := &chunkedReader{data: Command("SET", "k", string(value)), chunk: 1 << 30}
	rd := authenticatedReader(src)
	args, err := rd.Read()
	if err != nil || !bytes.Equal(args[2], value) {
		t.Fatalf("read %d arguments (%v)", len(args), err)
	}
	if src.reads > 3 {
		t.Errorf("a 1 MiB value took %d reads of the connection; want it read straight into the value (at most 3)", src.reads)
	}
}

// TestBulkFramingErrors: a bulk whose bytes are not followed by CRLF is a protocol error, whichever
// path read it; a request cut short is the end of input.
func TestBulkFramingErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		proto bool
	}{
		{"short value without CRLF", "*1\r\n$3\r\nabcd\r\n", true},
		{"large value without CRLF", "*2\r\n$3\r\nSET\r\n$20000\r\n" + string(bytes.Repeat([]byte("x"), 20000)) + "xy", true},
		{"large value cut short", "*2\r\n$3\r\nSET\r\n$20000\r\n" + string(bytes.Repeat([]byte("x"), 100)), false},
		{"large value missing its LF", "*2\r\n$3\r\nSET\r\n$20000\r\n" + string(bytes.Repeat([]byte("x"), 20000)) + "\r", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := authenticatedReader(&chunkedReader{data: []byte(tc.input), chunk: 4096}).Read()
			var pe *ProtocolError
			if tc.proto && !errors.As(err, &pe) {
				t.Fatalf("got %v, want a protocol error", err)
			}
			if !tc.proto && !errors.Is(err, io.EOF) {
				t.Fatalf("got %v, want io.EOF", err)
			}
		})
	}
}

// TestReadyFramesWithoutConsuming: Ready says whether a whole request (or one Read refuses at once) is
// buffered, or whether the one in front cannot fit in the buffer, and leaves every byte for Read.
func TestReadyFramesWithoutConsuming(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), readBufferSize))
	for _, tc := range []struct {
		name            string
		input           string
		unauthenticated bool
		ready, tooLarge bool
	}{
		{"whole multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", false, true, false},
		{"count line cut", "*2\r", false, false, false},
		{"bulk header cut", "*2\r\n$3\r\nGET\r\n$1", false, false, false},
		{"bulk bytes cut", "*2\r\n$3\r\nGET\r\n$5\r\nab", false, false, false},
		{"CRLF after bulk missing", "*1\r\n$4\r\nPING", false, false, false},
		{"value longer than the buffer", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$70000\r\nabc", false, false, true},
		{"inline whole", "PING\r\n", false, true, false},
		{"inline cut", "PIN", false, false, false},
		{"inline longer than the buffer", long, false, true, false},
		{"bad bulk prefix", "*1\r\n:4\r\n", false, true, false},
		{"bad count", "*abc\r\n", false, true, false},
		{"empty multibulk", "*0\r\n", false, true, false},
		{"too many arguments before AUTH", "*11\r\n", true, true, false},
		{"bulk too long before AUTH", "*2\r\n$4\r\nAUTH\r\n$16385\r\n", true, true, false},
		{"same bulk after AUTH", "*2\r\n$4\r\nAUTH\r\n$16385\r\n", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var limit atomic.Int64
			limit.Store(DefaultMaxBulkLen)
			rd := NewReader(&chunkedReader{data: []byte(tc.input), chunk: 1 << 20}, &limit)
			rd.SetAuthenticated(!tc.unauthenticated)
			ready, tooLarge, err := rd.Ready()
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			if ready != tc.ready || tooLarge != tc.tooLarge {
				t.Errorf("Ready() = %v, %v; want %v, %v", ready, tooLarge, tc.ready, tc.tooLarge)
			}
			if rd.Buffered() != min(len(tc.input), readBufferSize) {
				t.Errorf("%d bytes buffered after Ready, want all %d still there", rd.Buffered(), min(len(tc.input), readBufferSize))
			}
		})
	}
}

// An argument allocator may hand out dirty memory (the buffer of a dropped value): every argument it
// allocates is read over completely, and arguments read into the command-name buffer do not use it.
func TestArgAllocBuffersAreOverwritten(t *testing.T) {
	var asked []int
	dirty := func(n int) []byte {
		asked = append(asked, n)
		return bytes.Repeat([]byte{0xEE}, n)
	}
	value := bytes.Repeat([]byte("v"), 70000)
	var req []byte
	req = append(req, Command("SET", "key", string(value))...)
	req = append(req, Command("GET", "key")...)
	rd := authenticatedReader(&chunkedReader{data: req, chunk: 1500})
	rd.SetArgAlloc(dirty)
	args, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	if string(args[1]) != "key" || !bytes.Equal(args[2], value) {
		t.Fatalf("SET arguments came back as %q and %d bytes (equal: %v)", args[1], len(args[2]), bytes.Equal(args[2], value))
	}
	if args, err = rd.Read(); err != nil || string(args[1]) != "key" {
		t.Fatalf("GET: %q, %v", args, err)
	}
	if want := []int{3, 70000, 3}; !slices.Equal(asked, want) {
		t.Fatalf("allocator asked for %v, want %v (one buffer per argument after the name)", asked, want)
	}
}

// parseRequestInt accepts exactly what strconv.ParseInt(s, 10, 64) accepts, with the same value.
func TestParseRequestIntMatchesParseInt(t *testing.T) {
	for _, s := range []string{"", "0", "3", "-1", "+7", "-", "+", "007", "12a", " 1", "1 ", "-0",
		"999999999999999999", "-999999999999999999", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901"} {
		checkParseRequestInt(t, s)
	}
}

func FuzzParseRequestInt(f *testing.F) {
	for _, s := range []string{"0", "-12", "+5", "9223372036854775807", "1x"} {
		f.Add(s)
	}
	f.Fuzz(checkParseRequestInt)
}

func checkParseRequestInt(t *testing.T, s string) {
	got, ok := parseRequestInt([]byte(s))
	want, err := strconv.ParseInt(s, 10, 64)
	if len(s) > 20 { // longer lines are refused before any parsing
		err = strconv.ErrRange
	}
	if ok != (err == nil) || (ok && got != want) {
		t.Errorf("parseRequestInt(%q) = %d, %v; ParseInt gives %d, %v", s, got, ok, want, err)
	}
}

// ReadBuffered returns a request only when it is whole in the buffer, and leaves a partial one, an
// inline one or an empty buffer for Read.
func TestReadBufferedTakesOnlyWholeBufferedRequests(t *testing.T) {
	whole := "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	partial := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval"
	var limit atomic.Int64
	limit.Store(DefaultMaxBulkLen)
	r := NewReader(strings.NewReader(whole+partial), &limit)
	if _, ok := r.ReadBuffered(); ok {
		t.Fatal("ReadBuffered returned a request before anything was read from the connection")
	}
	if _, _, err := r.Ready(); err != nil { // fills the buffer
		t.Fatal(err)
	}
	args, ok := r.ReadBuffered()
	if !ok || len(args) != 2 || string(args[0]) != "GET" || string(args[1]) != "k" {
		t.Fatalf("ReadBuffered = %q, %v; want [GET k]", args, ok)
	}
	if _, ok := r.ReadBuffered(); ok {
		t.Fatal("ReadBuffered returned the partial SET")
	}
	if r.Buffered() != len(partial) {
		t.Errorf("%d bytes buffered after the partial request, want %d (nothing consumed)", r.Buffered(), len(partial))
	}
	inline := NewReader(strings.NewReader("PING\r\n"), &limit)
	inline.Ready()
	if _, ok := inline.ReadBuffered(); ok {
		t.Error("ReadBuffered took an inline request")
	}
	if args, err := inline.Read(); err != nil || string(args[0]) != "PING" {
		t.Errorf("Read after ReadBuffered = %q, %v", args, err)
	}
}
