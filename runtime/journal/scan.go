package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/ssrun/ssrun/internal/jsonscan"
)

// The journal's reader scans each line in place (package jsonscan) for the fields of a Record instead
// of decoding it with encoding/json's reflection: at 100,000 members a journal is 300,000 lines and
// about 50 MB, which json.Unmarshal took two seconds over. A line the scanner does not take on (an
// escape, a key in other case, a repeated key, a value of another type) is decoded by json.Unmarshal
// as before, so every line means what it always meant, and a journal that is not one gets the same
// error naming the same line.

// maxFastLine is the longest line the scanning reader takes; a longer one (none that ssrun writes)
// sends the whole journal through readDecoded.
const maxFastLine = 1 << 20

// errSlowPath asks the caller to read the journal with readDecoded instead.
var errSlowPath = errors.New("journal: a line too long for the scanning reader")

// scanFile reads the journal at path line by line and hands each record to each (the Record is reused
// between calls). identity false leaves Hash and Parts empty. No journal: no records, no error.
func scanFile(path string, p *lineParser, each func(*Record)) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return scanReader(f, path, p, each)
}

// scanReader is scanFile over the journal's bytes in r (path names it in errors).
func scanReader(f io.Reader, path string, p *lineParser, each func(*Record)) error {
	buf := make([]byte, 64<<10) // doubled while a line does not fit, up to maxFastLine
	n, line := 0, 0             // bytes held in buf, lines handed on
	for eof := false; !eof; {
		if n == len(buf) { // no line end in a full buffer
			if len(buf) >= maxFastLine {
				return errSlowPath
			}
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := io.ReadFull(f, buf[n:])
		n += m
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			eof = true
		} else if err != nil {
			return &Error{path, line + 1, err.Error()}
		}
		rest := buf[:n]
		for {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			line++
			if err := p.record(path, line, dropCR(rest[:i]), each); err != nil {
				return err
			}
			rest = rest[i+1:]
		}
		if eof && len(rest) > 0 { // a last line without its newline is a line, as bufio.ScanLines reads it
			line++
			return p.record(path, line, dropCR(rest), each)
		}
		n = copy(buf, rest)
	}
	return nil
}

func dropCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// lineParser turns lines into records; strs interns the strings many lines repeat (runs, ensembles,
// statuses, part names), so 100,000 members do not allocate them 100,000 times.
type lineParser struct {
	identity bool
	// known finds the string of a name seen before (ReadState's members), so the started and end
	// lines of 100,000 members do not allocate their names again; nil: none.
	known func(name []byte) (string, bool)
	sc    jsonscan.Scanner
	// readField is field, bound once for jsonscan's Fields.
	readField func(f int) bool
	rec       Record
	strs      map[string]string
	text      jsonscan.Strings
	codes     []int
}

func newLineParser(identity bool, known func([]byte) (string, bool)) *lineParser {
	p := &lineParser{identity: identity, known: known, strs: map[string]string{}}
	p.readField = p.field // bound once: no closure per line
	return p
}

// record parses one line and hands it on, or returns the error readDecoded would for that line.
func (p *lineParser) record(path string, line int, text []byte, each func(*Record)) error {
	p.rec = Record{}
	if !p.scan(text) {
		p.rec = Record{}
		if err := json.Unmarshal(text, &p.rec); err != nil {
			return corruptError(path, line)
		}
		if !p.identity {
			p.rec.Hash, p.rec.Parts = "", nil
		}
	}
	if p.rec.Ev == "" {
		return corruptError(path, line)
	}
	if p.rec.V > Version {
		return newerError(path, line, p.rec.V)
	}
	each(&p.rec)
	return nil
}

// fields are Record's JSON names, in fieldIndex's order.
var fields = [...]string{"v", "ev", "exp", "script", "run", "name", "ens", "hash", "parts", "dir", "job", "status", "code", "from"}

// scan fills p.rec from a line in the shape Writer writes; false when the line needs json.Unmarshal
// (anything else, including a line that is not JSON, which Unmarshal then refuses).
func (p *lineParser) scan(text []byte) bool {
	p.sc.Reset(text)
	return p.sc.Fields(fields[:], fieldIndex, p.readField) && p.sc.Done()
}

