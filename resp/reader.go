package resp

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// DefaultMaxBulkLen is Redis's default proto-max-bulk-len (512 MiB), also the largest a server accepts.
const DefaultMaxBulkLen = 512 * 1024 * 1024

// Limits Redis applies to a request's framing. Before a client authenticates, Redis accepts only small
// requests so that an unauthenticated peer cannot make the server allocate much; we do the same.
const (
	maxInlineLen       = 64 * 1024 // longest inline command or "*n"/"$n" header line
	maxUnauthMultibulk = 10        // arguments per request before AUTH
	maxUnauthBulkLen   = 16384     // bytes per argument before AUTH
	maxMultibulkLen    = 1024 * 1024 * 1024
	readBufferSize     = maxInlineLen // a longer line fills the buffer and is refused
	crlfLen            = 2            // the CRLF after each bulk
)

// ProtocolError is a malformed request. A server answers "-ERR Protocol error: <msg>" and closes the
// connection, as Redis does; other connections are unaffected.
type ProtocolError struct{ msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.msg }

// Reader parses RESP2 multibulk requests and inline commands from one connection. Every argument
// after the command name is a fresh allocation owned by the caller, so handlers may keep argument slices
// as stored values without copying them again. The argument array and the command name are fresh too,
// unless the caller released an earlier request's (see Release), which it does only after commands
// that keep neither.
type Reader struct {
	br *bufio.Reader
	// src is what br reads from: the rest of a large argument is read from it straight into the
	// argument once br holds nothing more (see readFull).
	src io.Reader
	// maxBulk is the largest argument accepted (proto-max-bulk-len); CONFIG SET changes it for every
	// connection at once.
	maxBulk *atomic.Int64
	// authenticated lifts the pre-AUTH limits (SetAuthenticated).
	authenticated bool
	// spare is a released request's argument array, reused by the next request (see Release): with
	// the command name, it is the per-request allocation GET and SET need beyond their key and value,
	// and it holds pointers, the most expensive kind to allocate.
	spare [][]byte
	// nameBuf holds the command name of multibulk requests while nameFree says no request holds it;
	// a request that is never released (queued by MULTI) keeps it, and the next one gets a new buffer.
	nameBuf  []byte
	nameFree bool
	// alloc gives the buffer of a new argument (SetArgAlloc); its contents need not be zero, every
	// byte is read into before the argument is returned.
	alloc func(n int) []byte
}

// nameBufSize fits every command name (the longest, with its CRLF, is under 32 bytes).
const nameBufSize = 32

// Release hands back a request's argument array and its command-name buffer once the command has
// run, for the next request to reuse. The caller guarantees that nothing kept either (the other
// arguments may have been kept: they are not reused).
func (r *Reader) Release(args [][]byte) {
	if len(args) == 0 || cap(args) > 64 {
		return
	}
	if cap(args[0]) > 0 && cap(r.nameBuf) > 0 && unsafe.SliceData(args[0]) == unsafe.SliceData(r.nameBuf) {
		r.nameFree = true
	}
	clear(args) // drop the references to arguments that were kept as values
	r.spare = args[:0]
}

// NewReader reads requests from r, refusing arguments longer than maxBulk (which the caller may change
// at any time, for every reader sharing it). A new reader applies the pre-AUTH limits.
func NewReader(r io.Reader, maxBulk *atomic.Int64) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readBufferSize), src: r, maxBulk: maxBulk}
}

// SetArgAlloc makes alloc the source of new argument buffers instead of make: the server hands out
// the memory of values it dropped unread (orchestrator's Keyspace.ArgBuffer). alloc(n) must return
// n bytes of length and capacity n that nothing else references.
func (r *Reader) SetArgAlloc(alloc func(n int) []byte) { r.alloc = alloc }

// SetAuthenticated lifts (true) or restores (false) the limits Redis applies before AUTH: ten
// arguments of 16 KiB at most per multibulk request.
func (r *Reader) SetAuthenticated(ok bool) { r.authenticated = ok }

// Buffered reports whether more request bytes are already waiting: the server flushes replies only when
// none are, so a pipeline is answered with one write.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// Read returns the next request's arguments. Empty requests ("*0", blank inline lines) are skipped.
// I/O errors are returned as they are; malformed input gives a *ProtocolError.
func (r *Reader) Read() ([][]byte, error) {
	for {
		first, err := r.br.Peek(1)
		if err != nil {
			return nil, err
		}
		var args [][]byte
		if first[0] == '*' {
			args, err = r.readMultibulk()
		} else {
			args, err = r.readInline()
		}
		if err != nil {
			return nil, err
		}
		if len(args) > 0 {
			return args, nil
		}
	}
}

