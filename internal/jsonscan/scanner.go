// Package jsonscan walks JSON text in place, for readers that need a few fields of a large document
// (the jobs of a 100,000-member manifest, the fields of a journal line) and pass over the rest. A value
// it passes over is still checked to be well-formed JSON, so text this scanner accepts whole is text
// encoding/json accepts (the package's tests and fuzz target hold it to json.Valid).
//
// It does not decode. A string comes back as its raw bytes with a flag saying whether it is plain
// (printable ASCII without escapes, hence its own value); the caller hands any other string to
// encoding/json, which stays the authority on what a value means. Errors are sticky and carry no
// message: a reader that meets one falls back to encoding/json for the whole input, which gives the
// error its user-facing words.
package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
)

// maxDepth bounds nesting (encoding/json allows 10,000); deeper input is refused here, and the
// caller's encoding/json fallback decides.
const maxDepth = 1000

// Scanner is a cursor over one JSON text. The zero value is not usable; New makes one.
type Scanner struct {
	data []byte
	pos  int
	bad  bool
}

// New returns a scanner at the start of data.
func New(data []byte) *Scanner { return &Scanner{data: data} }

// Reset points s at the start of data.
func (s *Scanner) Reset(data []byte) { *s = Scanner{data: data} }

// Failed reports whether the text seen so far is not JSON, or not what the caller expected.
func (s *Scanner) Failed() bool { return s.bad }

// Fail marks the text as unusable: a caller that found a value of a type it does not handle.
func (s *Scanner) Fail() { s.bad = true; s.pos = len(s.data) }

// Pos is the offset of the next unread byte.
func (s *Scanner) Pos() int { return s.pos }

// Data is the text being scanned.
func (s *Scanner) Data() []byte { return s.data }

const spaces = 0x2020202020202020

// space skips JSON whitespace. A pretty-printed manifest is a third indentation: a run of spaces is
// passed eight bytes at a time, its end found by the first byte that differs.
func (s *Scanner) space() {
	d, i := s.data, s.pos
	for i < len(d) {
		switch d[i] {
		case ' ', '\n', '\t', '\r':
			i++
		default:
			s.pos = i
			return
		}
		for i+8 <= len(d) {
			if x := binary.LittleEndian.Uint64(d[i:]) ^ spaces; x != 0 {
				i += bits.TrailingZeros64(x) / 8
				break
			}
			i += 8
		}
	}
	s.pos = i
}

// Peek returns the next byte that is not whitespace, 0 at the end or after a failure.
func (s *Scanner) Peek() byte {
	if s.bad {
		return 0
	}
	s.space()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// Done reports whether only whitespace is left (and nothing failed).
func (s *Scanner) Done() bool {
	if s.bad {
		return false
	}
	s.space()
	return s.pos == len(s.data)
}

// expect consumes c (after whitespace) or fails.
func (s *Scanner) expect(c byte) {
	if s.Peek() != c {
		s.Fail()
		return
	}
	s.pos++
}

// Null consumes a null literal if one is next.
func (s *Scanner) Null() bool {
	if s.Peek() != 'n' {
		return false
	}
	s.literal("null")
	return !s.bad
}

func (s *Scanner) literal(word string) {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		s.Fail()
		return
	}
	s.pos += len(word)
}

// Object consumes the '{' of an object; false (and failed) if the next value is not one.
func (s *Scanner) Object() bool {
	s.expect('{')
	return !s.bad
}

// Key reads the separator and key of an object's next member and leaves the scanner at its value;
// ok is false at the closing brace (consumed) or on a failure. *more starts false for each object.
func (s *Scanner) Key(more *bool) (key []byte, plain, ok bool) {
	switch s.Peek() {
	case '}':
		s.pos++
		return nil, false, false
	case ',':
		if !*more {
			s.Fail()
			return nil, false, false
		}
		s.pos++
		s.space()
	default:
		if *more {
			s.Fail()
			return nil, false, false
		}
	}
	*more = true
	key, plain = s.String()
	s.expect(':')
	return key, plain, !s.bad
}

// Array consumes the '[' of an array; false (and failed) if the next value is not one.
func (s *Scanner) Array() bool {
	s.expect('[')
	return !s.bad
}

// Elem reads the separator before an array's next element and leaves the scanner at it; false at the
// closing bracket (consumed) or on a failure. *more starts false for each array.
func (s *Scanner) Elem(more *bool) bool {
	switch s.Peek() {
	case ']':
		s.pos++
		return false
	case ',':
		if !*more {
			s.Fail()
			return false
		}
		s.pos++
	case 0:
		s.Fail()
		return false
	default:
		if *more {
			s.Fail()
			return false
		}
	}
	*more = true
	return true
}