// field reads the value of fields[f] into p.rec; false when the decoder must read the line.
func (p *lineParser) field(f int) bool {
	sc, r := &p.sc, &p.rec
	switch fields[f] {
	case "v":
		return p.integer(&r.V)
	case "code":
		if sc.Null() {
			return true
		}
		if len(p.codes) == cap(p.codes) {
			p.codes = make([]int, 0, 1024) // codes of 1,024 lines, one allocation
		}
		p.codes = p.codes[:len(p.codes)+1]
		c := &p.codes[len(p.codes)-1]
		if !p.integer(c) {
			return false
		}
		r.Code = c
	case "parts":
		return p.parts()
	case "ev":
		r.Ev = p.str(true)
	case "exp":
		r.Exp = p.str(true)
	case "script":
		r.Script = p.str(true)
	case "run":
		r.Run = p.str(true)
	case "name":
		r.Name = p.name()
	case "ens":
		r.Ens = p.str(true)
	case "hash":
		if p.identity {
			r.Hash = p.str(false)
		} else {
			sc.StringValue() // checked, not kept
		}
	case "dir":
		r.Dir = p.str(false)
	case "job":
		r.Job = p.str(false)
	case "status":
		r.Status = p.str(true)
	case "from":
		r.From = p.str(true)
	}
	return true
}

// fieldIndex is the position of key in fields, -1 for another key.
func fieldIndex(key []byte) int {
	switch string(key) { // compiled to a search by length and value, without a conversion
	case "v":
		return 0
	case "ev":
		return 1
	case "exp":
		return 2
	case "script":
		return 3
	case "run":
		return 4
	case "name":
		return 5
	case "ens":
		return 6
	case "hash":
		return 7
	case "parts":
		return 8
	case "dir":
		return 9
	case "job":
		return 10
	case "status":
		return 11
	case "code":
		return 12
	case "from":
		return 13
	}
	return -1
}

// name reads the name field, as the string of a member seen before when there is one.
func (p *lineParser) name() string {
	raw, plain, null := p.sc.StringValue()
	if null || !plain {
		if !null {
			p.sc.Fail()
		}
		return ""
	}
	if p.known != nil {
		if s, ok := p.known(raw); ok {
			return s
		}
	}
	return p.text.Make(raw)
}

// str reads a string field (null leaves it empty, as encoding/json does); intern for values many
// lines share. A value that is not a plain string fails the scan (json.Unmarshal decodes it).
func (p *lineParser) str(intern bool) string {
	raw, plain, null := p.sc.StringValue()
	if null {
		return ""
	}
	if !plain {
		p.sc.Fail()
		return ""
	}
	if intern {
		return p.intern(raw)
	}
	return p.text.Make(raw)
}

func (p *lineParser) intern(raw []byte) string {
	if s, ok := p.strs[string(raw)]; ok {
		return s
	}
	if len(p.strs) > 4096 { // not a repeated value after all: stop remembering
		return string(raw)
	}
	s := string(raw)
	p.strs[s] = s
	return s
}

// integer reads an integer field as encoding/json reads one into an int; null leaves it unchanged.
func (p *lineParser) integer(v *int) bool {
	if p.sc.Null() {
		return true
	}
	n, ok := jsonscan.Int(p.sc.Number())
	if p.sc.Failed() || !ok {
		return false
	}
	*v = n
	return true
}

// parts reads the part digests (an object of strings, or null); kept only with identity.
func (p *lineParser) parts() bool {
	sc := &p.sc
	if sc.Null() {
		return true
	}
	if !sc.Object() {
		return false
	}
	var parts map[string]string
	if p.identity {
		parts = map[string]string{}
	}
	more := false
	for {
		key, kplain, ok := sc.Key(&more)
		if !ok {
			break
		}
		val, vplain, null := sc.StringValue()
		if sc.Failed() || !kplain || !vplain || null {
			return false
		}
		if parts != nil {
			k := p.intern(key)
			if _, dup := parts[k]; dup {
				return false
			}
			parts[k] = p.text.Make(val)
		}
	}
	if sc.Failed() {
		return false
	}
	p.rec.Parts = parts
	return true
}