// readLine returns one CRLF- (or LF-) terminated line without its terminator. The slice is only valid
// until the next read.
func (r *Reader) readLine(tooBig string) ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, &ProtocolError{tooBig}
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func (r *Reader) readMultibulk() ([][]byte, error) {
	if args, ok := r.readBuffered(); ok {
		return args, nil
	}
	line, err := r.readLine("too big mbulk count string")
	if err != nil {
		return nil, err
	}
	count, ok := parseRequestInt(line[1:])
	if !ok || count > maxMultibulkLen {
		return nil, &ProtocolError{"invalid multibulk length"}
	}
	if !r.authenticated && count > maxUnauthMultibulk {
		return nil, &ProtocolError{"unauthenticated multibulk length"}
	}
	if count <= 0 {
		return nil, nil
	}
	args := r.argsArray(count)
	for i := int64(0); i < count; i++ {
		var reuse []byte
		if i == 0 {
			reuse = r.takeNameBuf()
		}
		arg, err := r.readBulk(reuse)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
}

// argsArray returns an empty argument array for count arguments: the released one when it is large
// enough, else a new one, whose up-front size is capped since the count is only a claim until the
// arguments arrive.
func (r *Reader) argsArray(count int64) [][]byte {
	if int64(cap(r.spare)) >= count {
		args := r.spare[:0]
		r.spare = nil
		return args
	}
	return make([][]byte, 0, min(count, 1024))
}

// takeNameBuf returns the buffer for a request's command name, taken until Release gives it back
// (a new one when the last request still holds it).
func (r *Reader) takeNameBuf() []byte {
	if !r.nameFree {
		r.nameBuf = make([]byte, nameBufSize)
	}
	r.nameFree = false
	return r.nameBuf
}

// newArg returns the buffer of a new n-byte argument, from the allocator when one is set.
func (r *Reader) newArg(n int) []byte {
	if r.alloc != nil {
		return r.alloc(n)
	}
	return make([]byte, n)
}

// readBulk reads one "$n" argument, into reuse when it is large enough, else into a new slice.
func (r *Reader) readBulk(reuse []byte) ([]byte, error) {
	line, err := r.readLine("too big bulk count string")
	if err != nil {
		return nil, err
	}
	if len(line) == 0 || line[0] != '$' {
		got := "\\x00"
		if len(line) > 0 {
			got = string(line[:1])
		}
		return nil, &ProtocolError{"expected '$', got '" + got + "'"}
	}
	size, ok := parseRequestInt(line[1:])
	if !ok || size < 0 || size > r.maxBulk.Load() {
		return nil, &ProtocolError{"invalid bulk length"}
	}
	if !r.authenticated && size > maxUnauthBulkLen {
		return nil, &ProtocolError{"unauthenticated bulk length"}
	}
	if n := int(size) + crlfLen; n <= cap(reuse) {
		arg := reuse[:n]
		if _, err := io.ReadFull(r.br, arg); err != nil {
			return nil, eofOf(err)
		}
		if arg[size] != '\r' || arg[size+1] != '\n' {
			return nil, &ProtocolError{"invalid bulk length"}
		}
		return arg[:size:size], nil
	}
	// A new argument is allocated at exactly its size and its CRLF read apart: a stored value of
	// 4 KiB then takes 4 KiB of heap, where 4 KiB + 2 would round up to Go's 4,864-byte size class (and
	// 64 KiB + 2 to a 17th page), memory a database pays for every value it keeps.
	arg, err := r.readExactly(int(size))
	if err != nil {
		return nil, err
	}
	if err := r.readCRLF(); err != nil {
		return nil, err
	}
	return arg, nil
}

// readCRLF consumes the CRLF that ends a bulk argument.
func (r *Reader) readCRLF() error {
	end, err := r.br.Peek(crlfLen)
	if err != nil {
		return eofOf(err)
	}
	if end[0] != '\r' || end[1] != '\n' {
		return &ProtocolError{"invalid bulk length"}
	}
	_, err = r.br.Discard(crlfLen)
	return err
}

// eofOf reports a request cut short as io.EOF, the way a peer that left is reported.
func eofOf(err error) error {
	if err == io.ErrUnexpectedEOF {
		return io.EOF
	}
	return err
}

// upfrontLimit is the largest argument buffer allocated before its bytes arrive. Larger arguments grow
// as data comes in, so a header claiming 512 MiB costs nothing until the client actually sends it.
const upfrontLimit = 16 << 20

// directReadMin is the shortest remainder of an argument read from the connection straight into the
// argument rather than through the request buffer: below it, one buffered read may also bring the
// next pipelined request; above it, the copy out of the buffer costs more than it saves.
const directReadMin = 8 << 10

// readFull fills p: first with what the request buffer holds, then, for a long remainder, by reading
// the connection directly into p (a 64 KiB value is copied once, by the kernel, as redis-server reads
// a large argument straight into the value it keeps).
func (r *Reader) readFull(p []byte) error {
	for len(p) > 0 {
		var m int
		var err error
		if r.br.Buffered() > 0 || len(p) < directReadMin {
			m, err = r.br.Read(p)
		} else {
			m, err = r.src.Read(p)
		}
		p = p[m:]
		if err != nil && (len(p) > 0 || err != io.EOF) {
			return eofOf(err)
		}
	}
	return nil
}

// readExactly reads n bytes into a new slice.
func (r *Reader) readExactly(n int) ([]byte, error) {
	buf := r.newArg(min(n, upfrontLimit))
	for filled := 0; ; {
		if err := r.readFull(buf[filled:]); err != nil {
			return nil, err
		}
		filled = len(buf)
		if filled == n {
			return buf, nil
		}
		grown := make([]byte, min(n, 2*len(buf)))
		copy(grown, buf)
		buf = grown
	}
}

func (r *Reader) readInline() ([][]byte, error) {
	line, err := r.readLine("too big inline request")
	if err != nil {
		return nil, err
	}
	args, ok := SplitInline(line)
	if !ok {
		return nil, &ProtocolError{"unbalanced quotes in request"}
	}
	return args, nil
}

// parseRequestInt parses a request's decimal length (an optional sign, then digits) as
// strconv.ParseInt(b, 10, 64) does. Every request line has one or more, so lengths of up to 18 digits,
// which cannot overflow, are parsed here without ParseInt's generality.
func parseRequestInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	digits := b
	if c := digits[0]; c == '-' || c == '+' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if b[0] == '-' {
		n = -n
	}
	return n, true
}