// String reads a string and returns the bytes between its quotes; plain means they hold no escape and
// no byte outside printable ASCII, so they are the string's value. Anything else fails.
func (s *Scanner) String() (raw []byte, plain bool) {
	if s.Peek() != '"' {
		s.Fail()
		return nil, false
	}
	start := s.pos + 1
	end, plain, ok := scanString(s.data, start)
	if !ok {
		s.Fail()
		return nil, false
	}
	s.pos = end + 1
	return s.data[start:end], plain
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanString finds the closing quote of the string whose contents start at i. Eight bytes at a time:
// the lowest byte flagged as a quote, a backslash, a control character or non-ASCII is the first such
// byte (a borrow only runs upwards from a byte that is flagged itself).
func scanString(d []byte, i int) (end int, plain, ok bool) {
	plain = true
	for {
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			q := x ^ (lsb * '"')
			b := x ^ (lsb * '\\')
			if m := ((x - lsb*0x20) | (q - lsb) | (b - lsb) | x) & msb; m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i >= len(d) {
			return 0, false, false
		}
		switch c := d[i]; {
		case c == '"':
			return i, plain, true
		case c == '\\':
			plain = false
			if i+1 >= len(d) {
				return 0, false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		case c >= 0x80:
			plain = false // encoding/json takes any bytes here (invalid UTF-8 becomes U+FFFD)
			i++
		default:
			i++
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// Number reads a number and returns its text; anything that is not a JSON number fails.
func (s *Scanner) Number() []byte {
	if s.bad {
		return nil
	}
	s.space()
	d, i := s.data, s.pos
	start := i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	default:
		s.Fail()
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			s.Fail()
			return nil
		}
		for ; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.Fail()
			return nil
		}
		for ; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	s.pos = i
	return d[start:i]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Skip passes over the next value, checking that it is well-formed.
func (s *Scanner) Skip() { s.skip(0) }

func (s *Scanner) skip(depth int) {
	if depth > maxDepth {
		s.Fail()
		return
	}
	switch s.Peek() {
	case '"':
		s.String()
	case '{':
		s.pos++
		more := false
		for {
			if _, _, ok := s.Key(&more); !ok {
				return
			}
			s.skip(depth + 1)
		}
	case '[':
		s.pos++
		more := false
		for s.Elem(&more) {
			s.skip(depth + 1)
		}
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.Number()
	}
}

// Raw passes over the next value and returns its text, for a caller that hands it to encoding/json.
func (s *Scanner) Raw() []byte {
	s.space()
	start := s.pos
	s.Skip()
	if s.bad {
		return nil
	}
	return s.data[start:s.pos]
}

// Text is a string's value: the raw bytes themselves when plain, else what encoding/json decodes
// (escapes resolved, invalid UTF-8 replaced), so every reader agrees with encoding/json's.
func Text(raw []byte, plain bool) string {
	if plain {
		return string(raw)
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var v string
	if err := json.Unmarshal(quoted, &v); err != nil {
		return string(raw) // unreachable: String checked the escapes
	}
	return v
}

// StringValue reads a string or null (ok with null true); any other value fails.
func (s *Scanner) StringValue() (raw []byte, plain, null bool) {
	if s.Null() {
		return nil, true, true
	}
	raw, plain = s.String()
	return raw, plain, false
}

// Fields reads the object in front as encoding/json fills a struct whose fields are names (at most
// 64): for each key index gives the position of in names (-1 for a key the struct lacks, which is
// passed over), and value reads the value of names[i]. False, for the caller to use encoding/json
// instead, when its rules are not those of a plain reading: an escaped key, a key that matches a name
// only in another case, a repeated key; and when the object is malformed or value returns false.
func (s *Scanner) Fields(names []string, index func(key []byte) int, value func(i int) bool) bool {
	if !s.Object() {
		return false
	}
	var seen uint64
	more := false
	for {
		key, plain, ok := s.Key(&more)
		if !ok {
			return !s.bad
		}
		if !plain {
			return false
		}
		i := index(key)
		if i < 0 {
			for _, name := range names {
				if FoldEqual(key, name) {
					return false
				}
			}
			s.Skip()
			continue
		}
		if seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if !value(i) || s.bad {
			return false
		}
	}
}

// FoldEqual reports whether a plain key equals name in another case, as encoding/json matches a
// struct field's name (for ASCII; a key that is not plain is the caller's to decline).
func FoldEqual(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(key); i++ {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// Int is the value of a number read by Number as encoding/json reads one into an int, when it is an
// integer of at most 18 digits; false for a fraction, an exponent or a longer one (the caller's
// encoding/json fallback decides those).
func Int(num []byte) (int, bool) {
	neg := len(num) > 0 && num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
