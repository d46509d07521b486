package resp

import "bytes"

// maxBufferedArgs is the most arguments readBuffered takes; longer requests (MSET of many keys) go
// the general way.
const maxBufferedArgs = 16

// readBuffered parses a multibulk request that is already whole in the read buffer, the case of every
// pipelined request but the last of a batch, by scanning the buffer once instead of reading it line by
// line through bufio. It takes only well-formed requests within every limit, ending their lines with
// CRLF; for anything else (incomplete, malformed, refused, or over maxBufferedArgs arguments) it
// consumes nothing and reports false, and readMultibulk's general path reads the request and gives
// its exact error. The arguments are what the general path would return: the command name in the
// reusable name buffer, every other argument in a buffer of its own at exactly its size.
func (r *Reader) readBuffered() ([][]byte, bool) {
	buf, _ := r.br.Peek(r.br.Buffered())
	count, pos, ok := bufferedLength(buf, 0, '*')
	if !ok || count <= 0 || count > maxBufferedArgs || (!r.authenticated && count > maxUnauthMultibulk) {
		return nil, false
	}
	var spans [maxBufferedArgs]struct{ from, to int }
	maxBulk := r.maxBulk.Load()
	for i := range int(count) {
		n, at, ok := bufferedLength(buf, pos, '$')
		if !ok || n < 0 || n > maxBulk || (!r.authenticated && n > maxUnauthBulkLen) {
			return nil, false
		}
		end := at + int(n)
		if end+crlfLen > len(buf) || buf[end] != '\r' || buf[end+1] != '\n' {
			return nil, false
		}
		spans[i].from, spans[i].to = at, end
		pos = end + crlfLen
	}
	args := r.argsArray(count)
	for i, span := range spans[:count] {
		args = append(args, r.argBuffer(i == 0, span.to-span.from))
		copy(args[i], buf[span.from:span.to])
	}
	r.br.Discard(pos)
	return args, true
}

// ReadBuffered returns the next request when it is a multibulk request already whole in the buffer,
// without reading the connection; false leaves everything buffered for Ready and Read. An event loop
// answering a pipeline parses each request once this way, instead of framing it (Ready) and then
// parsing it (Read).
func (r *Reader) ReadBuffered() ([][]byte, bool) {
	if r.br.Buffered() == 0 {
		return nil, false
	}
	if first, _ := r.br.Peek(1); first[0] != '*' {
		return nil, false
	}
	return r.readBuffered()
}

// argBuffer returns the buffer of an n-byte argument: for the command name, the name buffer when it
// fits (the general path's rule), else a new one from the allocator.
func (r *Reader) argBuffer(name bool, n int) []byte {
	if name {
		if buf := r.takeNameBuf(); n+crlfLen <= cap(buf) {
			return buf[:n:n]
		}
	}
	return r.newArg(n)
}

// bufferedLength parses the line "<prefix><integer>\r\n" at buf[from:] and returns the integer and
// where the next line starts; ok is false when the line is not all there or not of that form.
func bufferedLength(buf []byte, from int, prefix byte) (n int64, next int, ok bool) {
	if from >= len(buf) || buf[from] != prefix {
		return 0, 0, false
	}
	end := bytes.IndexByte(buf[from:], '\n')
	if end < 2 || buf[from+end-1] != '\r' {
		return 0, 0, false
	}
	n, ok = parseRequestInt(buf[from+1 : from+end-1])
	return n, from + end + 1, ok
}
