package orchestrator

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// Limits Redis applies to a request's framing. Before a client authenticates, Redis accepts only small
// requests so that an unauthenticated peer cannot make the server allocate much; we do the same.
const (
	maxInlineLen          = 64 * 1024 // longest inline command or "*n"/"$n" header line
	maxUnauthMultibulk    = 10        // arguments per request before AUTH
	maxUnauthBulkLen      = 16384     // bytes per argument before AUTH
	maxMultibulkLen       = 1024 * 1024 * 1024
	defaultMaxBulkLen     = 512 * 1024 * 1024
	readBufferSize        = 64 * 1024
	largeArgumentOverhead = 2 // the CRLF after each bulk
)

// protocolError is a malformed request. The connection answers "-ERR Protocol error: <msg>" and is
// closed, as Redis does; other connections are unaffected.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "Protocol error: " + e.msg }

// requestReader parses RESP2 multibulk requests and inline commands from one connection. Every argument
// after the command name is a fresh allocation owned by the caller, so handlers may keep argument slices
// as stored values without copying them again. The argument array and the command name are fresh too,
// unless the server released an earlier request's (see release), which it does only after commands
// that keep neither.
type requestReader struct {
	br *bufio.Reader
	// maxBulk is the largest argument accepted (proto-max-bulk-len); CONFIG SET changes it for every
	// connection at once.
	maxBulk *atomic.Int64
	// authenticated lifts the pre-AUTH limits.
	authenticated bool
	// spare is a released request's argument array, reused by the next request (see release): with
	// the command name, it is the per-request allocation GET and SET need beyond their key and value,
	// and it holds pointers, the most expensive kind to allocate.
	spare [][]byte
	// nameBuf holds the command name of multibulk requests while nameFree says no request holds it;
	// a request that is never released (queued by MULTI) keeps it, and the next one gets a new buffer.
	nameBuf  []byte
	nameFree bool
}

// nameBufSize fits every command name (the longest, with its CRLF, is under 32 bytes).
const nameBufSize = 32

// release hands back a request's argument array and its command-name buffer once the command has
// run, for the next request to reuse. The caller guarantees that nothing kept either (the other
// arguments may have been kept: they are not reused).
func (r *requestReader) release(args [][]byte) {
	if len(args) == 0 || cap(args) > 64 {
		return
	}
	if cap(args[0]) > 0 && cap(r.nameBuf) > 0 && unsafe.SliceData(args[0]) == unsafe.SliceData(r.nameBuf) {
		r.nameFree = true
	}
	clear(args) // drop the references to arguments that were kept as values
	r.spare = args[:0]
}

func newRequestReader(r io.Reader, maxBulk *atomic.Int64) *requestReader {
	return &requestReader{br: bufio.NewReaderSize(r, readBufferSize), maxBulk: maxBulk}
}

// Buffered reports whether more request bytes are already waiting: the server flushes replies only when
// none are, so a pipeline is answered with one write.
func (r *requestReader) Buffered() int { return r.br.Buffered() }