// Ready reports whether the bytes already buffered hold a whole request, so that Read will not need
// the connection. tooLarge says the request in front cannot fit in the buffer at all: only a Read
// that waits on the connection can take it. Malformed framing counts as ready: Read reports it. Ready
// never consumes anything; it may read the connection once to fill the buffer, and the error of that
// read, if any, is returned.
func (r *Reader) Ready() (ready, tooLarge bool, err error) {
	if r.br.Buffered() == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return false, false, err
		}
	}
	buf, _ := r.br.Peek(r.br.Buffered())
	ready, tooLarge = r.framed(buf)
	if !ready && !tooLarge && r.br.Buffered() < r.br.Size() {
		// More may already be waiting: one read to fill the buffer before the caller waits.
		if _, err := r.br.Peek(r.br.Buffered() + 1); err != nil {
			return false, false, err
		}
		buf, _ = r.br.Peek(r.br.Buffered())
		ready, tooLarge = r.framed(buf)
	}
	return ready, tooLarge, nil
}

// framed reports whether buf starts with a whole request or with something Read refuses as soon as it
// sees it (bad framing, or a length over the limits before or after AUTH), and whether the request in
// front is longer than the read buffer.
func (r *Reader) framed(buf []byte) (whole, tooLarge bool) {
	size := r.br.Size()
	if len(buf) == 0 {
		return false, false
	}
	line := func(from int) (int64, int, bool) { // the integer after a prefix byte, and where the next line starts
		end := bytes.IndexByte(buf[from:], '\n')
		if end < 0 {
			return 0, 0, false
		}
		text := buf[from+1 : from+end]
		if n := len(text); n > 0 && text[n-1] == '\r' {
			text = text[:n-1]
		}
		v, ok := parseRequestInt(text)
		if !ok {
			v = -1
		}
		return v, from + end + 1, true
	}
	if buf[0] != '*' {
		return bytes.IndexByte(buf, '\n') >= 0 || len(buf) >= size, false
	}
	count, pos, ok := line(0)
	if !ok {
		return len(buf) >= size, false
	}
	if count <= 0 || count > maxMultibulkLen || (!r.authenticated && count > maxUnauthMultibulk) {
		return true, false // empty, or refused by Read
	}
	for i := int64(0); i < count; i++ {
		if pos >= len(buf) {
			return false, pos >= size
		}
		if buf[pos] != '$' {
			return true, false // Read refuses it
		}
		n, next, ok := line(pos)
		if !ok { // a header line longer than the buffer is refused by Read
			return len(buf) >= size, false
		}
		if n < 0 || n > r.maxBulk.Load() || (!r.authenticated && n > maxUnauthBulkLen) {
			return true, false // refused by Read
		}
		pos = next + int(n) + crlfLen
		if pos > size {
			return false, true
		}
	}
	return pos <= len(buf), false
}
