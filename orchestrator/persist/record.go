package persist

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Version is the format version written in every file's header. A loader refuses other versions.
const Version = 1

// Magic strings open each kind of file.
const (
	SnapshotMagic = "SSRUNSNP"
	LogMagic      = "SSRUNAOF"
	headerSize    = 12
)

// Op is a record's operation.
type Op byte

// Record operations; the letters are part of the file format.
const (
	OpEntry  Op = 'E' // key and value
	OpDelete Op = 'D' // key
	OpRename Op = 'R' // source key, destination key
	OpFlush  Op = 'F' // no payload: every key removed
	OpEnd    Op = 'Z' // snapshot trailer: entry count, save time
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxHeaderLen bounds op + uvarint length.
const maxHeaderLen = 1 + binary.MaxVarintLen64

// Record is one encoded record ready to be written: its header and payload as segments (large values
// are referenced, not copied). Its checksum is computed as it is written, so building a record while a
// key's lock is held costs no pass over a large value. Records are immutable once built.
type Record struct {
	segs [][]byte
	size int
}

// Size is the number of bytes the record takes in a file.
func (r Record) Size() int { return r.size }

// WriteTo writes the record and its checksum.
func (r Record) WriteTo(w io.Writer) (int64, error) {
	var n int64
	var crc uint32
	for _, s := range r.segs {
		crc = crc32.Update(crc, castagnoli, s)
		m, err := w.Write(s)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	var tail [4]byte
	binary.LittleEndian.PutUint32(tail[:], crc)
	m, err := w.Write(tail[:])
	return n + int64(m), err
}

func frame(op Op, payload [][]byte, n int) Record {
	head := make([]byte, 0, maxHeaderLen)
	head = append(head, byte(op))
	head = binary.AppendUvarint(head, uint64(n))
	segs := make([][]byte, 0, len(payload)+1)
	segs = append(segs, head)
	segs = append(segs, payload...)
	return Record{segs: segs, size: len(head) + n + 4}
}

// EntryRecord is key's value.
func EntryRecord(key []byte, v Value) Record {
	var e encoder
	e.bytes(key)
	encodeValue(&e, v)
	return frame(OpEntry, e.segments(), e.n)
}

// DeleteRecord removes key.
func DeleteRecord(key []byte) Record {
	var e encoder
	e.bytes(key)
	return frame(OpDelete, e.segments(), e.n)
}

// RenameRecord moves src's value to dst.
func RenameRecord(src, dst []byte) Record {
	var e encoder
	e.bytes(src)
	e.bytes(dst)
	return frame(OpRename, e.segments(), e.n)
}

// FlushRecord removes every key.
func FlushRecord() Record { return frame(OpFlush, nil, 0) }

func endRecord(entries uint64, saved int64) Record {
	var e encoder
	e.uvarint(entries)
	e.uvarint(uint64(saved))
	return frame(OpEnd, e.segments(), e.n)
}

func header(magic string) []byte {
	return binary.LittleEndian.AppendUint32([]byte(magic), Version)
}

// FormatError says where a file stops making sense. Truncated is set when the file ends inside a
// record (a crash while writing), as opposed to bytes that are wrong.
type FormatError struct {
	File      string
	Offset    int64
	Msg       string
	Truncated bool
}

func (e *FormatError) Error() string {
	msg := e.Msg
	if e.Truncated && !strings.Contains(msg, "truncated") {
		msg += " (the file is truncated)"
	}
	return fmt.Sprintf("%s: offset %d: %s", e.File, e.Offset, msg)
}

// Change is one decoded record: an entry, a delete, a rename or a flush.
type Change struct {
	Op    Op
	Key   []byte // entry, delete; rename source
	Dst   []byte // rename destination
	Value Value  // entry
}

// reader reads framed records from a file of known size.
type reader struct {
	br   *bufio.Reader
	file string
	off  int64 // offset of the next unread byte
	size int64
}

func newReader(r io.Reader, file string, size int64) *reader {
	return &reader{br: bufio.NewReaderSize(r, int(min(max(size, 16), 1<<20))), file: file, size: size}
}

func (r *reader) errorf(off int64, truncated bool, format string, args ...any) *FormatError {
	return &FormatError{File: r.file, Offset: off, Msg: fmt.Sprintf(format, args...), Truncated: truncated}
}

// readHeader checks the magic and version.
func (r *reader) readHeader(magic, what string) error {
	var h [headerSize]byte
	n, err := io.ReadFull(r.br, h[:])
	r.off += int64(n)
	if err != nil {
		return r.errorf(0, true, "file ends inside the %d-byte header: not a complete ssrun %s", headerSize, what)
	}
	if string(h[:8]) != magic {
		return r.errorf(0, false, "not an ssrun %s (the file starts with %q, expected %q)", what, h[:8], magic)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != Version {
		return r.errorf(8, false, "format version %d, this ssrun reads version %d", v, Version)
	}
	return nil
}

// next returns the next record's op and payload, and the offset the record starts at. At a clean end
// of file it returns io.EOF.
func (r *reader) next() (Op, []byte, int64, error) {
	start := r.off
	op, err := r.br.ReadByte()
	if err == io.EOF {
		return 0, nil, start, io.EOF
	}
	if err != nil {
		return 0, nil, start, err
	}
	r.off++
	n, err := binary.ReadUvarint(r.br)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, start, r.errorf(start, true, "file ends inside a record header")
		}
		return 0, nil, start, r.errorf(start, false, "invalid record length")
	}
	r.off = start + 1 + int64(uvarintLen(n))
	if remaining := r.size - r.off; n > uint64(max(remaining, 0)) {
		return 0, nil, start, r.errorf(start, true, "record of %d bytes runs past the end of the file (%d bytes left)", n, remaining)
	}
	buf := make([]byte, int(n)+4)
	m, err := io.ReadFull(r.br, buf)
	r.off += int64(m)
	if err != nil {
		return 0, nil, start, r.errorf(start, true, "file ends inside a record")
	}
	payload := buf[:n:n]
	var head [maxHeaderLen]byte
	h := append(head[:0], op)
	h = binary.AppendUvarint(h, n)
	crc := crc32.Update(crc32.Update(0, castagnoli, h), castagnoli, payload)
	if got := binary.LittleEndian.Uint32(buf[n:]); got != crc {
		return 0, nil, start, r.errorf(start, false, "record checksum mismatch (stored %08x, computed %08x): the file is corrupt", got, crc)
	}
	return Op(op), payload, start, nil
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

// decodeChange decodes a change record's payload.
func decodeChange(op Op, payload []byte) (Change, error) {
	d := &decoder{b: payload}
	c := Change{Op: op}
	switch op {
	case OpEntry:
		c.Key = d.bytes()
		if d.err == nil {
			var err error
			if c.Value, err = decodeValue(d); err != nil && d.err == nil {
				d.err = err
			}
		}
	case OpDelete:
		c.Key = d.bytes()
	case OpRename:
		c.Key, c.Dst = d.bytes(), d.bytes()
	case OpFlush:
	default:
		return c, fmt.Errorf("unknown record type %q", byte(op))
	}
	return c, d.end()
}