// Read returns the next request's arguments. Empty requests ("*0", blank inline lines) are skipped.
// I/O errors are returned as they are; malformed input gives a *protocolError.
func (r *requestReader) Read() ([][]byte, error) {
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
func (r *requestReader) readLine(tooBig string) ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, &protocolError{tooBig}
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

func (r *requestReader) readMultibulk() ([][]byte, error) {
	line, err := r.readLine("too big mbulk count string")
	if err != nil {
		return nil, err
	}
	count, ok := parseRequestInt(line[1:])
	if !ok || count > maxMultibulkLen {
		return nil, &protocolError{"invalid multibulk length"}
	}
	if !r.authenticated && count > maxUnauthMultibulk {
		return nil, &protocolError{"unauthenticated multibulk length"}
	}
	if count <= 0 {
		return nil, nil
	}
	var args [][]byte
	if int64(cap(r.spare)) >= count {
		args, r.spare = r.spare[:0], nil
	} else {
		// Cap the up-front allocation: the count is only a claim until the arguments arrive.
		args = make([][]byte, 0, min(count, 1024))
	}
	for i := int64(0); i < count; i++ {
		var reuse []byte
		if i == 0 {
			if !r.nameFree {
				r.nameBuf = make([]byte, nameBufSize)
			}
			reuse, r.nameFree = r.nameBuf, false
		}
		arg, err := r.readBulk(reuse)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
}

// readBulk reads one "$n" argument, into reuse when it is large enough, else into a new slice.
func (r *requestReader) readBulk(reuse []byte) ([]byte, error) {
	line, err := r.readLine("too big bulk count string")
	if err != nil {
		return nil, err
	}
	if len(line) == 0 || line[0] != '$' {
		got := "\\x00"
		if len(line) > 0 {
			got = string(line[:1])
		}
		return nil, &protocolError{"expected '$', got '" + got + "'"}
	}
	size, ok := parseRequestInt(line[1:])
	if !ok || size < 0 || size > r.maxBulk.Load() {
		return nil, &protocolError{"invalid bulk length"}
	}
	if !r.authenticated && size > maxUnauthBulkLen {
		return nil, &protocolError{"unauthenticated bulk length"}
	}
	var arg []byte
	if n := int(size) + largeArgumentOverhead; n <= cap(reuse) {
		arg = reuse[:n]
		_, err = io.ReadFull(r.br, arg)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
	} else {
		arg, err = r.readExactly(n)
	}
	if err != nil {
		return nil, err
	}
	if arg[size] != '\r' || arg[size+1] != '\n' {
		return nil, &protocolError{"invalid bulk length"}
	}
	return arg[:size:size], nil
}

// upfrontLimit is the largest argument buffer allocated before its bytes arrive. Larger arguments grow
// as data comes in, so a header claiming 512 MiB costs nothing until the client actually sends it.
const upfrontLimit = 16 << 20

// readExactly reads n bytes into a new slice.
func (r *requestReader) readExactly(n int) ([]byte, error) {
	buf := make([]byte, min(n, upfrontLimit))
	for filled := 0; ; {
		m, err := io.ReadFull(r.br, buf[filled:])
		filled += m
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return nil, err
		}
		if filled == n {
			return buf, nil
		}
		grown := make([]byte, min(n, 2*len(buf)))
		copy(grown, buf)
		buf = grown
	}
}

func (r *requestReader) readInline() ([][]byte, error) {
	line, err := r.readLine("too big inline request")
	if err != nil {
		return nil, err
	}
	args, ok := splitInlineArgs(line)
	if !ok {
		return nil, &protocolError{"unbalanced quotes in request"}
	}
	return args, nil
}

// parseRequestInt parses a decimal length as Redis's string2ll does (optional '-', digits only).
func parseRequestInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// splitInlineArgs splits an inline command line the way Redis's sdssplitargs does: whitespace separates
// arguments; "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes' understand \'.
// A closing quote must be followed by whitespace or the end of the line.
func splitInlineArgs(line []byte) ([][]byte, bool) {
	var args [][]byte
	p := 0
	for {
		for p < len(line) && isInlineSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return args, true
		}
		var cur []byte
		inDouble, inSingle, done := false, false, false
		for !done {
			if inDouble {
				if p >= len(line) {
					return nil, false
				}
				c := line[p]
				switch {
				case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					cur = append(cur, hexVal(line[p+2])<<4|hexVal(line[p+3]))
					p += 3
				case c == '\\' && p+1 < len(line):
					p++
					cur = append(cur, unescapeInline(line[p]))
				case c == '"':
					if p+1 < len(line) && !isInlineSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			} else if inSingle {
				if p >= len(line) {
					return nil, false
				}
				c := line[p]
				switch {
				case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if p+1 < len(line) && !isInlineSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			} else {
				if p >= len(line) {
					break
				}
				switch c := line[p]; {
				case isInlineSpace(c):
					done = true
				case c == '"':
					inDouble = true
				case c == '\'':
					inSingle = true
				default:
					cur = append(cur, c)
				}
			}
			if p < len(line) {
				p++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		args = append(args, cur)
	}
}

func isInlineSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0 || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return bytes.IndexByte([]byte("0123456789abcdefABCDEF"), c) >= 0
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func unescapeInline(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	default:
		return c
	}
}
