package runtime

import (
	"bufio"
	"encoding/json"
	"strings"
)

// manifestStream writes the manifest as it encodes it: one entry at a time through a buffered writer,
// so a rewrite holds one member's entry in memory, never the document of 100,000 members. The layout is
// json.MarshalIndent's with a two-space indent (objects' keys in the order written, which the callers
// keep sorted as MarshalIndent sorts map keys), so the file reads as it always has.
type manifestStream struct {
	w     *bufio.Writer
	depth int
	first []bool // per open container: no element written yet
	err   error
}

func newManifestStream(w *bufio.Writer) *manifestStream { return &manifestStream{w: w} }

func (s *manifestStream) indent() string { return strings.Repeat("  ", s.depth) }

// open starts an object ('{') or an array ('[') as the next value.
func (s *manifestStream) open(bracket byte) {
	s.write(string(bracket))
	s.depth++
	s.first = append(s.first, true)
}

// close ends the innermost container; an empty one stays on one line, as MarshalIndent writes it.
func (s *manifestStream) close(bracket byte) {
	empty := s.first[len(s.first)-1]
	s.first = s.first[:len(s.first)-1]
	s.depth--
	if !empty {
		s.write("\n" + s.indent())
	}
	s.write(string(bracket))
}

// next starts an element of the innermost container: the separator and the indent.
func (s *manifestStream) next() {
	top := len(s.first) - 1
	if !s.first[top] {
		s.write(",")
	}
	s.first[top] = false
	s.write("\n" + s.indent())
}

// key starts a member of the innermost object.
func (s *manifestStream) key(k string) {
	s.next()
	s.value(k)
	s.write(": ")
}

// value writes v, indented for where it stands.
func (s *manifestStream) value(v any) {
	if s.err != nil {
		return
	}
	data, err := json.MarshalIndent(v, s.indent(), "  ")
	if err != nil {
		s.err = err
		return
	}
	_, s.err = s.w.Write(data)
}

// field writes one member of the innermost object.
func (s *manifestStream) field(k string, v any) {
	s.key(k)
	s.value(v)
}

// raw writes bytes that are already a JSON value.
func (s *manifestStream) raw(write func(*bufio.Writer) error) {
	if s.err == nil {
		s.err = write(s.w)
	}
}

func (s *manifestStream) write(text string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(text)
	}
}
